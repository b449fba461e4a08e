"""Security plumbing: rate limits, proxy trust, security headers, no personal data in logs."""
from __future__ import annotations

import io
import logging

from flask import abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

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
    networks = parse_networks(app.config["TRUSTED_PROXY_ADDRESSES"])
    app.wsgi_app = TrustedProxies(app.wsgi_app, networks)  # Host comes from nginx as is, never from a header
    limiter.init_app(app)
    app.before_request(_body_checks)
    app.after_request(_headers)
