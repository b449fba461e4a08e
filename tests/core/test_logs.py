"""The application's logging: level and format from settings, audit lines kept, phones hidden."""
import logging

import pytest

from forms_app import create_app
from forms_app.core.config import ConfigError
from tests.conftest import Forms, add_accounts, sign_in


@pytest.fixture(autouse=True)
def restore_logging():
    """Leave the forms_app logger as the other tests expect it (passing lines on to pytest)."""
    yield
    logger = logging.getLogger("forms_app")
    logger.propagate = True
    logger.setLevel(logging.INFO)


@pytest.fixture
def production_like(app_config):
    """TESTING off, so the app's own handler prints (as under gunicorn) instead of passing lines on."""
    return {**app_config, "TESTING": False, "SESSION_COOKIE_SECURE": False}


def test_stewards_audit_lines_are_written(production_like, capsys):
    app = create_app(production_like)
    add_accounts(app.config["DATABASE"])
    forms = Forms(app.test_client())
    capsys.readouterr()
    assert sign_in(forms.client, "s1").status_code == 303
    forms.client.get("/forms/steward/export.xlsx")
    err = capsys.readouterr().err
    assert "INFO forms_app.views.steward: steward s1 signed in" in err
    assert "steward s1 downloaded the workbook" in err


def test_level_and_format_come_from_the_settings(production_like, capsys):
    create_app({**production_like, "LOG_LEVEL": "warning", "LOG_FORMAT": "[%(levelname)s] %(message)s"})
    log = logging.getLogger("forms_app.views.report")
    capsys.readouterr()
    log.info("not shown")
    log.warning("shown")
    assert capsys.readouterr().err == "[WARNING] shown\n"


def test_each_line_is_written_once(production_like, capsys):
    for _ in range(3):  # a handler per create_app would print it three times
        create_app(production_like)
    capsys.readouterr()
    logging.getLogger("forms_app.x").warning("once")
    assert capsys.readouterr().err.count("once") == 1


@pytest.mark.parametrize("message, args", [("report for %s", ("13812345678",)), ("call 021-6543 0001 now", ()),
                                           ("phone %s", ("+86 138 1234 5678",))])
def test_phone_numbers_that_slip_into_a_line_are_hidden(production_like, capsys, message, args):
    create_app(production_like)
    capsys.readouterr()
    logging.getLogger("forms_app.x").warning(message, *args)
    err = capsys.readouterr().err
    assert "＊＊＊" in err and not any(d in err for d in ("12345678", "6543 0001", "1234 5678"))


def test_an_unknown_level_stops_the_start(production_like):
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        create_app({**production_like, "LOG_LEVEL": "LOUD"})


def test_our_reference_numbers_stay_readable(production_like, capsys):
    from forms_app.core.references import new_reference

    create_app(production_like)
    refs = [new_reference("report"), new_reference("signup")]
    capsys.readouterr()
    logging.getLogger("forms_app.x").warning("report %s, signup %s, phone 13812345678", *refs)
    err = capsys.readouterr().err
    assert all(r in err for r in refs) and "13812345678" not in err


def test_log_times_are_shanghai_time_like_the_pages(app_config, capsys, monkeypatch):
    import logging
    import time as time_module

    from forms_app import create_app

    monkeypatch.setenv("TZ", "UTC")
    time_module.tzset()
    try:
        create_app(app_config)
        record = logging.LogRecord("forms_app.x", logging.INFO, __file__, 1, "hello", None, None)
        record.created = 1_796_601_600.0   # 2026-12-07 00:00:00 UTC = 08:00 in Shanghai
        record.msecs = 0
        handler = next(h for h in logging.getLogger("forms_app").handlers if h.formatter is not None)
        assert handler.format(record).startswith("2026-12-07 08:00:00,000 +0800 INFO")
    finally:
        monkeypatch.delenv("TZ")
        time_module.tzset()
