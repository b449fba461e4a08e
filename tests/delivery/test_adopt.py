"""Hand-typed 问题登记 rows become cases: numbered in place, imported exactly once, thin rows asked about."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from forms_app.core import directory as directory_module
from forms_app.core import deadlines, history, outbox
from forms_app.core.store import connect
from forms_app.delivery import adopt
from forms_app.delivery.sheet_layout import REPORTS
from forms_app.delivery.sheets import Sheets
from forms_app.delivery.sync import Worker
from forms_app.residents import reports
from tests.conftest import Forms, sheet_values, text
from tests.server import ROOT, SYNC_LAUNCHER, gone
from tests.samples import STEWARD

DIRECTORY = directory_module.load()
CALL = {"来源": "电话", "小区": "延吉二村", "楼号": "55号", "问题类别": "漏水/渗水",
        "问题描述": "王阿姨来电：卫生间天花板滴水。", "联系人": "王阿姨", "联系电话": "138 1234 5678"}


@pytest.mark.parametrize("typed, channel", [
    ("", "电话"), ("电话", "电话"), ("来电", "电话"), ("上门来访", "来访"), ("来访", "来访"),
    ("联合接待", "联合接待"), ("会商", "会商"), ("居委会", "居委会转来"), ("12345", "12345转办"),
    ("市民热线", "12345转办"), ("网页", "网页"), ("微信群", "其他"), ("１２３４５", "12345转办"),
])
def test_source_as_typed_maps_to_a_channel(typed, channel):
    assert adopt.channel_of(typed) == channel


@pytest.mark.parametrize("cells, compound, area, category, flags", [
    ({"小区": "延吉二村"}, "yanji2", "yanji23", "other", 0),            # by name; no category: 其他
    ({"小区": "yanji2", "问题类别": "leak"}, "yanji2", "yanji23", "leak", 0),  # by id
    ({"小区": " 延吉 二村 ", "问题类别": "停车"}, "yanji2", "yanji23", "parking", 0),
    ({"小区": "幸福小区", "居民区": "延吉二三村"}, "幸福小区", "yanji23", "other", 1),  # unknown: kept, flagged
    ({"小区": "延吉二村", "问题类别": "测试用不存在类别"}, "yanji2", "yanji23", "测试用不存在类别", 1),
    ({"小区": "延吉二村", "联系电话": "12"}, "yanji2", "yanji23", "other", 1),  # unreadable phone: flagged, not kept
])
def test_cells_as_typed_become_case_fields(cells, compound, area, category, flags):
    data, notes = adopt.case_data({"问题描述": "楼道灯坏了", **cells}, DIRECTORY)
    assert (data["compound_id"], data["area_id"], data["category_id"]) == (compound, area, category)
    assert len(notes) == flags and data["channel"] == "电话" and (data["phone"] == "" or data["phone"].startswith("+86"))


def test_phone_is_optional_and_normalised():
    assert adopt.case_data({**CALL, "联系电话": ""}, DIRECTORY)[0]["phone"] == ""
    assert adopt.case_data(CALL, DIRECTORY)[0]["phone"] == "+8613812345678"


# --- against the emulator -------------------------------------------------------------------

@pytest.fixture
def sheets(sheet_app):
    s = Sheets.from_config(sheet_app.config)
    yield s
    s.close()


@pytest.fixture
def conn(sheet_app):
    c = connect(sheet_app.config["DATABASE"])
    yield c
    c.close()


@pytest.fixture
def worker(sheet_app, conn, sheets):
    w = Worker(conn, sheets, sheet_app.extensions["directory"])
    w.sleep = lambda s: None
    return w


def type_row(sheets, **cells):
    """A steward types a row at the bottom of 问题登记 (cells by header; no 编号, no 提交编号)."""
    header = sheets.row(REPORTS, 1)
    sheets.append(REPORTS, [[str(cells.get(name, "")) for name in header]])


def rows(emu) -> list[dict]:
    values = sheet_values(emu, REPORTS.title)
    return [dict(zip(values[0], r + [""] * (len(values[0]) - len(r)))) for r in values[1:]]


def count(conn) -> int:
    return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


def test_a_typed_phone_call_becomes_one_case_the_resident_can_look_up(sheet_app, worker, sheets, conn, emu):
    type_row(sheets, **CALL, 处理记录="已通知物业")
    worker.pull()
    assert count(conn) == 0 and rows(emu)[0]["提交编号"] == ""          # still being typed, perhaps: wait one read
    worker.pull()
    [row] = rows(emu)
    case = reports.by_submission(conn, row["提交编号"])
    assert case["ref"] == row["编号"] and case["channel"] == "电话" and case["compound_id"] == "yanji2"
    assert case["category_id"] == "leak" and case["phone"] == "+8613812345678" and case["resolve_due"]
    assert case["notes"] == "已通知物业"                                 # the steward columns read in the same pass
    assert [(h["actor"], h["field"]) for h in history.for_report(conn, case["id"])][:1] == [(history.SHEET, "created")]
    assert outbox.backlog(conn, ("alert",)) == 1                          # 漏水 is an urgent category
    worker.deliver()
    assert len(rows(emu)) == 1                                            # never appended a second time
    for _ in range(3):
        worker.pull()
    assert count(conn) == 1 and rows(emu)[0]["编号"] == case["ref"]
    body = text(Forms(sheet_app.test_client()).submit("/forms/status", {"ref": case["ref"], "last4": "5678"}))
    assert 'id="status"' in body and "已受理" in body


def test_the_id_cells_and_the_service_columns_are_written(worker, sheets, emu):
    type_row(sheets, **CALL)
    before = rows(emu)[0]
    worker.pull(), worker.pull()
    after = rows(emu)[0]
    assert {k for k in after if after[k] != before[k]} == {"编号", "提交编号", "提交时间", "负责大管家", "是否紧急"}
    assert (after["负责大管家"], after["是否紧急"]) == (STEWARD['s5'], "紧急")   # 漏水: an urgent category


def test_a_row_that_moved_is_numbered_where_it_is_now(worker, sheets, emu, conn):
    type_row(sheets, **CALL)
    type_row(sheets, **{**CALL, "问题描述": "楼道灯不亮", "联系电话": ""})
    worker.pull()
    sheet_id = sheets.worksheet(REPORTS.title).id
    sheets.batch_update([{"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                                        "startIndex": 1, "endIndex": 2}}}])   # a blank row on top
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('问题描述')}2", "正在输入……")])
    worker.pull()
    found = {r["问题描述"]: r for r in rows(emu)}
    assert found["正在输入……"]["提交编号"] == ""                          # the new row is left alone
    for description in (CALL["问题描述"], "楼道灯不亮"):
        case = reports.by_submission(conn, found[description]["提交编号"])
        assert case["description"] == description and case["ref"] == found[description]["编号"]
    assert reports.by_submission(conn, found["楼道灯不亮"]["提交编号"])["phone"] == ""


def test_a_row_edited_between_reads_waits(worker, sheets, emu, conn):
    type_row(sheets, 小区="延吉二村")
    worker.pull()
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('问题描述')}2", "电梯停了")])
    worker.pull()
    assert count(conn) == 0
    worker.pull()
    assert count(conn) == 1 and reports.by_submission(conn, rows(emu)[0]["提交编号"])["description"] == "电梯停了"


@pytest.mark.parametrize("cells, asked", [
    ({"小区": "延吉二村"}, "问题描述"),
    ({"问题描述": "楼道里有老鼠"}, "小区"),
])
def test_a_thin_row_is_asked_about_once(worker, sheets, emu, conn, cells, asked):
    type_row(sheets, **cells, 处理记录="先记一笔")
    for _ in range(4):
        worker.pull()
    [row] = rows(emu)
    assert count(conn) == 0 and row["提交编号"] == ""
    assert row["处理记录"].startswith("先记一笔\n") and row["处理记录"].count(adopt.NOTE_MARK) == 1 and asked in row["处理记录"]


def test_once_completed_a_thin_row_is_numbered_and_the_request_goes(worker, sheets, emu, conn):
    type_row(sheets, 小区="延吉二村", 处理记录="先记一笔")
    worker.pull(), worker.pull()
    assert "请补上：问题描述" in rows(emu)[0]["处理记录"]
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('问题描述')}2", "楼道灯不亮")])
    worker.pull(), worker.pull()
    case = reports.by_submission(conn, rows(emu)[0]["提交编号"])
    assert case["description"] == "楼道灯不亮" and case["notes"] == "先记一笔"
    worker.deliver()
    assert rows(emu)[0]["处理记录"] == "先记一笔"


def test_unknown_compound_is_kept_and_flagged_in_the_sheet(worker, sheets, emu, conn):
    type_row(sheets, **{**CALL, "小区": "幸福小区", "来源": "微信群"})
    worker.pull(), worker.pull()
    case = reports.by_submission(conn, rows(emu)[0]["提交编号"])
    assert case["compound_id"] == "幸福小区" and case["channel"] == "其他"
    assert "幸福小区" in case["notes"] and "微信群" in case["notes"]
    worker.deliver()
    assert rows(emu)[0]["处理记录"] == case["notes"] and rows(emu)[0]["小区"] == "幸福小区"


def test_a_numbered_row_the_store_does_not_know_is_imported_not_renumbered(worker, sheets, emu, conn):
    type_row(sheets, **CALL, 编号="W7K3-M9P", 提交编号="abc123")
    worker.pull()
    case = reports.by_submission(conn, "abc123")
    assert case["ref"] == "W7K3-M9P" and rows(emu)[0]["编号"] == "W7K3-M9P"
    worker.pull()
    assert count(conn) == 1


def test_read_back_writes_history_for_what_it_changes(worker, sheets, emu, conn):
    reports.create(conn, "a" * 32, {**adopt.case_data(CALL, DIRECTORY)[0]})
    worker.deliver()
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已解决"), (f"{REPORTS.letter('公开进展')}2", "已修好")])
    worker.pull()
    case = reports.by_submission(conn, "a" * 32)
    changes = [(h["actor"], h["field"], h["old"], h["new"]) for h in history.for_report(conn, case["id"])[1:]]
    # The pre-filled 负责大管家 is no change (issue 20, item 6): only what the steward typed.
    assert sorted(changes) == [(history.SHEET, "public_note", "", "已修好"), (history.SHEET, "status", "已受理", "已解决")]
    assert case["followup_due"] == 1
    worker.pull()
    assert len(history.for_report(conn, case["id"])) == 3                  # nothing changed: nothing recorded


# --- the real worker process, SIGKILLed between the write-back and the import ------------------

LAUNCHER = SYNC_LAUNCHER  # (tests/server.py)
KILLS = 20


def writes(emu) -> int:
    return emu.state.stats.snapshot()["requests"].get("values.batchUpdate", 0)


@pytest.mark.slow
def test_rows_adopted_exactly_once_with_the_worker_killed_between_write_back_and_import(
        sheet_app, sheet_config, emu, sheets, conn):
    env = {**os.environ, "SECRET_KEY": "t" * 32, "SYNC_INTERVAL": "0.02", "SYNC_PULL_INTERVAL": "0.02", "SHEETS_TIMEOUT": "2",
           **{k: str(v) for k, v in sheet_config.items() if k in (
               "DATABASE", "GOOGLE_SERVICE_ACCOUNT_FILE", "SHEETS_SPREADSHEET_KEY", "SHEETS_API_BASE_URL")}}
    # The write-back lands at once but its answer takes 0.3 s: a kill in that window leaves numbered
    # rows the store does not have yet — the worker must import them later, under those numbers.
    emu.faults.add("delay", op="values.batchUpdate", seconds=0.3, apply_first=True, times=None)
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], cwd=ROOT, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    rng, typed, caught, trials, pid = random.Random(20261201), 0, 0, 0, 0
    try:
        while caught < KILLS and trials < 2 * KILLS:
            trials += 1
            for _ in range(rng.randint(1, 3)):
                type_row(sheets, **{**CALL, "问题描述": f"第 {typed} 个电话", "联系电话": f"1381234{typed:04d}"})
                typed += 1
            before = writes(emu)
            launcher.stdin.write("go\n"), launcher.stdin.flush()
            pid = int(launcher.stdout.readline())
            deadline = time.monotonic() + 10
            while writes(emu) == before and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.2))
            os.kill(pid, signal.SIGKILL)
            while not gone(pid):
                time.sleep(0.005)
            numbered = sum(bool(r["提交编号"]) for r in rows(emu))
            caught += numbered > count(conn)
    finally:
        if pid and not gone(pid):  # the test failed with a worker still running: stop it
            os.kill(pid, signal.SIGKILL)
        launcher.stdin.close()
        launcher.wait(5)
        launcher.stdout.close()
        emu.faults.clear()
    worker = Worker(conn, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    worker.pull(), worker.pull()
    print(f"{caught} of {trials} kills between write-back and import, {typed} rows")
    assert caught >= KILLS, f"only {caught} kills of {trials} landed between the write-back and the import"
    in_sheet = rows(emu)
    assert len(in_sheet) == typed and count(conn) == typed
    assert len({r["提交编号"] for r in in_sheet}) == typed and all(r["编号"] for r in in_sheet)
    for r in in_sheet:
        case = reports.by_submission(conn, r["提交编号"])
        assert case["ref"] == r["编号"] and case["description"] == r["问题描述"]
    assert conn.execute("SELECT count(DISTINCT description) FROM reports").fetchone()[0] == typed


# --- Reading the Sheet back honestly (issue 20, items 6 and 7) ---------------------------------------

def web_case(sheet_app, conn, worker):
    """A case from the web form, delivered to the sheet (its row pre-filled with the compound's steward)."""
    row, _ = reports.create(conn, "b" * 32, {**adopt.case_data(CALL, DIRECTORY)[0], "channel": "网页"},
                            directory=sheet_app.extensions["directory"])
    worker.deliver()
    return reports.by_submission(conn, "b" * 32)


def test_an_unchanged_read_back_is_no_change_and_no_409(sheet_app, worker, sheets, conn, emu):
    case = web_case(sheet_app, conn, worker)
    assert case["steward_name"] == STEWARD['s5']          # stored at creation, as the row shows it
    for _ in range(2):
        worker.pull()
    after = reports.by_submission(conn, "b" * 32)
    assert after["version"] == case["version"] and len(history.for_report(conn, case["id"])) == 1


def test_an_old_case_without_a_stored_steward_is_not_changed_by_the_prefilled_name(sheet_app, worker, sheets, conn, emu):
    case = web_case(sheet_app, conn, worker)
    conn.execute("UPDATE reports SET steward_name = '' WHERE id = ?", (case["id"],))
    worker.pull()
    assert reports.by_submission(conn, "b" * 32)["steward_name"] == "" and len(history.for_report(conn, case["id"])) == 1


@pytest.mark.parametrize("typed, stored, cell", [
    ("12/7 16:30", "{year}-12-07 16:30", "{year}-12-07 16:30"),
    ("12月7日 16:30", "{year}-12-07 16:30", "{year}-12-07 16:30"),
    ("2026/12/7", "2026-12-07", "2026-12-07"),
    ("已联系", "", ""),
    ("2099-01-01 10:00", "", ""),            # later than today: refused
])
def test_a_typed_first_contact_is_read_or_refused_with_a_note(sheet_app, worker, sheets, conn, emu, typed, stored, cell):
    from forms_app.core import clock
    year = clock.now().year if (clock.now().month, clock.now().day) >= (12, 7) else clock.now().year - 1
    stored, cell = stored.format(year=year), cell.format(year=year)
    case = web_case(sheet_app, conn, worker)
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('首次联系时间')}2", typed)])
    worker.pull()
    after = reports.by_submission(conn, "b" * 32)
    assert after["first_contact_at"] == stored
    worker.deliver()
    [row] = rows(emu)
    assert row["首次联系时间"] == cell
    refused = not stored
    assert ("【系统】首次联系时间「" in row["处理记录"]) is refused and ("【系统】" in after["notes"]) is refused
    worker.pull()  # the note is written once
    assert reports.by_submission(conn, "b" * 32)["notes"].count("【系统】") == int(refused)


def test_a_status_outside_the_list_gets_a_note_back(sheet_app, worker, sheets, conn, emu):
    case = web_case(sheet_app, conn, worker)
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "办完了")])
    worker.pull()
    worker.deliver()
    [row] = rows(emu)
    assert row["状态"] == "已受理" and "【系统】状态「办完了」不在列表里" in row["处理记录"]
    assert reports.by_submission(conn, "b" * 32)["status"] == "已受理"


def test_category_words_and_compound_spellings_are_read_through_the_directory(worker, sheets, conn, emu):
    type_row(sheets, **{**CALL, "小区": "延吉4村", "问题类别": "漏水", "联系电话": "居民不愿留电话"})
    worker.pull(), worker.pull()
    [row] = rows(emu)
    case = reports.by_submission(conn, row["提交编号"])
    assert (case["compound_id"], case["category_id"], case["phone"]) == ("yanji4", "leak", "")
    assert deadlines.is_urgent(case, DIRECTORY) and outbox.backlog(conn, ("alert",)) == 1  # the urgency that follows
    assert (row["小区"], row["问题类别"], row["是否紧急"], row["负责大管家"]) == ("延吉四村", "漏水/渗水", "紧急", STEWARD['s1'])
    assert row["提交时间"] and "【系统】" not in case["notes"]   # 居民不愿留电话 is accepted, no flag


def test_typed_rows_are_adopted_by_two_runs_of_sync_once(sheet_app, sheets, conn, emu):
    type_row(sheets, **CALL)
    for _ in range(2):  # two cron runs: two processes, one memory (the store)
        first = Worker(conn, sheets, sheet_app.extensions["directory"])
        first.sleep = lambda s: None
        first.pull()
    assert count(conn) == 1 and rows(emu)[0]["提交编号"]
