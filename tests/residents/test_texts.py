"""Texts to residents (residents/texts.py), end to end with BOTH official SDKs against the SMS emulator: each
text once, with its template and variables; faults retried without duplicates; quiet hours, the daily
limit, opt-out and landlines honoured; nothing personal beyond the phone number leaves."""
import datetime as dt
import json
import time

import pytest
import requests

from forms_app import create_app
from forms_app.casework import edits
from forms_app.core import clock, outbox
from forms_app.delivery.sms import SmsDelivery
from forms_app.publishing import digest
from forms_app.residents import promises, reception, reports
from forms_app.residents import texts
from tests.conftest import reference, text
from tests.sms_emulator.fixtures import TEMPLATES, sms_emu, sms_emulator, sms_settings  # noqa: F401
from tests.residents.test_reports import DATA
from tests.conftest import add_accounts, sign_in

PRIVATE = ("王阿姨", "东边那间", "卫生间天花板", "李先生", "加装电梯", "漏水了")


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request):
    return request.param


@pytest.fixture
def app_config(app_config, sms_emu, provider):
    """The shared test config with texts going through `provider` on the emulator."""
    return {**app_config, **sms_settings(provider, sms_emu),
            "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00"}  # no quiet hours (but in their own test)


class Clock:
    """A Shanghai clock (now, or set to a chosen moment) that runs on: back-off needs time to pass."""

    def __init__(self, day: dt.date | None = None, hour: int = 12, minute: int = 0):
        if day is None:
            self.base, self.t0 = dt.datetime.now(clock.SHANGHAI), time.monotonic()
        else:
            self.set(day, hour, minute)

    def set(self, day: dt.date, hour: int, minute: int = 0) -> None:
        self.base, self.t0 = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI), time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.base + dt.timedelta(seconds=time.monotonic() - self.t0)


def delivery(app, db, now, **kwargs) -> SmsDelivery:
    """The worker's SMS part with short timeouts and back-off, trusting a look-up at once."""
    d = SmsDelivery.from_config(db, app.config, timeout=1.0, now=now, backoff_base=0.02, backoff_cap=0.1, **kwargs)
    d.channel.settle = 0.0
    return d


def drain(d: SmsDelivery, rounds: int = 60) -> None:
    """Run passes until nothing is due (or in back-off)."""
    for _ in range(rounds):
        d.deliver()
        if d.backlog() == 0:
            return
        time.sleep(0.03)
    raise AssertionError("texts still waiting")


def received(emu) -> list[dict]:
    """GET /_messages, as a test in another process would."""
    return requests.get(emu.url + "/_messages", timeout=5).json()


def named(message: dict, provider: str, kind: str) -> dict:
    """A message's variables by name (Tencent's are positional, in the template's order)."""
    params = message["params"]
    return params if provider == "aliyun" else dict(zip(texts.KINDS[kind].variables, params))


def kind_of(message: dict, provider: str) -> str:
    return {code: kind for kind, code in TEMPLATES[provider].items()}[message["template"]]


def text_rows(db, **where) -> list[dict]:
    clause = " AND ".join(f"{k} = ?" for k in where) or "1"
    return [dict(r) for r in db.execute(f"SELECT * FROM texts WHERE {clause} ORDER BY id", list(where.values()))]


def new_report(app, db, phone="+8613812345678", urgent=False, consent=1, **changes) -> dict:
    with app.app_context():
        row, _ = reports.create(db, f"{time.monotonic_ns():032x}"[-32:],
                                {**DATA, "category_id": "garbage", "phone": phone, "sms_consent": consent, **changes},
                                alert=urgent)
    return row


# --- every text, once, right template and variables --------------------------------------------

def test_each_text_is_sent_once_with_its_template_and_variables(app, db, forms, sms_emu, provider):
    now = Clock()
    # 受理: through the real form, "短信通知我" ticked (a browser sends the box's value when ticked).
    ref = reference(forms.client.get(forms.report(sms_consent="y", room="东边那间").headers["Location"]))
    report = reports.by_ref(db, ref)
    d = delivery(app, db, now)
    with app.app_context():  # 状态变化 twice (a steward's edits), the 回访 invitation after 已解决
        edits.edit(db, report["id"], {"status": "已形成方案", "public_note": "物业周三上门查漏点，请在家等候，谢谢配合。"})
        drain(d)  # each status text goes while the case is in that status (a stale one is dropped)
        edits.edit(db, report["id"], {"status": "处理中"})
        edits.edit(db, report["id"], {"status": "已解决", "public_note": "楼上水管已换"})
    # 候补转正: the first sample session seats three; the fourth waits, then one cancels.
    session = reception.open_sessions(db)[0]
    refs = [reference(forms.client.get(forms.signup(session.id, phone=f"139 0000 000{i}", sms_consent="y")
                                       .headers["Location"])) for i in range(4)]
    with app.app_context():
        promoted = reception.cancel(db, refs[0])
    assert promoted["ref"] == refs[3]
    # 接待提醒: cron runs `flask remind` the day before (twice here: still one each).
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["remind", "--date", session.date.isoformat()])
        assert result.exit_code == 0, result.output
    drain(d)
    now.set(now.base.date() + dt.timedelta(days=1), 10, 1)  # the 回访 invitation goes the next morning
    drain(d)

    sent = received(sms_emu)
    kinds = [kind_of(m, provider) for m in sent]
    assert sorted(kinds) == sorted(["accepted", "status", "status", "followup", "promoted"] + ["reminder"] * 3), [(n["kind"], n["state"], n["note"]) for n in text_rows(db)]
    assert sorted(kinds) == sorted(["accepted", "status", "status", "followup", "promoted"] + ["reminder"] * 3)
    assert all(set(m) == {"provider", "phone", "sign", "template", "params"} for m in sent)
    assert {m["provider"] for m in sent} == {provider} and {m["sign"] for m in sent} == {"延吉新村街道"}
    by_kind = {}
    for m in sent:
        by_kind.setdefault(kind_of(m, provider), []).append(named(m, provider, kind_of(m, provider)))
    steward = app.extensions["directory"].compounds["yanji2"].steward
    accepted = by_kind["accepted"][0]
    assert accepted["ref"] == ref and accepted["steward"] == steward.name and accepted["phone"] == steward.phone
    # The day the confirmation promised: the stored due day, or the next opening when it came in out of hours.
    directory = app.extensions["directory"]
    promised = promises.call_day(directory, directory.compounds[report["compound_id"]], clock.parse(report["created_at"]),
                                 dt.date.fromisoformat(report["first_contact_due"]))
    assert accepted["day"] == clock.chinese_date(promised)
    assert [(s["status"], s["note"]) for s in by_kind["status"]] == [
        ("已形成方案", "物业周三上门查漏点，请在家等候。"), ("已解决", "楼上水管已换")]
    assert by_kind["followup"] == [{"ref": ref}]
    where = {"date": clock.chinese_date(session.date), "time": f"{session.start_time}-{session.end_time}",
             "place": session.place}
    assert by_kind["promoted"] == [where] and by_kind["reminder"] == [where] * 3
    phones = sorted(m["phone"] for m in sent if kind_of(m, provider) == "reminder")
    assert phones == ["+8613900000001", "+8613900000002", "+8613900000003"]  # not the one who cancelled
    # Nothing personal beyond the phone number left: no name, room, description or topic.
    blob = json.dumps([m["params"] for m in sent], ensure_ascii=False)
    assert not [p for p in PRIVATE if p in blob]
    assert all(n["state"] == "sent" and n["provider_ref"] for n in text_rows(db))
    assert outbox.backlog(db, outbox.SMS_KINDS) == 0


def test_the_accepted_text_of_a_case_from_before_the_due_column_keeps_its_categorys_deadline(clock_at, tmp_path,
                                                                                            app_config):
    from forms_app.core.store import connect, transaction
    from tests.conftest import directory_file, slow_garbage

    app = create_app({**app_config, "DIRECTORY_FILE": directory_file(tmp_path, slow_garbage)})
    clock_at("2026-12-08T10:00:00+08:00")  # Tuesday; 垃圾 has 3 working days to first contact (the street: 1)
    db = connect(app.config["DATABASE"])
    report = new_report(app, db)
    db.execute("UPDATE reports SET first_contact_due = '' WHERE id = ?", (report["id"],))  # as before the column
    with app.app_context(), transaction(db):
        texts.for_new_report(db, reports.by_ref(db, report["ref"]), urgent=False)
    days = [dict(json.loads(n["params"]))["day"] for n in text_rows(db, kind="accepted")]
    db.close()
    assert days == ["12月11日（周五）"] * 2  # the text queued as it came in, and the one for the older row


def test_the_followup_invitation_is_dropped_once_the_resident_has_answered(app, db, sms_emu):
    report = new_report(app, db)
    with app.app_context():
        edits.edit(db, report["id"], {"status": "已解决"})
    now = Clock()
    drain(delivery(app, db, now))
    db.execute("UPDATE reports SET followup_due = 0 WHERE id = ?", (report["id"],))  # answered the same evening
    now.set(dt.datetime.now(clock.SHANGHAI).date() + dt.timedelta(days=1), 10, 5)
    drain(delivery(app, db, now))
    assert [n["state"] for n in text_rows(db, kind="followup")] == ["skipped"]
    assert {m["template"] for m in received(sms_emu)} == {TEMPLATES[app.config["SMS_PROVIDER"]][k] for k in ("accepted", "status")}


# --- faults: retried, never doubled -------------------------------------------------------------

@pytest.mark.parametrize("faults", [
    [{"kind": "throttle", "times": 3}],                                  # provider throttling
    [{"kind": "status", "status": 503, "times": 2}],                     # 5xx, not applied
    [{"kind": "applied_then_drop"}],                                     # sent, answer lost
    [{"kind": "applied_then_status", "status": 502}],                    # sent, then a 502
    [{"kind": "delay", "seconds": 1.6, "apply_first": True}],            # sent, answer after our timeout
    [{"kind": "drop"}],                                                  # connection cut before sending
    [{"kind": "applied_then_drop"}, {"kind": "status", "op": "query", "times": 2}],  # and the look-up fails twice
], ids=["throttle", "503", "lost-answer", "applied-502", "timeout", "dropped", "lookup-fails"])
def test_faults_are_retried_and_nothing_is_sent_twice(app, db, sms_emu, faults):
    for fault in faults:
        sms_emu.faults.add(**fault)
    new_report(app, db)
    drain(delivery(app, db, Clock()))
    assert len(received(sms_emu)) == 1
    [row] = text_rows(db)
    assert row["state"] == "sent" and row["attempts"] >= 1
    assert all(f["fired"] >= 1 for f in sms_emu.faults.list())


def test_the_outbox_item_id_travels_as_the_providers_idempotency_field(app, db, sms_emu):
    new_report(app, db)
    drain(delivery(app, db, Clock()))
    item = db.execute("SELECT id FROM outbox WHERE kind = 'sms'").fetchone()["id"]
    assert [t["tag"] for t in requests.get(sms_emu.url + "/_emulator/messages", timeout=5).json()] == [str(item)]


def test_a_permanent_refusal_is_given_up_with_a_note_on_the_case_and_counted_in_the_digest(app, db, sms_emu, provider):
    sms_emu.state.configure(unapproved_templates=[TEMPLATES[provider]["accepted"]])
    report = new_report(app, db)
    drain(delivery(app, db, Clock()))
    [row] = text_rows(db)
    assert row["state"] == "failed" and "模板" in row["note"] and received(sms_emu) == []
    assert "短信「受理」未发出" in reports.by_ref(db, report["ref"])["notes"]
    assert outbox.backlog(db, outbox.SMS_KINDS) == 0
    built = digest.build(db, app.extensions["directory"], clock.now() + dt.timedelta(minutes=1),
                         clock.now() - dt.timedelta(days=1))
    failed = [line for d in built for line in d.sms_failed]
    assert len(failed) == 1 and report["ref"] in failed[0]
    assert "八、发给居民的短信没能发出（1 条" in digest.as_text(digest.message(
        next(d for d in built if d.sms_failed), clock.now()))


# --- consent and limits -------------------------------------------------------------------------

def test_quiet_hours_hold_texts_until_eight_except_an_urgent_case_with_a_checked_phone(app, db, sms_emu, provider):
    calm = new_report(app, db, phone="+8613811110001")
    urgent = new_report(app, db, phone="+8613811110002", urgent=True, category_id="leak")
    edits.verify_phone(db, urgent["id"], actor="s1")  # 电话已核实: a steward reached the resident
    today = dt.datetime.now(clock.SHANGHAI).date() - dt.timedelta(days=1)  # "last night", so it is not too late by 8:00
    now = Clock(today, 22, 30)
    d = delivery(app, db, now)
    d.quiet = (dt.time(21), dt.time(8))  # the defaults (SMS_QUIET_START, SMS_QUIET_END)
    d.deliver()
    assert [m["phone"] for m in received(sms_emu)] == ["+8613811110002"]
    assert [n["note"] for n in text_rows(db, report_id=calm["id"])] == ["夜间不发短信，早上再发"]
    assert d.backlog() == 0  # `sync --once` does not wait for the morning
    now.set(today + dt.timedelta(days=1), 7, 59)
    d.deliver()
    assert len(received(sms_emu)) == 1
    now.set(today + dt.timedelta(days=1), 8, 0)
    drain(d)
    assert sorted(m["phone"] for m in received(sms_emu)) == ["+8613811110001", "+8613811110002"]
    assert text_rows(db, report_id=urgent["id"])[0]["urgent"] == 1


def test_at_most_the_daily_limit_per_phone(app_config, sms_emu, provider, tmp_path):
    from forms_app.core.store import connect
    app = create_app({**app_config, "SMS_DAILY_LIMIT": 2})
    db = connect(app.config["DATABASE"])
    report = new_report(app, db)
    now = Clock()
    with app.app_context():
        edits.edit(db, report["id"], {"status": "已形成方案"})
        drain(delivery(app, db, now))
        edits.edit(db, report["id"], {"status": "已解决"})
    drain(delivery(app, db, now))
    assert [n["state"] for n in text_rows(db) if n["kind"] != "followup"] == ["sent", "sent", "skipped"]
    assert "达到每天上限" in text_rows(db, kind="status")[1]["note"]
    assert "短信「状态变化」这个号码今天已发 2 条" in reports.by_ref(db, report["ref"])["notes"]
    assert len(received(sms_emu)) == 2
    now.set(now.base.date() + dt.timedelta(days=1), 10, 1)  # a new day: the 回访 invitation goes
    drain(delivery(app, db, now))
    assert len(received(sms_emu)) == 3
    db.close()


@pytest.mark.parametrize("phone, consent, note, on_case", [
    ("+8613812345678", 0, "居民没有选“短信通知我”", False),
    ("+862165430001", 1, "留的不是大陆手机号码，短信发不到", True),
])
def test_opt_out_and_numbers_no_text_can_reach_are_skipped(app, db, sms_emu, phone, consent, note, on_case):
    report = new_report(app, db, phone=phone, consent=consent)
    drain(delivery(app, db, Clock()))
    assert [(n["state"], n["note"]) for n in text_rows(db)] == [("skipped", note)]
    assert received(sms_emu) == [] and outbox.backlog(db, outbox.SMS_KINDS) == 0
    assert (note in reports.by_ref(db, report["ref"])["notes"]) is on_case


def test_no_phone_number_or_name_in_the_public_note_reaches_a_text(app, db, sms_emu, provider):
    report = new_report(app, db, contact_name="王阿姨")
    with app.app_context():
        edits.edit(db, report["id"], {"status": "已形成方案", "public_note": "王阿姨请回电138 1234 5678"})
    drain(delivery(app, db, Clock()))
    [status] = [named(m, provider, "status") for m in received(sms_emu) if kind_of(m, provider) == "status"]
    assert status["note"] == "＊＊＊请回电＊＊＊"


def test_no_phone_no_text(app, db, sms_emu):
    report = new_report(app, db, phone="")
    assert text_rows(db) == [] and reports.by_ref(db, report["ref"])["notes"] == ""


def test_the_forms_ask_sms_consent_ticked_by_default(client, forms, db):
    for url in ("/forms/report", "/forms/reception"):
        page = text(client.get(url))
        assert "短信通知我" in page and 'id="sms_consent"' in page
        assert "checked" in page.split('id="sms_consent"')[0].rsplit("<input", 1)[1] + page.split('id="sms_consent"')[1].split(">")[0]
    forms.report()  # a browser sends nothing for an unticked box
    assert db.execute("SELECT sms_consent FROM reports").fetchone()[0] == 0
    session = reception.open_sessions(db)[0]
    forms.signup(session.id, sms_consent="y")
    assert db.execute("SELECT sms_consent FROM signups").fetchone()[0] == 1


def test_the_case_page_shows_each_text_and_why(app, db, forms, sms_emu, provider):
    ok = new_report(app, db)
    landline = new_report(app, db, phone="+862165430001")
    sms_emu.state.configure(unapproved_templates=[TEMPLATES[provider]["status"]])
    with app.app_context():
        edits.edit(db, ok["id"], {"status": "已形成方案"})
    drain(delivery(app, db, Clock()))
    add_accounts(app.config["DATABASE"])
    assert sign_in(forms.client, "s1").status_code == 303
    page = text(forms.client.get(f"/forms/steward/reports/{ok['ref']}"))
    table = page.split('id="texts"')[1].split("</table>")[0]
    assert "受理" in table and "已发送" in table and "状态变化" in table and "未发出" in table and "模板" in table
    other = text(forms.client.get(f"/forms/steward/reports/{landline['ref']}")).split('id="texts"')[1]
    assert "不发送" in other and "不是大陆手机号码" in other


def test_retention_removes_the_phone_numbers_texts_went_to(app, db, sms_emu):
    from forms_app.publishing import retention

    report = new_report(app, db)
    with app.app_context():
        edits.edit(db, report["id"], {"status": "已解决", "resolved_at": "2020-01-02"})
    drain(delivery(app, db, Clock()))
    assert {n["phone"] for n in text_rows(db)} == {"+8613812345678"}
    assert retention.run(db, 730) == (1, 0)
    assert {n["phone"] for n in text_rows(db)} == {""}


def test_healthz_counts_texts_not_yet_sent(app, db, client):
    new_report(app, db)
    assert client.get("/healthz").get_json()["sms_backlog"] == 1


def test_sms_off_queues_nothing(app_config, tmp_path):
    from forms_app.core.store import connect
    app = create_app({**app_config, "SMS_PROVIDER": ""})
    db = connect(app.config["DATABASE"])
    new_report(app, db)
    assert text_rows(db) == [] and outbox.backlog(db, outbox.SMS_KINDS) == 0
    db.close()


@pytest.mark.parametrize("changes, message", [
    ({"SMS_PROVIDER": "twilio"}, "SMS_PROVIDER 应为 aliyun"),
    ({"SMS_PROVIDER": "tencent", "SMS_SDK_APP_ID": ""}, "SMS_SDK_APP_ID"),
    ({"SMS_ACCESS_KEY_SECRET": ""}, "SMS_ACCESS_KEY_SECRET"),
    ({"SMS_QUIET_START": "9pm"}, "SMS_QUIET_START、SMS_QUIET_END 应写成 21:00"),
])
def test_bad_settings_stop_the_start(app_config, changes, message):
    with pytest.raises(ValueError, match=message):
        create_app({**app_config, **changes})


# --- the worker: texts never hold back the sheet or the alerts -----------------------------------

def test_a_hanging_provider_never_holds_back_the_sheet(sheet_app, emu, sms_emu):
    import threading

    from forms_app.core.store import connect
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker
    from tests.conftest import sheet_values

    db = connect(sheet_app.config["DATABASE"])
    hang = 3.0
    sms_emu.faults.add("delay", seconds=hang, times=None)  # every text hangs for 3 s
    row = new_report(sheet_app, db)
    texts_part = SmsDelivery.from_config(db, sheet_app.config, timeout=5.0)
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(db, sheets, sheet_app.extensions["directory"], sms=texts_part, interval=0.05, pull_interval=3600)
    runner = threading.Thread(target=worker.run, daemon=True)
    started = time.monotonic()
    runner.start()
    while len(sheet_values(emu, "问题登记")) < 2 and time.monotonic() - started < 10:
        time.sleep(0.02)
    took = time.monotonic() - started
    worker.stop.set()
    runner.join(5)
    for thread in threading.enumerate():  # the texts thread finishes its hanging call before the next test
        if thread.name == "sms":
            thread.join(10)
    sheets.close()
    assert sheet_values(emu, "问题登记")[1][1] == row["submission_id"]
    # In the sheet while the text still hangs: the row did not wait for it (however busy the machine).
    assert took < hang, f"the sheet row waited {took:.1f} s for a hanging text"
    assert sms_emu.state.requests.get("aliyun.SendSms", 0) + sms_emu.state.requests.get("tencent.SendSms", 0) == 1
    db.close()


def test_a_status_set_in_the_stewards_sheet_texts_the_resident_once(sheet_app, emu, sms_emu, provider):
    from forms_app.core.store import connect
    from forms_app.delivery.sheet_layout import REPORTS
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker

    db = connect(sheet_app.config["DATABASE"])
    report = new_report(sheet_app, db)
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(db, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    with sheet_app.app_context():  # `flask sync` runs in the app
        worker.deliver()
        sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已形成方案"),
                                      (f"{REPORTS.letter('公开进展')}2", "下周二物业上门修。")])
        worker.pull()
        worker.pull()  # read again: no second text
    sheets.close()
    drain(delivery(sheet_app, db, Clock()))
    status = [named(m, provider, "status") for m in received(sms_emu) if kind_of(m, provider) == "status"]
    assert status == [{"ref": report["ref"], "status": "已形成方案", "note": "下周二物业上门修。"}]
    db.close()


def test_more_seats_in_the_sessions_editor_text_those_moved_up(app, db, forms, sms_emu, provider):
    from forms_app.casework import sessions

    session = reception.open_sessions(db)[0]  # the first sample session seats three
    for i in range(5):
        forms.signup(session.id, phone=f"139 0000 000{i}", sms_consent="y" if i != 4 else "")
    values = {"date": session.date.isoformat(), "start_time": session.start_time, "end_time": session.end_time,
              "place": session.place, "parties": "居委会", "capacity": 5, "is_open": True, "note": ""}
    with app.app_context():
        assert sessions.save(db, values, session.id)[1] == 2
    drain(delivery(app, db, Clock()))
    promoted = [m for m in received(sms_emu) if kind_of(m, provider) == "promoted"]
    assert [m["phone"] for m in promoted] == ["+8613900000003"]  # the fifth said no to texts
    assert [n["state"] for n in text_rows(db, kind="promoted")] == ["sent", "skipped"]


@pytest.mark.parametrize("note, sent", [
    ("楼上水管已换", "楼上水管已换"),
    ("物业已修好。如果还漏，请再打大管家的电话告诉我们。", "物业已修好。"),
    ("物业周三上门查漏点，请在家等候，谢谢配合。", "物业周三上门查漏点，请在家等候。"),
    ("这件事需要等业主大会表决通过以后才能动工维修", "详情请查进度"),
])
def test_a_text_never_cuts_a_note_mid_sentence(note, sent):
    assert texts.whole_sentences(note) == sent and len(sent) <= texts.VARIABLE_MAX
