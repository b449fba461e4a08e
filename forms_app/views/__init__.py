"""Blueprints, one per concern; each declares its own URL prefix."""
from __future__ import annotations

import re

from flask import current_app, request, session

from forms_app.core import facts, references
from forms_app.core.phones import PhoneError, normalise_phone


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


def call_contact(compound_id: str | None = None) -> dict:
    """Whom a resident can phone from this page: the compound's steward, else the office ({name, phone})."""
    d = directory()
    compound = d.compounds.get(compound_id or "")
    if compound is not None:
        return {"name": f"大管家{compound.steward.name}", "phone": compound.steward.phone}
    office = d.street.get("office") or {}
    return {"name": office.get("name", "大管家事务所"), "phone": shown_phone(str(office.get("phone", "")))}


def shown_phone(raw: str) -> str:
    """A number as people read it ('021-5555 0100' -> '021 5555 0100'); as written if it is not one."""
    try:
        return normalise_phone(raw).display
    except PhoneError:
        return raw


def tel(phone: str) -> str:
    """A tel: URI from a shown number ('021 5555 0100' -> 'tel:02155550100')."""
    return "tel:" + re.sub(r"[^\d+]", "", phone or "")


def in_wechat() -> bool:
    """WeChat's in-app browser (it cannot open a downloaded .ics file)."""
    return "MicroMessenger" in (request.user_agent.string or "")


def site_address(path: str) -> str:
    """An absolute link on the configured site address (street.site_url), never the request's Host header."""
    return str(directory().street.get("site_url", "")).rstrip("/") + path


def page_fact(name: str) -> str:
    """A fact from the data for a template (core/facts.py): the same words the knowledge base renders."""
    return facts.fact(name, directory(), current_app.config)


def _template_helpers() -> dict:
    return {"call_contact": call_contact, "in_wechat": in_wechat, "site_address": site_address,
            "example_ref": references.example, "fact": page_fact}


def init_app(app) -> None:
    """Register every blueprint and the template helpers."""
    from . import health, reception, report, status, steward, tools
    from . import steward_photos  # noqa: F401  (its route joins the steward blueprint before registration)

    app.jinja_env.globals["aria"] = aria
    app.jinja_env.filters["ref"] = references.display
    app.jinja_env.filters["tel"] = tel
    app.context_processor(_template_helpers)

    for module in (report, reception, status, steward, health, tools):
        app.register_blueprint(module.bp)
