"""Believe X-Forwarded-For / X-Forwarded-Proto only from the proxies we run (TRUSTED_PROXY_ADDRESSES).

werkzeug's ProxyFix trusts a fixed number of hops from whoever connects: reachable directly, a
client rotating X-Forwarded-For would escape every per-address limit. Here the headers count only
when the connecting address is a configured proxy; the client is then the right-most address in
X-Forwarded-For that is not one of our proxies (nginx's $proxy_add_x_forwarded_for appends the
address it saw, so anything a client wrote stands to the left of it and is ignored).
"""
from __future__ import annotations

import ipaddress
import logging
import threading

log = logging.getLogger(__name__)
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED",
             "HTTP_X_REAL_IP")


def parse_networks(text: str) -> tuple:
    """'127.0.0.1, ::1, 10.0.0.0/8' → networks; an entry that is not an address stops the start."""
    networks = []
    for entry in (e.strip() for e in str(text or "").split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            from forms_app.core.config import ConfigError

            raise ConfigError(f"TRUSTED_PROXY_ADDRESSES 里的“{entry}”不是 IP 地址或网段（not an address or network）。") from None
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: rewrite REMOTE_ADDR and wsgi.url_scheme from a trusted proxy's headers only."""

    def __init__(self, app, networks: tuple):
        self.app, self.networks = app, networks
        self.warned = threading.Event()

    def trusted(self, address) -> bool:
        return address is not None and any(address in net for net in self.networks)

    def __call__(self, environ, start_response):
        peer = _address(environ.get("REMOTE_ADDR", ""))
        if self.trusted(peer):
            self._apply(environ)
        elif any(environ.get(h) for h in FORWARDED) and not self.warned.is_set():
            self.warned.set()  # once per process: a misconfigured proxy would otherwise flood the log
            log.warning("forwarded headers from %s ignored: not in TRUSTED_PROXY_ADDRESSES; every client behind "
                        "that proxy shares one rate limit", environ.get("REMOTE_ADDR", "?"))
        return self.app(environ, start_response)

    def _apply(self, environ) -> None:
        client = None
        for entry in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = _address(entry)
            if address is None:
                break  # garbage: keep the last address we could believe
            client = address
            if not self.trusted(address):
                break
        if client is not None:
            environ["werkzeug.proxy_fix.orig_remote_addr"] = environ.get("REMOTE_ADDR")
            environ["REMOTE_ADDR"] = str(client)
        proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
