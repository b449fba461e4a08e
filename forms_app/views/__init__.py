"""Blueprints, one per concern; each declares its own URL prefix."""
from __future__ import annotations

from flask import current_app


def directory():
    """The street's directory, loaded once by create_app."""
    return current_app.extensions["directory"]


def aria(field, hint: str = "", attrs: dict | None = None, invalid: bool = True) -> dict:
    """HTML attributes tying a field to its hint and error (aria-describedby, aria-invalid)."""
    out = dict(attrs or {})
    ids = [f"{field.id}-hint"] if hint else []
    if field.errors:
        ids.append(f"{field.id}-error")
        if invalid:
            out["aria-invalid"] = "true"
    if ids:
        out["aria-describedby"] = " ".join(ids)
    return out


def init_app(app) -> None:
    """Register every blueprint and the template helpers."""
    from . import health, reception, report, status, steward

    app.jinja_env.globals["aria"] = aria

    for module in (report, reception, status, steward, health):
        app.register_blueprint(module.bp)
