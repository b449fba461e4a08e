"""Security plumbing: rate limits, proxy trust, security headers, no personal data in logs."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

limiter = Limiter(get_remote_address)

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


def init_app(app) -> None:
    """Trust the configured proxy hops, start the limiter, register the header hook."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # Host comes from nginx as is
    limiter.init_app(app)
    app.after_request(_headers)
