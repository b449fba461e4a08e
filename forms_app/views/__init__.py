"""Blueprints, one per concern; each declares its own URL prefix."""
from __future__ import annotations

from flask import current_app, session

from forms_app.core.cases import STATUS_MEANINGS


def directory():
    """The street's directory, loaded once by create_app."""
    return current_app.extensions["directory"]


def remember(key: str, ref: str) -> None:
    """Note in this browser's session that it may see ref again (key: what for); the last ten kept."""
    session[key] = ([r for r in session.get(key, []) if r != ref] + [ref])[-10:]


def remembered(key: str, ref: str) -> bool:
    """Whether this browser's session noted ref under key."""
    return ref in session.get(key, [])


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
    from . import health, reception, report, status, steward, tools

    app.jinja_env.globals["aria"] = aria
    app.jinja_env.globals["status_meanings"] = STATUS_MEANINGS

    for module in (report, reception, status, steward, health, tools):
        app.register_blueprint(module.bp)
