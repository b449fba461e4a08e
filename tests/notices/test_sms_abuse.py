"""Issue 18 #5 and issue 20 #9: nobody outside can make the office text strangers or wake them at night,
flood the stewards' group with urgent alerts, or keep a text going that is no longer true; a
provider's refusal of our account ends in a failed text, one message to the office and a non-zero
`flask sync --once` — never endless retries. Both official SDKs against the SMS emulator."""
import datetime as dt
import json

import pytest

from forms_app import create_app
from forms_app.casework import edits
from forms_app.core import clock, outbox
from forms_app.core.store import connect
from forms_app.delivery.sync import Worker
from forms_app.notices.messages import markdown_safe
from forms_app.notices.notify import Notifier
from forms_app.residents import reports
from tests.conftest import Forms, add_accounts, hidden_fields, sign_in, text
from tests.sinks import WebhookSink
from tests.sms_emulator.fixtures import sms_emu, sms_emulator, sms_settings  # noqa: F401
from tests.residents.test_texts import Clock, delivery, drain, new_report, text_rows, received

LAST_NIGHT = dt.datetime.now(clock.SHANGHAI).date() - dt.timedelta(days=1)


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request):
    return request.param


@pytest.fixture
def sink():
    started = WebhookSink("wecom").start()
    yield started
    started.stop()


@pytest.fixture
def app_config(app_config, sms_emu, provider, sink):
    return {**app_config, **sms_settings(provider, sms_emu), "ALERT_WEBHOOK_URL": sink.url(),
            "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00", "SYNC_INTERVAL": 0.05}


def night(app, db) -> tuple:
    now = Clock(LAST_NIGHT, 22, 30)
    d = delivery(app, db, now)
    d.quiet = (dt.time(21), dt.time(8))
    return d, now


# --- quiet hours: urgent AND a steward-checked number ----------------------------------------------

def test_urgent_reports_naming_a_stranger_wake_no_one_at_night(app, db, sms_emu):
    """The attack: urgent reports naming one number; nothing goes before morning (the number is unchecked)."""
    for _ in range(3):
        new_report(app, db, phone="+8613800000001", urgent=True, category_id="leak")
    d, now = night(app, db)
    d.deliver()
    assert received(sms_emu) == []
    assert {n["note"] for n in text_rows(db)} == {"夜间不发短信，早上再发"}


@pytest.mark.parametrize("category, checked, goes", [
    ("leak", True, True),        # urgent category, number checked by a steward: may go at night
    ("leak", False, False),      # urgent category, unchecked number: waits
    ("garbage", True, False),    # checked number, but the category is not urgent (only the box was ticked)
])
def test_only_an_urgent_category_with_a_checked_number_goes_in_quiet_hours(app, db, sms_emu, category, checked, goes):
    report = new_report(app, db, phone="+8613800000002", urgent=True, category_id=category)
    if checked:
        assert edits.verify_phone(db, report["id"], actor="s1") is True
    d, now = night(app, db)
    d.deliver()
    assert len(received(sms_emu)) == int(goes)


def test_a_changed_phone_is_unchecked_again(app, db, sms_emu):
    report = new_report(app, db, phone="+8613800000003", urgent=True, category_id="leak")
    edits.verify_phone(db, report["id"], actor="s1")
    db.execute("UPDATE reports SET phone = '+8613800000004' WHERE id = ?", (report["id"],))
    db.execute("UPDATE texts SET phone = '+8613800000004'")
    d, now = night(app, db)
    d.deliver()
    assert received(sms_emu) == []


def test_the_steward_marks_the_phone_checked_on_the_case_page(app, db, client):
    add_accounts(app.config["DATABASE"])
    report = new_report(app, db)
    assert sign_in(client, "s1").status_code == 303
    page = client.get(f"/forms/steward/reports/{report['ref']}")
    assert 'id="verify-phone"' in page.get_data(as_text=True)
    fields = hidden_fields(page.get_data(as_text=True))
    done = client.post(f"/forms/steward/reports/{report['ref']}/phone-verified", data={"csrf_token": fields["csrf_token"]})
    assert done.status_code == 303
    assert reports.by_ref(db, report["ref"])["phone_verified"] == "+8613812345678"
    shown = text(client.get(f"/forms/steward/reports/{report['ref']}"))
    assert "电话已核实" in shown and 'id="verify-phone"' not in client.get(f"/forms/steward/reports/{report['ref']}").get_data(as_text=True)
    history = db.execute("SELECT new FROM case_history WHERE report_id = ? AND field = 'phone_verified'", (report["id"],)).fetchall()
    assert [h["new"] for h in history] == ["电话已核实"]  # never the number itself


# --- budgets -------------------------------------------------------------------------------------------

def test_one_address_triggers_at_most_its_daily_texts_another_address_is_not_affected(app_config, sms_emu):
    app = create_app({**app_config, "SMS_REPORTS_PER_ADDRESS": 2, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_SUBMIT": "100 per minute"})
    db = connect(app.config["DATABASE"])
    client = app.test_client()
    forms = Forms(client)
    for i in range(4):
        assert forms.report(phone=f"139 1111 000{i}", sms_consent="y").status_code == 303
    other = Forms(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert other.report(phone="139 1111 0009", sms_consent="y").status_code == 303
    states = [(n["phone"][-1], n["state"], n["note"]) for n in text_rows(db)]
    assert [s[1] for s in states] == ["queued", "queued", "skipped", "skipped", "queued"]
    assert "同一网络地址今天提交的问题已达短信上限" in states[2][2]
    assert not db.execute("SELECT 1 FROM address_counts WHERE address LIKE '%127.0.0.1%' OR address LIKE '%203.0%'").fetchone()
    db.close()


def test_the_street_daily_budget_stops_texts_with_a_note_on_the_case(app_config, sms_emu):
    app = create_app({**app_config, "SMS_DAILY_BUDGET": 2})
    db = connect(app.config["DATABASE"])
    rows = [new_report(app, db, phone=f"+861390000{i:04d}") for i in range(3)]
    drain(delivery(app, db, Clock()))
    assert len(received(sms_emu)) == 2
    assert [n["state"] for n in text_rows(db)] == ["sent", "sent", "skipped"]
    assert "SMS_DAILY_BUDGET" in reports.by_ref(db, rows[2]["ref"])["notes"]
    db.close()


# --- urgent alerts per hour ---------------------------------------------------------------------------

def test_urgent_alerts_past_the_hourly_cap_are_folded_into_one_message(app_config, sink, monkeypatch):
    app = create_app({**app_config, "SMS_PROVIDER": "", "ALERT_URGENT_PER_HOUR": 2})
    db = connect(app.config["DATABASE"])
    for i in range(7):  # seven urgent reports from anyone
        new_report(app, db, phone=f"+861390000{i:04d}", urgent=True, category_id="leak")
    worker = Worker(db, None, app.extensions["directory"], notifier=Notifier.from_config(app.config),
                    urgent_per_hour=2, sleep=lambda s: None)
    worker.deliver()
    bodies = [json.dumps(r.body, ensure_ascii=False) for r in sink.received]
    assert len(bodies) == 3 and all("【紧急】" in b for b in bodies)
    assert "另有5条紧急问题，请看工作台" in bodies[2] and "mentioned" not in bodies[2]
    assert outbox.backlog(db, outbox.ALERT_KINDS) == 0
    new_report(app, db, phone="+8613900009999", urgent=True, category_id="leak")
    worker.deliver()  # the same hour: folded, the summary waits for the hour to pass
    assert len(sink.received) == 3
    later = clock.now() + dt.timedelta(minutes=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    worker.deliver()
    assert len(sink.received) == 4 and "另有1条紧急问题" in json.dumps(sink.received[3].body, ensure_ascii=False)
    db.close()


# --- issue 20 #9: no stale texts --------------------------------------------------------------------

def test_a_case_reopened_in_the_night_does_not_get_resolved_in_the_morning(app, db, sms_emu, provider):
    report = new_report(app, db, consent=1)
    with app.app_context():
        edits.edit(db, report["id"], {"status": "已解决", "public_note": "修好了"})
    d, now = night(app, db)
    d.deliver()
    assert received(sms_emu) == []
    with app.app_context():
        edits.edit(db, report["id"], {"status": "处理中"})  # reopened before the morning
    now.set(LAST_NIGHT + dt.timedelta(days=1), 8, 0)
    drain(d)
    status = [n for n in text_rows(db) if n["kind"] == "status"]
    assert [n["state"] for n in status] == ["skipped"] and "不再发“已解决”" in status[0]["note"]
    sent = json.dumps(received(sms_emu), ensure_ascii=False)
    assert "已解决" not in sent


# --- issue 20 #9: a provider's refusal of our account ---------------------------------------------

REFUSALS = {"aliyun": ["isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "InvalidAccessKeyId.NotFound",
                       "SignatureDoesNotMatch", "isv.OUT_OF_SERVICE"],
            "tencent": ["FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved",
                        "AuthFailure.SecretIdNotFound", "UnauthorizedOperation.SmsSdkAppIdVerifyFail"]}


@pytest.mark.parametrize("provider, code", [(p, c) for p, codes in REFUSALS.items() for c in codes])
def test_a_refused_account_fails_each_text_tells_the_office_once_and_sync_once_exits_non_zero(
        app, db, sms_emu, sink, provider, code):
    sms_emu.faults.add("refuse", code=code, times=None)
    rows = [new_report(app, db, phone=f"+861390000{i:04d}") for i in range(2)]
    result = app.test_cli_runner().invoke(args=["sync", "--once"])
    assert result.exit_code != 0 and code in result.output and "不再重试" in result.output
    assert [n["state"] for n in text_rows(db)] == ["failed", "failed"] and received(sms_emu) == []
    for row in rows:
        assert "已通知事务所" in reports.by_ref(db, row["ref"])["notes"]
    told = [r for r in sink.received if "短信发不出去" in json.dumps(r.body, ensure_ascii=False)]
    assert len(told) == 1 and markdown_safe(code) in json.dumps(told[0].body, ensure_ascii=False)
    new_report(app, db, phone="+8613900001111")  # still refused: failed again, the office not told twice
    assert app.test_cli_runner().invoke(args=["sync", "--once"]).exit_code != 0
    assert len([r for r in sink.received if "短信发不出去" in json.dumps(r.body, ensure_ascii=False)]) == 1


def test_a_wrong_key_is_refused_by_the_provider_itself_and_not_retried(app_config, sms_emu, provider):
    app = create_app({**app_config, "SMS_ACCESS_KEY_ID": "no-such-key"})
    db = connect(app.config["DATABASE"])
    new_report(app, db)
    result = app.test_cli_runner().invoke(args=["sync", "--once"])
    assert result.exit_code != 0
    assert {"aliyun": "InvalidAccessKeyId.NotFound", "tencent": "AuthFailure.SecretIdNotFound"}[provider] in result.output
    [row] = text_rows(db)
    assert row["state"] == "failed" and row["attempts"] == 0
    db.close()


def test_a_text_that_goes_through_again_lets_the_next_refusal_be_told(app, db, sms_emu, sink):
    sms_emu.faults.add("refuse", code="isv.SMS_SIGNATURE_ILLEGAL" if app.config["SMS_PROVIDER"] == "aliyun"
                       else "FailedOperation.SignatureIncorrectOrUnapproved", times=1)
    new_report(app, db, phone="+8613900002222")
    app.test_cli_runner().invoke(args=["sync", "--once"])
    new_report(app, db, phone="+8613900003333")
    assert app.test_cli_runner().invoke(args=["sync", "--once"]).exit_code == 0
    assert db.execute("SELECT value FROM state WHERE key = 'sms_refused'").fetchone() is None
