"""Every error a resident can meet is a Chinese page with the right status, never a trace."""
import pytest

from forms_app import create_app
from tests.conftest import text


@pytest.mark.parametrize("method, path, code, words", [
    ("get", "/forms/nope", 404, "没有找到这个页面"),
    ("get", "/forms/reception/W222-333.ics", 404, "没有找到这个页面"),
    ("delete", "/forms/report", 405, "操作方式不对"),
])
def test_http_errors_in_chinese(client, method, path, code, words):
    response = getattr(client, method)(path)
    assert response.status_code == code and words in text(response) and 'lang="zh-CN"' in text(response)


def test_unexpected_error_is_a_chinese_500_without_a_trace(app_config):
    app = create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/forms/boom")
    def boom():
        raise ZeroDivisionError("secret detail")

    response = app.test_client().get("/forms/boom")
    body = text(response)
    assert response.status_code == 500 and "系统出了点问题" in body
    assert "Traceback" not in body and "secret detail" not in body and "ZeroDivisionError" not in body


def test_400_page_in_chinese(client):
    response = client.post("/forms/report", data=b"\xff", content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400 and "Bad Request" not in text(response)


def test_healthz_has_no_personal_data(forms, client):
    forms.report()
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["sheets"] == "off" and health["outbox_backlog"] == 0
    assert health["alerts_backlog"] == 1  # a leak is urgent: its alert waits for the worker
    assert "138" not in client.get("/healthz").get_data(as_text=True)
