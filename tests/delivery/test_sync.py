"""The sync worker against the emulator, through the real gspread over real HTTP."""
import pytest

from forms_app.core import outbox
from forms_app.residents import reports
from forms_app.delivery.sheet_layout import REPORTS, SIGNUPS
from forms_app.delivery.sheets import Sheets
from tests.conftest import Forms, reference, sheet_values, text
from tests.residents.test_reports import DATA
from tests.workers import add_reports, worker_fixtures


conn, make_worker = worker_fixtures("sheet_app", Sheets.from_config)


def ids_in_sheet(emu):
    return [row[1] for row in sheet_values(emu, REPORTS.title)[1:]]


def test_one_append_per_worksheet_per_cycle(make_worker, conn, emu):
    add_reports(conn, 30)
    before = emu.state.stats.snapshot()["requests"].get("values.append", 0)
    assert make_worker().deliver() == 30
    assert emu.state.stats.snapshot()["requests"]["values.append"] - before == 1
    assert len(ids_in_sheet(emu)) == 30 and outbox.backlog(conn) == 0


def test_delivered_row_matches_what_the_resident_submitted(sheet_app, make_worker, conn, emu):
    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(forms.report(url="/forms/report?compound=yanji2&src=qr").headers["Location"]))
    make_worker().deliver()
    [row] = [dict(zip(REPORTS.headers, r)) for r in sheet_values(emu, REPORTS.title)[1:]]
    assert row["编号"] == ref and row["来源"] == "二维码" and row["联系电话"] == "138 1234 5678"
    assert row["状态"] == "已受理" and row["问题类别"] == "漏水/渗水"


HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "=1/0", "字" * 5000,
           "控制\x01字符\x7f", "表情 😀👍🏻", "从右到左\u202e覆盖", "第一行\n第二行\r\n第三行", "'=单引号开头", "\t=TAB"]


def test_hostile_text_arrives_as_plain_text_in_one_cell(make_worker, conn, emu):
    for i, value in enumerate(HOSTILE):
        reports.create(conn, f"{i:032x}", {**DATA, "description": value, "contact_name": value[:20]})
    make_worker().deliver()
    dump = emu.state.dump_values("STEWARDS-SHEET", REPORTS.title)
    column = REPORTS.letter("问题描述")
    stored = [dump["cells"][f"{column}{n}"] for n in range(2, 2 + len(HOSTILE))]
    assert stored == [{"stringValue": v} for v in HOSTILE]  # strings, never formulas or numbers
    assert all("formulaValue" not in c for c in dump["cells"].values())


@pytest.mark.parametrize("kind, options", [
    ("applied_then_drop", {}),
    ("applied_then_status", {"status": 503}),
    ("applied_then_status", {"status": 500}),
    ("delay", {"seconds": 3, "apply_first": True}),   # applied, but the answer comes after the client gave up
])
def test_applied_but_answer_lost_is_not_doubled(make_worker, conn, emu, kind, options):
    add_reports(conn, 5)
    worker = make_worker()
    worker.deliver()                      # first cycle: clean
    add_reports(conn, 5, start=5)
    emu.faults.add(kind, op="values.append", **options)
    assert worker.cycle() is False        # the worker saw a failure…
    assert len(ids_in_sheet(emu)) == 10   # …although Google applied it
    assert worker.cycle() is True
    assert sorted(ids_in_sheet(emu)) == [f"{i:032x}" for i in range(10)]
    assert outbox.backlog(conn) == 0


def test_quota_refusal_is_retried_and_not_treated_as_applied(make_worker, conn, emu):
    add_reports(conn, 3)
    worker = make_worker()
    worker.verify = False
    emu.faults.add("status", op="values.append", status=429, times=2)
    assert [worker.cycle() for _ in range(3)] == [False, False, True]
    assert worker.verify is False and len(ids_in_sheet(emu)) == 3
    assert len(worker.slept) == 2 and worker.slept[1] > worker.slept[0] / 2


def test_backoff_doubles_with_jitter_and_is_capped(make_worker):
    worker = make_worker(rng=lambda: 1.0)
    delays = []
    for failures in range(1, 9):
        worker.failures = failures
        delays.append(worker.backoff())
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60]
    worker.rng = lambda: 0.0
    assert worker.backoff() == 30


@pytest.mark.slow
def test_outage_of_every_kind_then_recovery_delivers_each_report_exactly_once(sheet_app, make_worker, conn, emu):
    """500 residents submit while the sheet fails in every way for a stretch of simulated minutes."""
    forms = Forms(sheet_app.test_client())
    sheet_app.config["SHEETS_TIMEOUT"] = 0.5  # calls give up after 0.5 s; the slow answers below take 0.75 s
    worker = make_worker(batch=60)
    faults = [("status", {"status": 429}), ("status", {"status": 500}), ("status", {"status": 503}),
              ("drop", {}), ("applied_then_drop", {}), ("applied_then_status", {"status": 503}),
              ("delay", {"seconds": 0.75, "apply_first": True}), ("delay", {"seconds": 0.75}), ("refuse", {"seconds": 0.5})]
    seen_ok = 0
    for i in range(500):
        response = forms.report(phone=f"138{i:08d}")
        seen_ok += response.status_code == 303
        if i % 50 == 25:
            kind, options = faults[(i // 50) % len(faults)]
            emu.faults.add(kind, op="write", times=2, **options)
            worker.cycle()
            worker.cycle()
    assert seen_ok == 500                                  # every resident saw success
    emu.faults.clear()
    emu.resume_connections()
    for _ in range(40):
        if worker.cycle() and outbox.backlog(conn) == 0:
            break
    ids = ids_in_sheet(emu)
    assert len(ids) == 500 and len(set(ids)) == 500
    assert set(ids) == {r[0] for r in conn.execute("SELECT submission_id FROM reports")}
    assert sum(worker.slept) >= 120                        # minutes of simulated back-off


def test_signups_are_appended_then_updated_in_place(sheet_app, make_worker, conn, emu):
    forms = Forms(sheet_app.test_client())
    conn.execute("UPDATE sessions SET capacity = 1")
    session = conn.execute("SELECT id FROM sessions ORDER BY date LIMIT 1").fetchone()[0]
    first = reference(forms.client.get(forms.signup(session, phone="13800000001").headers["Location"]))
    forms.signup(session, phone="13800000002")
    worker = make_worker()
    worker.deliver()
    states = {r[0]: r[SIGNUPS.col("报名状态") - 1] for r in sheet_values(emu, SIGNUPS.title)[1:]}
    assert sorted(states.values()) == ["候补", "已报名"]
    forms.submit("/forms/reception/cancel", {"ref": first, "last4": "0001"})
    worker.deliver()
    rows = sheet_values(emu, SIGNUPS.title)[1:]
    assert len(rows) == 2
    assert sorted(r[SIGNUPS.col("报名状态") - 1] for r in rows) == ["已取消", "已报名"]


def test_stewards_edits_reach_the_progress_page(sheet_app, make_worker, conn, emu):
    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    worker = make_worker()
    worker.deliver()
    sheets = Sheets.from_config(sheet_app.config)
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "处理中"),
                                  (f"{REPORTS.letter('公开进展')}2", "物业明天上门。")])
    sheets.close()
    worker.pull()
    body = text(forms.submit("/forms/status", {"ref": ref, "last4": "5678"}))
    assert '<p class="status" id="status">处理中</p>' in body and "物业明天上门。" in body


def test_sessions_come_from_the_sheet(sheet_app, make_worker, conn, emu):
    sheets = Sheets.from_config(sheet_app.config)
    from forms_app.delivery.sheet_layout import SESSIONS
    sheets.append(SESSIONS, [["2099-03-07-am", "2099-03-07", "9:00", "11:00", "控江东三村活动室", "居委会、法治专员", "8", "是", ""]])
    sheets.close()
    make_worker().pull()
    body = text(sheet_app.test_client().get("/forms/reception"))
    assert "控江东三村活动室" in body and "3月7日（周六）" in body


def test_sync_once_cli_drains_and_health_shows_it(sheet_app, conn, emu):
    add_reports(conn, 4)
    result = sheet_app.test_cli_runner().invoke(args=["sync", "--once"])
    assert result.exit_code == 0, result.output
    health = sheet_app.test_client().get("/healthz").get_json()
    assert health["outbox_backlog"] == 0 and health["last_delivery"] and health["sheets"] == "on"
    assert len(ids_in_sheet(emu)) == 4


def test_signup_update_keeps_what_stewards_typed_and_sends_our_outcome(sheet_app, make_worker, conn, emu):
    forms = Forms(sheet_app.test_client())
    session = conn.execute("SELECT id FROM sessions ORDER BY date LIMIT 1").fetchone()[0]
    ref = reference(forms.client.get(forms.signup(session, phone="13800000001").headers["Location"]))
    worker = make_worker()
    worker.deliver()
    sheets = Sheets.from_config(sheet_app.config)
    sheets.update_cells(SIGNUPS, [(f"{SIGNUPS.letter('签到')}2", "已到")])
    forms.submit("/forms/reception/cancel", {"ref": ref, "last4": "0001"})
    worker.deliver()
    row = dict(zip(SIGNUPS.headers, sheet_values(emu, SIGNUPS.title)[1]))
    assert row["报名状态"] == "已取消" and row["签到"] == "已到"   # the steward's mark survives our update
    conn.execute("UPDATE signups SET outcome = '物业同意下周修' WHERE ref = ?", (ref,))
    from forms_app.core import outbox as ob
    from forms_app.core.store import transaction
    with transaction(conn):
        ob.enqueue(conn, "signup", conn.execute("SELECT id FROM signups WHERE ref = ?", (ref,)).fetchone()[0])
    worker.deliver()
    row = dict(zip(SIGNUPS.headers, sheet_values(emu, SIGNUPS.title)[1]))
    assert row["接待结果"] == "物业同意下周修" and row["签到"] == "已到"
    sheets.close()


def insert_column_a(sheets, layout, header="备注"):
    """A steward inserts their own column at the far left of a worksheet."""
    sheet_id = sheets.worksheet(layout.title).id
    sheets.batch_update([{"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                        "startIndex": 0, "endIndex": 1}}}])
    sheets.update_cells(layout, [("A1", header)])


def test_a_column_the_stewards_insert_moves_nothing_and_doubles_nothing(sheet_app, make_worker, conn, emu):
    forms = Forms(sheet_app.test_client())
    session = conn.execute("SELECT id FROM sessions ORDER BY date LIMIT 1").fetchone()[0]
    forms.report()
    ref = reference(forms.client.get(forms.signup(session, phone="13800000001").headers["Location"]))
    worker = make_worker()
    worker.deliver()
    sheets = Sheets.from_config(sheet_app.config)
    insert_column_a(sheets, REPORTS)
    insert_column_a(sheets, SIGNUPS)
    worker.pull()                                   # the worker re-reads the headers
    forms.report(description="第二个问题，楼道灯不亮。")
    forms.submit("/forms/reception/cancel", {"ref": ref, "last4": "0001"})
    report_id = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()[0]
    from forms_app.residents import reports as r
    r.update(conn, report_id, {"public_note": "物业明天来修。"})
    worker.verify = True                            # as after a lost answer: must find rows by header
    worker.deliver()
    header = sheet_values(emu, REPORTS.title)[0]
    rows = [dict(zip(header, row)) for row in sheet_values(emu, REPORTS.title)[1:]]
    assert [row["备注"] for row in rows] == ["", ""] and len({row["提交编号"] for row in rows}) == 2
    assert rows[0]["公开进展"] == "物业明天来修。" and rows[1]["问题描述"] == "第二个问题，楼道灯不亮。"
    signup_header = sheet_values(emu, SIGNUPS.title)[0]
    signups = [dict(zip(signup_header, row)) for row in sheet_values(emu, SIGNUPS.title)[1:]]
    assert len(signups) == 1 and signups[0]["报名状态"] == "已取消" and signups[0]["备注"] == ""
    sheets.close()


def test_a_missing_header_stops_delivery_loudly_and_loses_nothing(sheet_app, make_worker, conn, emu, caplog):
    sheets = Sheets.from_config(sheet_app.config)
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('提交编号')}1", "随便写的")])
    sheets.close()
    add_reports(conn, 2)
    worker = make_worker()
    assert worker.cycle() is False
    assert worker.slept == [worker.backoff_cap]                   # no point retrying soon
    assert "缺少表头：提交编号" in caplog.text and outbox.backlog(conn) == 2


def test_sessions_deleted_or_closed_in_the_sheet_stop_taking_sign_ups(sheet_app, make_worker, conn, emu):
    from forms_app.delivery.sheet_layout import SESSIONS
    from forms_app.delivery.sheet_setup import setup
    from forms_app.residents import reception

    sheets = Sheets.from_config(sheet_app.config)
    setup(sheets, reception.open_sessions(conn))                  # copies the three sample sessions
    first, second, _ = [r for r in sheet_values(emu, SESSIONS.title)[1:]]
    sheets.update_cells(SESSIONS, [("B2", first[1].replace("-0", "/").replace("-", "/")), ("H2", "否"),
                                   ("A3", ""), ("B3", ""), ("C3", ""), ("D3", ""), ("G3", "")])
    sheets.close()
    make_worker().pull()
    assert [s.id for s in reception.open_sessions(conn)] == [_[0]]


class FlakyOnce:
    """The real table service, except that one call raises an error nobody foresaw (a bug, a library change)."""

    def __init__(self, sheets, method: str, error: Exception):
        self.sheets, self.method, self.error = sheets, method, error

    def __getattr__(self, name):
        real = getattr(self.sheets, name)
        if name != self.method or self.error is None:
            return real

        def broken(*args, **kwargs):
            error, self.error = self.error, None
            raise error
        return broken


@pytest.mark.parametrize("method, error", [("add", ZeroDivisionError("王阿姨 13812345678")),
                                           ("records", OverflowError("Python int too large")),
                                           ("records", KeyError("联系电话"))])
def test_worker_survives_a_cycle_that_raises_and_goes_on_delivering(make_worker, conn, emu, caplog, method, error):
    add_reports(conn, 3)
    worker = make_worker(pull_interval=0)
    worker.sheets = FlakyOnce(worker.sheets, method, error)
    assert worker.run(once=True) is True  # not fatal: backed off, then delivered
    assert len(ids_in_sheet(emu)) == 3 and outbox.backlog(conn) == 0
    assert worker.slept and worker.slept[0] >= 1.0  # the failed cycle was followed by a back-off pause
    logged = [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    assert len(logged) == 1 and type(error).__name__ in logged[0].getMessage()
    assert "13812345678" not in caplog.text and "王阿姨" not in caplog.text  # the type, not the message


def test_an_absurd_capacity_is_an_unreadable_row_that_keeps_the_session_and_the_other_edits(sheet_app, make_worker, conn, emu):
    from forms_app.delivery.sheet_layout import SESSIONS
    from forms_app.delivery.sheet_setup import setup
    from forms_app.residents import reception

    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    worker = make_worker()
    worker.deliver()
    sheets = Sheets.from_config(sheet_app.config)
    setup(sheets, reception.open_sessions(conn))
    first = sheet_values(emu, SESSIONS.title)[1]
    before = reception.get_session(conn, first[0])
    sheets.update_cells(SESSIONS, [(f"{SESSIONS.letter('名额')}2", "99999999999999999999"),
                                   (f"{SESSIONS.letter('地点')}2", "改了地点但名额打错了")])
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "处理中"), (f"{REPORTS.letter('回访满意度')}2", "99999999999999999999")])
    sheets.close()
    assert worker.cycle() is True  # no OverflowError out of the loop
    after = reception.get_session(conn, first[0])
    assert after == before and after.is_open  # last good values kept, not closed
    assert reports.by_ref(conn, ref)["status"] == "处理中"  # the steward's other edit in that pull was applied


@pytest.mark.parametrize("capacity, readable", [("12", True), ("12人", True), ("10000", True), ("10001", False),
                                                ("99999999999999999999", False), ("-3", False), ("", False)])
def test_capacity_bounds(capacity, readable):
    from forms_app.delivery.sheet_layout import parse_session

    row = {"场次编号": "x", "日期": "2099-01-03", "开始": "9:00", "结束": "11:00", "名额": capacity}
    assert (parse_session(row) is not None) is readable


def test_a_blank_row_inserted_above_the_header_never_gets_our_rows(sheet_app, make_worker, conn, emu, caplog):
    """Google would write an append at A1 into that blank row 1: the worker sees row 1 lacks our headers and waits."""
    add_reports(conn, 1)
    worker = make_worker()
    worker.deliver()
    book = Sheets.from_config(sheet_app.config)
    book.worksheet(REPORTS.title).insert_row([], 1)
    book.close()
    add_reports(conn, 2, start=1)
    worker.tables.headers.clear()                   # (row 1 is re-read every 15 s anyway)
    assert worker.cycle() is False and "缺少表头" in caplog.text
    assert sheet_values(emu, REPORTS.title)[0][0] == "编号" and outbox.backlog(conn) == 2  # nothing above the header
