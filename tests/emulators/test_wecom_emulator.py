"""The WeCom smartsheet emulator answers as the documentation says: shapes, errcodes, limits, faults."""
import subprocess
import sys
import time

import pytest
import requests

from tests.server import ROOT, stop_process
from tests.wecom_emulator.fixtures import CORP_ID, CORP_SECRET, DOC_ID, wecom_emu, wecom_emulator  # noqa: F401

SS = "/cgi-bin/wedoc/smartsheet/"


def token(emu, corp=CORP_ID, secret=CORP_SECRET) -> dict:
    return requests.get(f"{emu.url}/cgi-bin/gettoken", params={"corpid": corp, "corpsecret": secret}, timeout=5).json()


def call(emu, api: str, body: dict, access_token: str | None = None, timeout: float = 5) -> dict:
    access_token = access_token if access_token is not None else token(emu)["access_token"]
    return requests.post(f"{emu.url}{SS}{api}", params={"access_token": access_token}, json=body, timeout=timeout).json()


def table(emu, title="问题登记", fields=(("提交编号", "FIELD_TYPE_TEXT"), ("状态", "FIELD_TYPE_SINGLE_SELECT"))):
    """A sub-sheet with fields; returns (token, sheet_id)."""
    tok = token(emu)["access_token"]
    sheet_id = call(emu, "add_sheet", {"docid": DOC_ID, "properties": {"title": title}}, tok)["properties"]["sheet_id"]
    body = [{"field_title": t, "field_type": k} for t, k in fields]
    for f in body:
        if f["field_type"] == "FIELD_TYPE_SINGLE_SELECT":
            f["property_single_select"] = {"options": [{"text": "待处理"}, {"text": "已办结"}]}
    assert call(emu, "add_fields", {"docid": DOC_ID, "sheet_id": sheet_id, "fields": body}, tok)["errcode"] == 0
    return tok, sheet_id


def rec(key: str, status: str = "") -> dict:
    values = {"提交编号": [{"type": "text", "text": key}]}
    if status:
        values["状态"] = [{"text": status}]
    return {"values": values}


def test_gettoken_answers_a_token_for_7200_seconds(wecom_emu):
    answer = token(wecom_emu)
    assert answer["errcode"] == 0 and answer["expires_in"] == 7200 and len(answer["access_token"]) > 20


@pytest.mark.parametrize("corp,secret,code", [("test-corp", "wrong", 40001), ("other", "test-secret", 40013),
                                              ("", "test-secret", 41002), ("test-corp", "", 41004)])
def test_gettoken_refuses_wrong_credentials_with_the_documented_errcodes(wecom_emu, corp, secret, code):
    assert token(wecom_emu, corp, secret)["errcode"] == code


@pytest.mark.parametrize("access_token,code", [("", 41001), ("nonsense", 40014)])
def test_calls_without_a_valid_token_are_refused(wecom_emu, access_token, code):
    assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, access_token)["errcode"] == code


def test_sheets_fields_and_records_have_the_documented_shapes(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    sheets = call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)
    assert sheets["sheet_list"] == [{"sheet_id": sheet_id, "title": "问题登记", "is_visible": True, "type": "smartsheet"}]
    fields = call(wecom_emu, "get_fields", {"docid": DOC_ID, "sheet_id": sheet_id}, tok)
    assert fields["total"] == 2 and [f["field_title"] for f in fields["fields"]] == ["提交编号", "状态"]
    select = fields["fields"][1]
    assert select["field_type"] == "FIELD_TYPE_SINGLE_SELECT"
    assert [o["text"] for o in select["property_single_select"]["options"]] == ["待处理", "已办结"]
    added = call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE",
                                            "records": [rec("A1", "待处理")]}, tok)
    assert added["errcode"] == 0 and added["records"][0]["record_id"]
    got = call(wecom_emu, "get_records", {"docid": DOC_ID, "sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE"}, tok)
    assert got["total"] == 1 and got["has_more"] is False
    record = got["records"][0]
    assert record["values"]["提交编号"] == [{"type": "text", "text": "A1"}]
    assert record["values"]["状态"][0]["text"] == "待处理" and record["values"]["状态"][0]["id"]
    assert {"record_id", "create_time", "update_time", "values"} <= set(record)
    by_id = call(wecom_emu, "get_records", {"docid": DOC_ID, "sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_ID"}, tok)
    assert set(by_id["records"][0]["values"]) == {f["field_id"] for f in fields["fields"]}


def test_update_records_changes_only_the_given_fields_and_records_lists_plain_text(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    rid = call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("A1", "待处理")]},
               tok)["records"][0]["record_id"]
    answer = call(wecom_emu, "update_records", {"docid": DOC_ID, "sheet_id": sheet_id, "key_type": "CELL_VALUE_KEY_TYPE_FIELD_TITLE",
                                                "records": [{"record_id": rid, "values": {"状态": [{"text": "已办结"}]}}]}, tok)
    assert answer["errcode"] == 0 and answer["records"][0]["record_id"] == rid
    assert requests.get(f"{wecom_emu.url}/_records", params={"table": "问题登记"}, timeout=5).json() == [
        {"提交编号": "A1", "状态": "已办结"}]
    assert requests.get(f"{wecom_emu.url}/_records", params={"table": "没有"}, timeout=5).status_code == 404


def test_get_records_pages_with_offset_limit_next_and_has_more(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec(f"K{i}") for i in range(5)]}, tok)
    first = call(wecom_emu, "get_records", {"docid": DOC_ID, "sheet_id": sheet_id, "offset": 0, "limit": 2}, tok)
    assert first["total"] == 5 and first["has_more"] is True and first["next"] == 2 and len(first["records"]) == 2
    last = call(wecom_emu, "get_records", {"docid": DOC_ID, "sheet_id": sheet_id, "offset": 4, "limit": 2}, tok)
    assert last["has_more"] is False and len(last["records"]) == 1
    assert call(wecom_emu, "get_records", {"docid": DOC_ID, "sheet_id": sheet_id, "limit": 1001}, tok)["errcode"] == 40058


@pytest.mark.parametrize("body", [
    {"docid": "nope", "sheet_id": "x", "records": [rec("A")]},                         # unknown document
    {"docid": DOC_ID, "sheet_id": "nope", "records": [rec("A")]},                      # unknown sheet
    {"docid": DOC_ID, "sheet_id": None, "records": [{"values": {"没有这列": [{"type": "text", "text": "x"}]}}]},
    {"docid": DOC_ID, "sheet_id": None, "records": [{"values": {"提交编号": "bare string"}}]},
    {"docid": DOC_ID, "sheet_id": None, "records": [rec(str(i)) for i in range(501)]},  # more than 500 per call
    {"docid": DOC_ID, "sheet_id": None, "records": []},
])
def test_bad_add_records_are_refused_with_40058_and_change_nothing(wecom_emu, body):
    tok, sheet_id = table(wecom_emu)
    body = {**body, "sheet_id": body["sheet_id"] or sheet_id}
    assert call(wecom_emu, "add_records", body, tok)["errcode"] == 40058
    assert wecom_emu.records("问题登记") == []


def test_a_new_select_text_becomes_an_option_and_fields_never_change_type(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("A1", "新状态")]}, tok)
    fields = call(wecom_emu, "get_fields", {"docid": DOC_ID, "sheet_id": sheet_id}, tok)["fields"]
    assert [o["text"] for o in fields[1]["property_single_select"]["options"]] == ["待处理", "已办结", "新状态"]
    wrong = call(wecom_emu, "update_fields", {"docid": DOC_ID, "sheet_id": sheet_id, "fields": [
        {"field_id": fields[0]["field_id"], "field_type": "FIELD_TYPE_NUMBER", "field_title": "改"}]}, tok)
    assert wrong["errcode"] == 40058
    dup = call(wecom_emu, "add_fields", {"docid": DOC_ID, "sheet_id": sheet_id,
                                         "fields": [{"field_title": "状态", "field_type": "FIELD_TYPE_TEXT"}]}, tok)
    assert dup["errcode"] == 40058


def test_table_row_and_cell_limits_are_enforced(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    wecom_emu.state.configure(max_rows=3)
    assert call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("a"), rec("b"), rec("c")]},
                tok)["errcode"] == 0
    assert call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("d")]}, tok)["errcode"] == 40058
    wecom_emu.state.configure(max_rows=100_000, max_cells=7)   # 2 fields: 4 records = 8 cells
    assert call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("d")]}, tok)["errcode"] == 40058


def test_the_rate_limit_answers_45009_per_corp_and_api(wecom_emu):
    wecom_emu.state.configure(rate_per_minute=3)
    tok = token(wecom_emu)["access_token"]
    codes = [call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] for _ in range(5)]
    assert codes == [0, 0, 0, 45009, 45009]
    assert call(wecom_emu, "add_sheet", {"docid": DOC_ID, "properties": {"title": "t"}}, tok)["errcode"] == 0  # another api
    assert wecom_emu.state.stats()["errcodes"]["45009"] == 2


def test_tokens_expire_after_their_lifetime_and_on_demand(wecom_emu, monkeypatch):
    now = [time.monotonic()]  # the emulator's clock, moved by hand: no sleeping, and a busy machine cannot expire a token early
    monkeypatch.setattr(wecom_emu.state, "clock", lambda: now[0])
    wecom_emu.state.configure(token_ttl=0.3)
    tok = token(wecom_emu)["access_token"]
    now[0] += 0.29
    assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] == 0
    now[0] += 0.01
    assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] == 42001
    wecom_emu.state.configure(token_ttl=7200)
    tok = token(wecom_emu)["access_token"]
    assert requests.post(f"{wecom_emu.url}/_emulator/expire_tokens", timeout=5).json() == {"expired": 1}
    assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] == 42001


def fault(emu, **spec) -> None:
    assert requests.post(f"{emu.url}/_emulator/faults", json=spec, timeout=5).status_code == 200


@pytest.mark.parametrize("spec,applied", [
    ({"kind": "errcode", "code": 45009}, 0), ({"kind": "errcode", "code": -1}, 0), ({"kind": "errcode", "code": 45033}, 0),
    ({"kind": "status", "status": 502}, 0), ({"kind": "drop"}, 0), ({"kind": "expire_token"}, 0),
    ({"kind": "applied_then_drop"}, 1), ({"kind": "applied_then_status", "status": 500}, 1),
    ({"kind": "applied_then_errcode"}, 1),
])
def test_write_faults_apply_or_not_as_their_kind_says(wecom_emu, spec, applied):
    tok, sheet_id = table(wecom_emu)
    fault(wecom_emu, op="add_records", **spec)
    try:
        response = requests.post(f"{wecom_emu.url}{SS}add_records", params={"access_token": tok}, timeout=5,
                                 json={"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("A1")]})
        outcome = response.json() if response.status_code == 200 else response.status_code
    except requests.exceptions.ConnectionError:
        outcome = "dropped"
    assert len(wecom_emu.records("问题登记")) == applied
    assert outcome != {"errcode": 0} and (not isinstance(outcome, dict) or outcome["errcode"] != 0)


def test_a_delay_fault_outlasts_the_client_timeout_and_may_apply_first(wecom_emu):
    tok, sheet_id = table(wecom_emu)
    fault(wecom_emu, kind="delay", op="write", seconds=1.0, apply_first=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{wecom_emu.url}{SS}add_records", params={"access_token": tok}, timeout=0.3,
                      json={"docid": DOC_ID, "sheet_id": sheet_id, "records": [rec("A1")]})
    assert wecom_emu.records("问题登记") == [{"提交编号": "A1", "状态": ""}]


def test_stats_count_calls_and_writes(wecom_emu):
    table(wecom_emu)
    stats = requests.get(f"{wecom_emu.url}/_stats", timeout=5).json()
    assert stats["calls"]["gettoken"] == 1 and stats["calls"]["add_fields"] == 1 and stats["write_calls"] == 0


def test_the_command_line_serves_a_pre_created_document_with_other_credentials():
    proc = subprocess.Popen([sys.executable, "-m", "tests.wecom_emulator", "--port", "0", "--doc", "dcCLI",
                             "--credential", "wwcorp:s3cret"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split(" on ")[1].split()[0]
        tok = requests.get(f"{url}/cgi-bin/gettoken", params={"corpid": "wwcorp", "corpsecret": "s3cret"}, timeout=5).json()
        sheets = requests.post(f"{url}{SS}get_sheet", params={"access_token": tok["access_token"]},
                               json={"docid": "dcCLI"}, timeout=5).json()
        assert sheets == {"errcode": 0, "errmsg": "ok", "sheet_list": []}
    finally:
        stop_process(proc)


def test_an_expire_token_fault_on_gettoken_still_issues_a_token(wecom_emu):
    old = token(wecom_emu)["access_token"]
    fault(wecom_emu, kind="expire_token", op="gettoken")
    new = token(wecom_emu)
    assert new["errcode"] == 0 and call(wecom_emu, "get_sheet", {"docid": DOC_ID}, new["access_token"])["errcode"] == 0
    assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, old)["errcode"] == 42001


def test_concurrent_adds_are_each_applied_whole(wecom_emu):
    from concurrent.futures import ThreadPoolExecutor
    tok, sheet_id = table(wecom_emu)

    def add(batch: int) -> int:
        return call(wecom_emu, "add_records", {"docid": DOC_ID, "sheet_id": sheet_id,
                                               "records": [rec(f"{batch}-{i}") for i in range(50)]}, tok)["errcode"]

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(add, range(16))) == {0}
    keys = [r["提交编号"] for r in wecom_emu.records("问题登记")]
    assert len(keys) == len(set(keys)) == 800
    for batch in range(16):   # each call's records stay together, in its order
        where = [i for i, k in enumerate(keys) if k.startswith(f"{batch}-")]
        assert where == list(range(where[0], where[0] + 50)) and keys[where[0]] == f"{batch}-0"


def test_past_the_minute_limit_the_api_stays_blocked_for_60_seconds(wecom_emu):
    now = [1000.0]
    wecom_emu.state.clock = lambda: now[0]
    try:
        wecom_emu.state.configure(rate_per_minute=2)
        tok = token(wecom_emu)["access_token"]
        assert [call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] for _ in range(3)] == [0, 0, 45009]
        now[0] += 59.9      # the calls have left the minute window, but the block lasts 60 s
        assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] == 45009
        now[0] += 0.2
        assert call(wecom_emu, "get_sheet", {"docid": DOC_ID}, tok)["errcode"] == 0
    finally:
        wecom_emu.state.clock = time.monotonic
