"""Serve the built knowledge base (site/) at / so one port carries site and forms.

In production nginx serves site/ itself; this is for the one-command local run.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_from_directory

bp = Blueprint("site", __name__)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    """A file from SITE_DIR; directory URLs get their index.html."""
    root = Path(current_app.config["SITE_DIR"]).resolve()
    if not path or path.endswith("/"):
        path += "index.html"
    elif (root / path).is_dir():
        return redirect(f"/{path}/", code=301)  # relative links in the pages need the slash
    if not (root / path).is_file():
        abort(404)
    return send_from_directory(root, path, max_age=300)


def init_app(app) -> None:
    """Mount the site only when a built site directory is configured."""
    if app.config["SITE_DIR"]:
        app.register_blueprint(bp)
