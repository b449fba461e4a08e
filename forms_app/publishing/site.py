"""Serve the built knowledge base (site/) at / so one port carries site and forms.

In production nginx serves site/ itself; this is for the one-command local run.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_from_directory
from werkzeug.security import safe_join

bp = Blueprint("site", __name__)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    """A file from SITE_DIR; directory URLs get their index.html."""
    root = Path(current_app.config["SITE_DIR"]).resolve()
    target = _inside(root, path)
    if target is None:
        abort(404)
    if not path or path.endswith("/"):
        path, target = path + "index.html", target / "index.html"
    elif _is(target, Path.is_dir):
        return redirect(f"/{path}/", code=301)  # relative links in the pages need the slash
    if not _is(target, Path.is_file):
        abort(404)
    return send_from_directory(root, path, max_age=300)


def _inside(root: Path, path: str) -> Path | None:
    """root/path when it names something inside root; None for '..', absolute parts, over-long
    segments (the file system's 255-byte limit) or a symlink leading out — all answered 404 alike."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p or len(p.encode("utf-8", "surrogatepass")) > 255 for p in parts):
        return None
    target = safe_join(str(root), *parts) if parts else str(root)
    if target is None:
        return None
    try:
        resolved = Path(target).resolve()
    except (OSError, RuntimeError):
        return None
    return Path(target) if resolved == root or root in resolved.parents else None


def _is(path: Path, test) -> bool:
    """path.is_dir()/is_file() that treats any OS error (name too long, permission) as 'no'."""
    try:
        return test(path)
    except OSError:
        return False


def init_app(app) -> None:
    """Mount the site only when a built site directory is configured."""
    if app.config["SITE_DIR"]:
        app.register_blueprint(bp)
