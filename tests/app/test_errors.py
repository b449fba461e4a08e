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
    assert health["alerts"] == "off" and health["alerts_backlog"] == 0  # no channel: nothing piles up
    assert "138" not in client.get("/healthz").get_data(as_text=True)


def test_an_unexpected_error_is_logged_by_type_and_place_without_its_message(app_config, capsys):
    import logging

    app = create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/forms/boom")
    def boom():
        raise ValueError("王阿姨 13812345678 601室")

    try:
        capsys.readouterr()
        app.test_client().get("/forms/boom")
        err = capsys.readouterr().err
    finally:
        logging.getLogger("forms_app").propagate = True  # as the other tests expect
    assert "ERROR forms_app.core.errors: unhandled error: ValueError at test_errors.py:" in err
    assert "王阿姨" not in err and "13812345678" not in err and "601室" not in err and "Traceback" not in err


def test_healthz_counts_waiting_alerts_only_when_a_channel_is_configured(app_config):
    from forms_app import create_app
    from tests.conftest import Forms

    app = create_app({**app_config, "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/cgi-bin/webhook/send?key=x"})
    Forms(app.test_client()).report()
    health = app.test_client().get("/healthz").get_json()
    assert health["alerts"] == "on" and health["alerts_backlog"] == 1  # a leak is urgent: its alert waits for the worker


def test_without_a_channel_the_worker_drops_urgent_alerts_with_a_note(forms, app, db):
    from forms_app.core import outbox
    from forms_app.delivery.alerts import NO_CHANNEL
    from forms_app.delivery.sync import Worker

    forms.report()
    Worker(db, None, app.extensions["directory"]).deliver()
    assert outbox.backlog(db, outbox.ALERT_KINDS) == 0
    assert db.execute("SELECT last_error FROM outbox WHERE kind = 'alert'").fetchone()[0] == NO_CHANNEL
