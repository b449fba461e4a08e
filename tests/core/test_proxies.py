"""Forwarded headers are believed only from our own proxies (TRUSTED_PROXY_ADDRESSES)."""
import logging

import pytest

from forms_app import create_app
from forms_app.core.config import ConfigError
from forms_app.core.proxies import TrustedProxies, parse_networks
from tests.conftest import Forms


@pytest.fixture
def limited(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOOKUP": "3 per minute"})
    return Forms(app.test_client())


def lookups(forms, peer: str, forwarded: list[str]) -> list[int]:
    """One status look-up per X-Forwarded-For value, all from the connecting address `peer`."""
    return [forms.submit("/forms/status", {"ref": "W222-333", "last4": "1234"},
                         environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": xff}).status_code
            for xff in forwarded]


def test_rotating_x_forwarded_for_from_a_direct_client_does_not_escape_the_limit(limited):
    codes = lookups(limited, "203.0.113.9", [f"10.0.0.{n}" for n in range(6)])
    assert codes == [404, 404, 404, 429, 429, 429]


def test_behind_our_nginx_each_resident_has_their_own_limit(limited):
    assert lookups(limited, "127.0.0.1", ["1.1.1.1"] * 4) == [404, 404, 404, 429]
    assert lookups(limited, "127.0.0.1", ["2.2.2.2"]) == [404]          # someone else is not locked out
    assert lookups(limited, "::1", ["1.1.1.1"]) == [429]                # IPv6 loopback is our proxy too


def test_addresses_a_client_wrote_before_nginx_appended_the_real_one_are_ignored(limited):
    # nginx's $proxy_add_x_forwarded_for appends the address it saw: whatever the client sent stays to the left.
    codes = lookups(limited, "127.0.0.1", [f"9.9.9.{n}, 5.5.5.5" for n in range(4)])
    assert codes == [404, 404, 404, 429]


def wsgi_view(networks: str):
    seen = {}

    def app(environ, start_response):
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        start_response("200 OK", [])
        return [b""]
    return TrustedProxies(app, parse_networks(networks)), seen


@pytest.mark.parametrize("networks, peer, xff, proto, addr, scheme", [
    ("127.0.0.1,::1", "127.0.0.1", "1.2.3.4", "https", "1.2.3.4", "https"),
    ("127.0.0.1,::1", "198.51.100.7", "1.2.3.4", "https", "198.51.100.7", "http"),   # not our proxy: ignored
    ("10.0.0.0/8", "10.1.2.3", "1.2.3.4, 10.9.9.9", "https", "1.2.3.4", "https"),     # two proxies of ours
    ("127.0.0.1", "127.0.0.1", "not-an-ip", "", "127.0.0.1", "http"),               # garbage: keep the peer
    ("", "127.0.0.1", "1.2.3.4", "https", "127.0.0.1", "http"),                      # empty: trust nobody
])
def test_middleware(networks, peer, xff, proto, addr, scheme):
    app, seen = wsgi_view(networks)
    app({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": xff, "HTTP_X_FORWARDED_PROTO": proto,
         "wsgi.url_scheme": "http"}, lambda *a: None)
    assert seen == {"addr": addr, "scheme": scheme}


def test_ignored_forwarded_headers_are_warned_about_once(app_config, caplog):
    client = create_app(app_config).test_client()
    with caplog.at_level(logging.WARNING, logger="forms_app"):
        for n in range(3):
            client.get("/forms/report", environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"X-Forwarded-For": f"1.1.1.{n}"})
    warnings = [r.getMessage() for r in caplog.records if "TRUSTED_PROXY_ADDRESSES" in r.getMessage()]
    assert len(warnings) == 1 and "198.51.100.7" in warnings[0]


def test_the_old_hop_count_setting_is_reported_at_start(app_config, monkeypatch, caplog):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    with caplog.at_level(logging.WARNING, logger="forms_app"):
        create_app(app_config)
    assert any("TRUSTED_PROXIES is no longer read" in r.getMessage() for r in caplog.records)


def test_a_wrong_proxy_address_stops_the_start_with_a_chinese_message(app_config):
    with pytest.raises(ConfigError, match="不是 IP 地址"):
        create_app({**app_config, "TRUSTED_PROXY_ADDRESSES": "127.0.0.1,nginx"})
