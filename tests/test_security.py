"""Rate limits, body-size cap, security headers, cookies, logs without personal data."""
import logging

import pytest

from forms_app import create_app
from tests.conftest import Forms, reference, text


@pytest.fixture
def limited(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_SUBMIT": "3 per minute",
                      "RATELIMIT_LOOKUP": "2 per minute"})
    return Forms(app.test_client())


def test_submissions_are_rate_limited_per_ip_with_a_chinese_page(limited):
    codes = [limited.report().status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    last = limited.report()
    assert "操作太频繁了" in text(last) and last.headers.get("Retry-After")


def test_rate_limit_is_per_ip(limited):
    for _ in range(3):
        limited.report()
    other = limited.submit("/forms/report", {}, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 400  # validated, not limited


def test_lookups_are_limited_against_guessing(limited):
    codes = [limited.submit("/forms/status", {"ref": f"W222-33{n}", "last4": "1234"}).status_code for n in range(3)]
    assert codes == [404, 404, 429]


def test_get_pages_are_not_limited(limited):
    assert {limited.client.get("/forms/report").status_code for _ in range(10)} == {200}


def test_oversize_body_gets_413_in_chinese(forms, db):
    response = forms.report(description="漏" * 40000)
    assert response.status_code == 413 and "内容太多了" in text(response)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


@pytest.mark.parametrize("path", ["/forms/report", "/forms/reception", "/forms/status", "/healthz"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_forms(client):
    body = text(client.get("/forms/report"))
    assert "<script>" not in body and "style=" not in body and "<style" not in body


def test_no_external_urls_in_form_pages(client):
    body = text(client.get("/forms/report"))
    assert "http:" not in body and "https:" not in body and '="//' not in body


def test_secret_key_is_required_outside_development(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE": str(tmp_path / "s.sqlite3")})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SECRET_KEY": "x" * 32, "DATABASE": str(tmp_path / "s.sqlite3")})
    response = app.test_client().get("/forms/report")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logs_carry_no_phone_or_description(forms, caplog):
    caplog.set_level(logging.DEBUG)
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    forms.submit("/forms/status", {"ref": ref, "last4": "5678"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert ref in logged
    for secret in ("13812345678", "138 1234 5678", "5678", "卫生间天花板", "王阿姨"):
        assert secret not in logged
