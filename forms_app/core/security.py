"""Security plumbing: rate limits, proxy trust, security headers, no personal data in logs."""
from __future__ import annotations

import io
import logging
import re

from flask import abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.routing import IntegerConverter

from forms_app.core.proxies import TrustedProxies, parse_networks

limiter = Limiter(get_remote_address)
log = logging.getLogger(__name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# The forms have no inline script or style at all; the static knowledge base (Material)
# carries a few small inline bootstrap scripts of its own, so its policy allows those.
_CSP_FORMS = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
              "base-uri 'none'; object-src 'none'")
_CSP_SITE = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
             "base-uri 'self'; object-src 'none'")


MAX_ID = 10**12 - 1       # ids in URLs: at most 12 digits (SQLite takes up to 2**63 - 1; a row id never nears either)
MAX_PAGE = 100_000        # page numbers in query strings
_PAGE = re.compile(r"^\d{1,6}$", re.ASCII)


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route: 1–12 ASCII digits, up to MAX_ID; anything longer or larger is a 404.

    Werkzeug's own converter takes any number of digits: 99999999999999999999999 then reached SQLite
    (OverflowError, a 500), and a 5,000-digit one Python's int() limit. Registered as "int" by init_app
    before any blueprint, so every route — and every route added later — gets it.
    """

    regex = r"\d{1,12}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_number(text: str | None, most: int = MAX_PAGE) -> int:
    """A page number from a query string: 1–`most`; anything else (absent, negative, 1e5000, 20 digits) reads as 1,
    and a number past `most` as `most` (the list then shows its last page)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return most if not _PAGE.match(text) else min(max(int(text), 1), most)


def submit_limit() -> str:
    """Per-IP limit on form submissions (configurable)."""
    return current_app.config["RATELIMIT_SUBMIT"]


def lookup_limit() -> str:
    """Per-IP limit on progress look-ups and cancellations, against guessing."""
    return current_app.config["RATELIMIT_LOOKUP"]


def _headers(response):
    """Add the security headers to every response."""
    forms = request.path.startswith("/forms") or request.path == "/healthz"
    response.headers.setdefault("Content-Security-Policy", _CSP_FORMS if forms else _CSP_SITE)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if forms:
        # Personal data must not linger in shared caches or the back-forward cache of a shared phone.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _body_checks():
    """Form routes take form bodies only (415 otherwise); a streamed (chunked) body over the cap is a 413.

    werkzeug parses a chunked urlencoded body only up to MAX_CONTENT_LENGTH and silently drops the
    rest, so such a body is read here first: one byte over the cap refuses the request instead of
    truncating it. (Multipart bodies — photos, with their own per-route cap — are streamed by
    werkzeug's multipart parser, which raises the 413 itself.)
    """
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.path.startswith("/forms"):
        return
    env = request.environ
    if not env.get("CONTENT_LENGTH") and env.get("wsgi.input_terminated") and request.mimetype != "multipart/form-data":
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        body = env["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            abort(413)
        env["wsgi.input"], env["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    if request.mimetype not in FORM_TYPES and (request.mimetype or env.get("CONTENT_LENGTH") not in (None, "", "0")):
        abort(415)


def init_app(app) -> None:
    """Believe forwarded headers from our own proxies only, start the limiter, register the hooks."""
    if app.config.get("LEGACY_TRUSTED_PROXIES"):
        log.warning("TRUSTED_PROXIES is no longer read: forwarded headers are believed from TRUSTED_PROXY_ADDRESSES "
                    "(now %s); remove TRUSTED_PROXIES from .env", app.config["TRUSTED_PROXY_ADDRESSES"] or "none")
    app.url_map.converters["int"] = BoundedInt  # before the blueprints: every <int:…> is bounded
    networks = parse_networks(app.config["TRUSTED_PROXY_ADDRESSES"])
    app.wsgi_app = TrustedProxies(app.wsgi_app, networks)  # Host comes from nginx as is, never from a header
    limiter.init_app(app)
    app.before_request(_body_checks)
    app.after_request(_headers)
