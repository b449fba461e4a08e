"""Blueprints, one per concern; each declares its own URL prefix."""
from __future__ import annotations

import json
import re

from flask import current_app, g, redirect, request, session
from itsdangerous import BadData, URLSafeSerializer

from forms_app.core import facts, references
from forms_app.core.directory import name_key
from forms_app.core.phones import display_phone


def directory():
    """The street's directory, loaded once by create_app."""
    return current_app.extensions["directory"]


# "这部手机提交过的编号" outlive the browser session (WeChat clears it when closed): a signed cookie that
# holds the references only — no name, no phone — for a year (docs/privacy says so).
PHONE_REFS_COOKIE = "yanji_refs"
PHONE_REFS_DAYS = 365


def _phone_refs_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="this-phone-refs")


def phone_refs() -> list[str]:
    """The references this phone sent, oldest first: this session's and the long-lived cookie's."""
    if "phone_refs" not in g:
        try:
            kept = _phone_refs_signer().loads(request.cookies.get(PHONE_REFS_COOKIE, ""))
        except BadData:   # none, tampered with, or signed with an old key
            kept = []
        kept = [r for r in kept if isinstance(r, str) and references.kind_of(r)] if isinstance(kept, list) else []
        g.phone_refs = [r for r in kept if r not in session.get("refs", [])] + list(session.get("refs", []))
    return g.phone_refs[-10:]


def remember(key: str, ref: str) -> None:
    """Note in this browser's session that it may see ref again (key: what for); the last ten kept.
    The references it sent ('refs') also go into the long-lived cookie."""
    if key == "refs":
        g.phone_refs = ([r for r in phone_refs() if r != ref] + [ref])[-10:]
        g.phone_refs_changed = True
    session[key] = ([r for r in session.get(key, []) if r != ref] + [ref])[-10:]


def per_address_cap(setting: str) -> int:
    """A per-address cap from the settings; 0 (none) when per-address limits are off (RATELIMIT_ENABLED=0)."""
    config = current_app.config
    return int(config.get(setting) or 0) if config.get("RATELIMIT_ENABLED", True) else 0


def remembered(key: str, ref: str) -> bool:
    """Whether this browser noted ref under key (the references it sent: also across sessions)."""
    return ref in (phone_refs() if key == "refs" else session.get(key, []))


def _keep_phone_refs(response):
    """Write the long-lived cookie when this request added a reference."""
    if g.get("phone_refs_changed"):
        response.set_cookie(PHONE_REFS_COOKIE, _phone_refs_signer().dumps(g.phone_refs),
                            max_age=PHONE_REFS_DAYS * 86400, path="/forms/", httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


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
    compound = d.match_compound(compound_id or "")
    if compound is not None and compound.area.covered:
        return {"name": f"大管家{compound.steward.name}", "phone": compound.steward.phone}
    if compound is not None:  # no community steward there yet: the residents' committee
        committee = compound.area.committee
        return {"name": committee.name, "phone": committee.phone}
    office = d.street.get("office") or {}
    return {"name": office.get("name", "大管家事务所"), "phone": display_phone(str(office.get("phone", "")))}


def tel(phone: str) -> str:
    """A tel: URI from a shown number ('021 5555 0100' -> 'tel:02155550100')."""
    return "tel:" + re.sub(r"[^\d+]", "", phone or "")


def in_wechat() -> bool:
    """WeChat's in-app browser (it cannot open a downloaded .ics file)."""
    return "MicroMessenger" in (request.user_agent.string or "")


def site_address(path: str) -> str:
    """An absolute link on the configured site address (street.site_url), never the request's Host header."""
    return str(directory().street.get("site_url", "")).rstrip("/") + path


def compound_keys() -> str:
    """{compound id: its names as core.directory.name_key folds them, and its area's}, as JSON for the
    compound list's finder box in forms.js."""
    d = directory()
    return json.dumps({c.id: " ".join(dict.fromkeys((*c.keys, name_key(c.area.name)))) for c in d.compounds.values()},
                      ensure_ascii=False, separators=(",", ":"))


def page_fact(name: str) -> str:
    """A fact from the data for a template (core/facts.py): the same words the knowledge base renders."""
    return facts.fact(name, directory(), current_app.config)


def _template_helpers() -> dict:
    return {"call_contact": call_contact, "in_wechat": in_wechat, "site_address": site_address,
            "example_ref": references.example, "fact": page_fact}


def init_app(app) -> None:
    """Register every blueprint and the template helpers."""
    from . import health, reception, report, status, steward, tools
    # The steward's pages live in several modules; their routes join steward.bp before it is registered.
    from . import steward_cases, steward_intake, steward_photos, steward_reception, steward_reports, steward_sessions  # noqa: F401

    app.jinja_env.globals["aria"] = aria
    app.jinja_env.globals["compound_keys"] = compound_keys   # a global: the _fields.html macros use it
    app.jinja_env.filters["ref"] = references.display
    app.jinja_env.filters["tel"] = tel
    app.context_processor(_template_helpers)
    app.after_request(_keep_phone_refs)

    for module in (report, reception, status, steward, health, tools):
        app.register_blueprint(module.bp)
    # /forms/ itself is no page: a resident who trims the address lands on the site's home page.
    app.add_url_rule("/forms/", "forms_home", lambda: redirect("/", code=302), strict_slashes=False)
