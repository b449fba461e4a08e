"""The sync worker delivering to a WeCom 智能表格 on the emulator, over real HTTP: delivery, the stewards'
edits read back, hand-typed records adopted once, sessions both ways, token expiry and every fault."""
import datetime as dt
import time

import pytest
import requests

from forms_app import create_app
from forms_app.casework import sessions
from forms_app.core import clock, outbox
from forms_app.core.cases import STATUSES
from forms_app.delivery.tables.wecom import WeComTables
from forms_app.residents import reception
from tests.conftest import Forms, reference, text
from tests.wecom_emulator.fixtures import CORP_ID, CORP_SECRET, DOC_ID, wecom_emu, wecom_emulator, wecom_settings  # noqa: F401
from tests.workers import add_reports, worker_fixtures

SS = "/cgi-bin/wedoc/smartsheet/"
DAY = (clock.now().date() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def wecom_app(app_config, wecom_emu):
    """An app delivering to the emulator's document, its tables set up by `flask sheet-setup`."""
    app = create_app({**app_config, **wecom_settings(wecom_emu), "SHEETS_TIMEOUT": 1.0})
    result = app.test_cli_runner().invoke(args=["sheet-setup"])
    assert result.exit_code == 0, result.output
    return app


conn, make_worker = worker_fixtures("wecom_app", WeComTables.from_config)


class Phone:
    """A steward's WeCom client editing the table through the documented calls (not our adapter)."""

    def __init__(self, emu):
        self.emu = emu
        self.token = requests.get(f"{emu.url}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": CORP_SECRET},
                                  timeout=5).json()["access_token"]

    def call(self, api: str, body: dict) -> dict:
        answer = requests.post(f"{self.emu.url}{SS}{api}", params={"access_token": self.token},
                               json={"docid": DOC_ID, **body}, timeout=5).json()
        assert answer["errcode"] == 0, answer
        return answer

    def sheet(self, title: str) -> str:
        return next(s["sheet_id"] for s in self.call("get_sheet", {})["sheet_list"] if s["title"] == title)

    def values(self, sheet_id: str, row: dict) -> dict:
        types = {f["field_title"]: f["field_type"] for f in self.call("get_fields", {"sheet_id": sheet_id})["fields"]}
        return {title: [{"text": v}] if types[title] == "FIELD_TYPE_SINGLE_SELECT"
                else (float(v) if types[title] == "FIELD_TYPE_NUMBER" else [{"type": "text", "text": v}])
                for title, v in row.items()}

    def record_id(self, title: str, key_field: str, key: str) -> str:
        sheet_id = self.sheet(title)
        for record in self.call("get_records", {"sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE"})["records"]:
            if "".join(p.get("text", "") for p in record["values"].get(key_field, [])) == key:
                return record["record_id"]
        raise LookupError(key)

    def edit(self, title: str, key_field: str, key: str, row: dict) -> None:
        sheet_id = self.sheet(title)
        self.call("update_records", {"sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE", "records": [
            {"record_id": self.record_id(title, key_field, key), "values": self.values(sheet_id, row)}]})

    def type_in(self, title: str, row: dict) -> None:
        sheet_id = self.sheet(title)
        self.call("add_records", {"sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE",
                                  "records": [{"values": self.values(sheet_id, row)}]})


def keys(emu, title="问题登记", key="提交编号") -> list[str]:
    return [r[key] for r in emu.records(title)]


def submission_ids(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT submission_id FROM reports")}


def test_sheet_setup_makes_the_three_tables_with_single_selects_and_is_safe_to_run_again(wecom_app, wecom_emu):
    sheets = {s.title: s for d in wecom_emu.state.docs.values() for s in d.sheets}
    assert {"问题登记", "接待报名", "接待场次"} <= set(sheets)
    status = next(f for f in sheets["问题登记"].fields if f.field_title == "状态")
    assert status.field_type == "FIELD_TYPE_SINGLE_SELECT" and [o["text"] for o in status.options] == list(STATUSES)
    writes = wecom_emu.state.stats()["calls"]
    result = wecom_app.test_cli_runner().invoke(args=["sheet-setup"])
    assert result.exit_code == 0, result.output
    after = wecom_emu.state.stats()["calls"]
    assert all(after.get(k, 0) == writes.get(k, 0) for k in ("add_sheet", "add_fields", "update_fields"))


def test_a_report_is_delivered_once_in_one_write_call(wecom_app, make_worker, conn, wecom_emu):
    forms = Forms(wecom_app.test_client())
    forms.client.get(forms.report().headers["Location"])
    add_reports(conn, 30)
    before = wecom_emu.state.stats()["calls"].get("add_records", 0)
    assert make_worker().deliver() == 31
    assert wecom_emu.state.stats()["calls"]["add_records"] - before == 1
    assert sorted(keys(wecom_emu)) == sorted(submission_ids(conn)) and outbox.backlog(conn, outbox.SHEET_KINDS) == 0


def test_a_stewards_status_edit_in_the_table_is_what_the_resident_sees(wecom_app, make_worker, conn, wecom_emu):
    forms = Forms(wecom_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    worker = make_worker()
    worker.deliver()
    [key] = submission_ids(conn)
    Phone(wecom_emu).edit("问题登记", "提交编号", key, {"状态": "处理中", "公开进展": "物业明天上门。"})
    worker.pull()
    body = text(forms.submit("/forms/status", {"ref": ref, "last4": "5678"}))
    assert '<p class="status" id="status">处理中</p>' in body and "物业明天上门。" in body


CALL = {"来源": "电话", "小区": "延吉二村", "楼号": "55号", "问题类别": "漏水/渗水",
        "问题描述": "王阿姨来电：卫生间天花板滴水。", "联系人": "王阿姨", "联系电话": "138 1234 5678"}


def test_a_hand_typed_record_becomes_one_case_however_often_it_is_read(wecom_app, make_worker, conn, wecom_emu):
    Phone(wecom_emu).type_in("问题登记", CALL)
    worker = make_worker()
    before = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    for _ in range(3):
        worker.pull()
        worker.deliver()
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == before + 1
    [record] = wecom_emu.records("问题登记")
    assert record["提交编号"] in submission_ids(conn) and record["问题描述"] == CALL["问题描述"]


SESSION = {"date": DAY, "start_time": "9:00", "end_time": "11:00", "place": "延吉新村街道社区服务中心（示例）",
           "place_other": "", "parties": "居委会", "capacity": 10, "is_open": True, "note": "带上物业合同"}


def test_sessions_go_both_ways(wecom_app, make_worker, conn, wecom_emu):
    worker = make_worker()
    ident, _ = sessions.save(conn, SESSION)
    worker.deliver()
    [row] = [r for r in wecom_emu.records("接待场次") if r["场次编号"] == ident]
    assert (row["日期"], row["名额"], row["说明"]) == (DAY, "10", "带上物业合同")
    Phone(wecom_emu).edit("接待场次", "场次编号", ident, {"名额": "15", "地点": "居委会"})
    worker.pull()
    session = reception.get_session(conn, ident)
    assert (session.capacity, session.place) == (15, "居委会")
    sessions.save(conn, {**SESSION, "capacity": 20, "place": "居委会"}, ident)
    worker.deliver()
    rows = [r for r in wecom_emu.records("接待场次") if r["场次编号"] == ident]
    assert len(rows) == 1 and rows[0]["名额"] == "20" and outbox.backlog(conn, outbox.SHEET_KINDS) == 0
    Phone(wecom_emu).type_in("接待场次", {"场次编号": "2099-03-07-am", "日期": "2099-03-07", "开始": "9:00",
                                           "结束": "11:00", "地点": "控江东三村活动室", "名额": "8", "开放报名": "是"})
    worker.pull()
    assert "控江东三村活动室" in text(wecom_app.test_client().get("/forms/reception"))


def test_the_token_expiring_mid_run_costs_nothing(wecom_app, make_worker, conn, wecom_emu):
    worker = make_worker()
    add_reports(conn, 5)
    worker.deliver()
    wecom_emu.state.expire_tokens()
    add_reports(conn, 5, start=5)
    assert worker.cycle() is True
    assert sorted(keys(wecom_emu)) == sorted(submission_ids(conn)) and outbox.backlog(conn, outbox.SHEET_KINDS) == 0
    assert wecom_emu.state.stats()["errcodes"].get("42001") == 1


FAULTS = [("errcode", {"code": 45009}), ("errcode", {"code": 45033}), ("errcode", {"code": -1}),
          ("status", {"status": 502}), ("drop", {}), ("delay", {"seconds": 1.5}),
          ("delay", {"seconds": 1.5, "apply_first": True}), ("expire_token", {}), ("applied_then_drop", {}),
          ("applied_then_status", {"status": 500}), ("applied_then_errcode", {})]


@pytest.mark.parametrize("kind,extra", FAULTS)
def test_every_fault_kind_on_the_add_loses_and_doubles_nothing(make_worker, conn, wecom_emu, kind, extra):
    add_reports(conn, 7)
    wecom_emu.faults.add(kind, op="add_records", times=2, **extra)
    worker = make_worker()
    if kind == "delay":
        # A slow add still lands after the client gave up: the worker's real back-off (longer than the
        # 1 s timeout here) is what lets it land before the worker reads the keys to check.
        worker.sleep = lambda seconds: (worker.slept.append(seconds), time.sleep(min(seconds, 3)))
    for _ in range(6):
        if worker.cycle() and outbox.backlog(conn, outbox.SHEET_KINDS) == 0:
            break
    ids = keys(wecom_emu)
    assert sorted(ids) == sorted(submission_ids(conn)) and len(set(ids)) == len(ids) == 7


def test_an_outage_of_every_kind_then_recovery_delivers_each_report_exactly_once(make_worker, conn, wecom_emu):
    worker = make_worker()
    faults = [(kind, extra) for kind, extra in FAULTS if kind != "delay" or extra.get("apply_first")]
    for i, (kind, extra) in enumerate(faults):
        add_reports(conn, 3, start=3 * i)
        wecom_emu.faults.add(kind, op="any" if kind == "errcode" else "write", **extra)
        worker.cycle()
    wecom_emu.faults.clear()
    for _ in range(5):
        if worker.cycle() and outbox.backlog(conn, outbox.SHEET_KINDS) == 0:
            break
    ids = keys(wecom_emu)
    assert len(ids) == len(set(ids)) == 3 * len(faults) and set(ids) == submission_ids(conn)


def test_a_full_table_stops_delivery_loudly_and_loses_nothing(make_worker, conn, wecom_emu, monkeypatch, caplog):
    from forms_app.delivery.tables import wecom
    add_reports(conn, 3)
    worker = make_worker()
    worker.deliver()
    monkeypatch.setattr(wecom, "MAX_ROWS", 4)
    add_reports(conn, 2, start=3)
    assert worker.cycle() is False
    assert outbox.backlog(conn, outbox.SHEET_KINDS) == 2 and len(keys(wecom_emu)) == 3
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "单表上限" in error.getMessage() and "问题登记" in error.getMessage()
    assert worker.slept[-1] == worker.backoff_cap
    monkeypatch.setattr(wecom, "MAX_ROWS", 100_000)   # the office moved old records away
    assert worker.cycle() is True and sorted(keys(wecom_emu)) == sorted(submission_ids(conn))


@pytest.mark.parametrize("settle, doubled", [(0.0, True), (3.0, False)])
def test_a_write_landing_after_the_timeout_is_found_when_the_check_waits_a_timeout(make_worker, conn, wecom_emu,
                                                                                   settle, doubled):
    """The add lands 3.5 s after it was sent, 2.5 s after the client (timeout 1 s) gave up. The shortest
    back-off (1 s) reads too early and sends it again; waiting `settle` (SHEETS_TIMEOUT in service) first
    finds it. Each outcome has more than a second to spare, so a busy machine (a parallel run) cannot turn it."""
    add_reports(conn, 3)
    wecom_emu.faults.add("delay", op="add_records", times=1, seconds=3.5)
    worker = make_worker(rng=lambda: 0.0, settle=settle)
    worker.sleep = lambda seconds: (worker.slept.append(seconds), time.sleep(seconds))
    for _ in range(4):
        if worker.cycle() and outbox.backlog(conn, outbox.SHEET_KINDS) == 0:
            break
    time.sleep(2.0)  # let the slow add land whatever happened
    ids = keys(wecom_emu)
    assert (len(ids) > len(set(ids))) is doubled
    assert set(ids) == submission_ids(conn)
