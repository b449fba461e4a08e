"""Rate limits, body-size cap, security headers, cookies, logs without personal data."""
import logging

import pytest

from forms_app import create_app
from tests.conftest import Forms, reference, text
from tests import REPO_ROOT


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


@pytest.mark.parametrize("key, ok", [("", False), ("short-key", False), ("x" * 31, False), ("x" * 32, True),
                                     ("密" * 11, True)])  # 33 bytes in UTF-8
def test_production_needs_a_secret_key_of_32_bytes(monkeypatch, tmp_path, key, ok):
    from forms_app.core.config import ConfigError

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = {"SECRET_KEY": key, "DATABASE": str(tmp_path / "s.sqlite3")}
    if ok:
        assert create_app(settings).config["SECRET_KEY"] == key
    else:
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app(settings)


def test_development_gets_a_random_key_each_start(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = {create_app({"DATABASE": str(tmp_path / "s.sqlite3")}).config["SECRET_KEY"] for _ in range(2)}
    assert len(keys) == 2 and "dev-only-not-secret" not in keys and all(len(k) >= 32 for k in keys)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_scripts_run_refuses_debug_mode_on_a_public_address(tmp_path, host):
    import os
    import subprocess
    from pathlib import Path

    root = REPO_ROOT
    env = {**os.environ, "HOST": host, "FLASK_DEBUG": "1", "DATABASE": str(tmp_path / "d.sqlite3")}
    result = subprocess.run(["bash", str(root / "scripts/run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "不能在" in result.stderr and "开发模式" in result.stderr
    assert not (tmp_path / "d.sqlite3").exists()  # stopped before anything started


@pytest.mark.parametrize("path", ["/forms/report", "/forms/reception", "/forms/status", "/forms/reception/cancel"])
@pytest.mark.parametrize("content_type, body", [("application/json", b'{"consent": "y"}'), ("text/plain", b"consent=y"),
                                                 ("application/xml", b"<a/>")])
def test_non_form_bodies_on_form_routes_get_415(client, db, path, content_type, body):
    response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == 415 and "提交方式不对" in text(response)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "n", "", "FALSE", "2"])
def test_consent_is_only_a_ticked_box(forms, db, value):
    response = forms.report(consent=value)
    assert response.status_code == 400 and "请勾选同意隐私说明" in text(response)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


@pytest.mark.parametrize("value", ["y", "on", "yes", "1", "true"])
def test_a_ticked_box_is_consent(forms, value):
    assert forms.report(consent=value).status_code == 303
