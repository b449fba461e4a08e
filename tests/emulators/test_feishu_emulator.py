"""The Feishu emulator, driven with the unmodified lark-oapi SDK (and plain HTTP where the SDK cannot go):
documented shapes and codes, limits, rate limits, token expiry, every fault kind, /_records, /_stats."""
import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from lark_oapi.api.bitable.v1 import (AppTableCreateHeader, AppTableField, AppTableFieldProperty,
                                      AppTableFieldPropertyOption, AppTableRecord, BatchCreateAppTableRecordRequest,
                                      BatchCreateAppTableRecordRequestBody, BatchUpdateAppTableRecordRequest,
                                      BatchUpdateAppTableRecordRequestBody, CreateAppTableFieldRequest,
                                      CreateAppTableRequest, CreateAppTableRequestBody, ListAppTableFieldRequest,
                                      ListAppTableRequest, ReqTable, SearchAppTableRecordRequest,
                                      SearchAppTableRecordRequestBody)

from tests.feishu_emulator.fixtures import APP_ID, APP_SECRET, APP_TOKEN, feishu_emu, feishu_emulator, sdk_client  # noqa: F401
from tests.server import ROOT, stop_process

TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal"


@pytest.fixture
def sdk(feishu_emu):
    return sdk_client(feishu_emu, timeout=2)


def make_table(sdk, name="问题登记", options=("待处理", "处理中", "已办结")):
    status = AppTableCreateHeader.builder().field_name("状态").type(3).property(
        AppTableFieldProperty.builder().options([AppTableFieldPropertyOption.builder().name(o).build() for o in options]).build()).build()
    headers = [AppTableCreateHeader.builder().field_name("提交编号").type(1).build(), status,
               AppTableCreateHeader.builder().field_name("件数").type(2).build()]
    request = CreateAppTableRequest.builder().app_token(APP_TOKEN).request_body(
        CreateAppTableRequestBody.builder().table(ReqTable.builder().name(name).fields(headers).build()).build()).build()
    return sdk.bitable.v1.app_table.create(request)


def create(sdk, table_id, rows):
    records = [AppTableRecord.builder().fields(row).build() for row in rows]
    return sdk.bitable.v1.app_table_record.batch_create(BatchCreateAppTableRecordRequest.builder().app_token(APP_TOKEN)
        .table_id(table_id).request_body(BatchCreateAppTableRecordRequestBody.builder().records(records).build()).build())


def search(sdk, table_id, page_size=500, page_token=""):
    builder = SearchAppTableRecordRequest.builder().app_token(APP_TOKEN).table_id(table_id).page_size(page_size)
    if page_token:
        builder = builder.page_token(page_token)
    return sdk.bitable.v1.app_table_record.search(builder.request_body(SearchAppTableRecordRequestBody.builder().build()).build())


def control(emu, method, path, body=None):
    return requests.request(method, emu.url + path, json=body, timeout=5)


# --- token ----------------------------------------------------------------------------------------

def test_token_has_the_documented_shape_and_is_reused_while_30_minutes_remain(feishu_emu):
    first = requests.post(feishu_emu.url + TOKEN_URL, json={"app_id": APP_ID, "app_secret": APP_SECRET}, timeout=5).json()
    assert first["code"] == 0 and first["tenant_access_token"].startswith("t-") and first["expire"] == 7200
    again = requests.post(feishu_emu.url + TOKEN_URL, json={"app_id": APP_ID, "app_secret": APP_SECRET}, timeout=5).json()
    assert again["tenant_access_token"] == first["tenant_access_token"] and again["expire"] <= 7200


def test_a_token_with_less_than_30_minutes_left_is_replaced_and_the_old_one_still_works(feishu_emu, sdk):
    control(feishu_emu, "PUT", "/_emulator/config", {"token_ttl": 1500})
    first = requests.post(feishu_emu.url + TOKEN_URL, json={"app_id": APP_ID, "app_secret": APP_SECRET}, timeout=5).json()
    second = requests.post(feishu_emu.url + TOKEN_URL, json={"app_id": APP_ID, "app_secret": APP_SECRET}, timeout=5).json()
    assert first["tenant_access_token"] != second["tenant_access_token"]
    old = requests.get(feishu_emu.url + f"/open-apis/bitable/v1/apps/{APP_TOKEN}/tables",
                       headers={"Authorization": "Bearer " + first["tenant_access_token"]}, timeout=5).json()
    assert old["code"] == 0


@pytest.mark.parametrize("body, code", [({"app_id": APP_ID, "app_secret": "wrong"}, 10014),
                                        ({"app_id": "cli_nobody", "app_secret": "x"}, 10003)])
def test_bad_credentials_get_no_token(feishu_emu, body, code):
    answer = requests.post(feishu_emu.url + TOKEN_URL, json=body, timeout=5).json()
    assert answer["code"] == code and "tenant_access_token" not in answer


@pytest.mark.parametrize("headers, code", [({}, 99991661), ({"Authorization": "Bearer t-forged"}, 99991663)])
def test_calls_without_a_valid_token_are_refused_with_the_documented_codes(feishu_emu, headers, code):
    answer = requests.get(feishu_emu.url + f"/open-apis/bitable/v1/apps/{APP_TOKEN}/tables", headers=headers, timeout=5)
    assert answer.status_code == 400 and answer.json()["code"] == code


def test_expired_tokens_are_refused_until_the_sdk_fetches_a_new_one(feishu_emu, sdk):
    assert sdk.bitable.v1.app_table.list(ListAppTableRequest.builder().app_token(APP_TOKEN).build()).code == 0
    assert control(feishu_emu, "POST", "/_emulator/expire-tokens").json()["expired"] == 1
    assert sdk.bitable.v1.app_table.list(ListAppTableRequest.builder().app_token(APP_TOKEN).build()).code == 99991663
    fresh = sdk_client(feishu_emu)  # drops the SDK's cached token
    assert fresh.bitable.v1.app_table.list(ListAppTableRequest.builder().app_token(APP_TOKEN).build()).code == 0
    assert feishu_emu.state.stats()["requests"]["token"] == 2


# --- tables, fields, records ---------------------------------------------------------------------

def test_tables_and_fields_have_the_documented_shapes(feishu_emu, sdk):
    created = make_table(sdk)
    assert created.code == 0 and created.data.table_id.startswith("tbl") and len(created.data.field_id_list) == 3
    listed = sdk.bitable.v1.app_table.list(ListAppTableRequest.builder().app_token(APP_TOKEN).build())
    assert [(t.table_id, t.name) for t in listed.data.items] == [(created.data.table_id, "问题登记")]
    assert listed.data.has_more is False and listed.data.total == 1
    fields = sdk.bitable.v1.app_table_field.list(ListAppTableFieldRequest.builder().app_token(APP_TOKEN)
                                                 .table_id(created.data.table_id).build()).data.items
    assert [(f.field_name, f.type, f.is_primary) for f in fields] == [("提交编号", 1, True), ("状态", 3, False), ("件数", 2, False)]
    assert [o.name for o in fields[1].property.options] == ["待处理", "处理中", "已办结"]
    assert all(o.id.startswith("opt") for o in fields[1].property.options)


def test_duplicate_table_and_field_names_are_refused(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    assert make_table(sdk).code == 1254013
    again = sdk.bitable.v1.app_table_field.create(CreateAppTableFieldRequest.builder().app_token(APP_TOKEN).table_id(table_id)
                                                  .request_body(AppTableField.builder().field_name("状态").type(1).build()).build())
    assert again.code == 1254014
    added = sdk.bitable.v1.app_table_field.create(CreateAppTableFieldRequest.builder().app_token(APP_TOKEN).table_id(table_id)
                                                  .request_body(AppTableField.builder().field_name("备注").type(1).build()).build())
    assert added.code == 0 and added.data.field.field_name == "备注" and added.data.field.field_id.startswith("fld")


def test_unknown_base_and_table_are_refused(feishu_emu, sdk):
    assert sdk.bitable.v1.app_table.list(ListAppTableRequest.builder().app_token("bascnNoSuchBase").build()).code == 1254040
    assert search(sdk, "tblNoSuchTable").code == 1254041


def test_records_round_trip_with_text_as_segments_and_a_new_option_added(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    made = create(sdk, table_id, [{"提交编号": "20000001", "状态": "待处理", "件数": 2}, {"提交编号": "20000002", "状态": "退回"}])
    assert made.code == 0 and [r.record_id[:3] for r in made.data.records] == ["rec", "rec"]
    items = search(sdk, table_id).data.items
    assert items[0].fields == {"提交编号": [{"type": "text", "text": "20000001"}], "状态": "待处理", "件数": 2}
    assert items[1].fields == {"提交编号": [{"type": "text", "text": "20000002"}], "状态": "退回"}
    fields = sdk.bitable.v1.app_table_field.list(ListAppTableFieldRequest.builder().app_token(APP_TOKEN).table_id(table_id).build())
    assert [o.name for o in fields.data.items[1].property.options] == ["待处理", "处理中", "已办结", "退回"]
    update = sdk.bitable.v1.app_table_record.batch_update(BatchUpdateAppTableRecordRequest.builder().app_token(APP_TOKEN)
        .table_id(table_id).request_body(BatchUpdateAppTableRecordRequestBody.builder().records(
            [AppTableRecord.builder().record_id(items[0].record_id).fields({"状态": "已办结"}).build()]).build()).build())
    assert update.code == 0 and update.data.records[0].fields["状态"] == "已办结"
    assert feishu_emu.records("问题登记") == [{"提交编号": "20000001", "状态": "已办结", "件数": "2"},
                                          {"提交编号": "20000002", "状态": "退回", "件数": ""}]


@pytest.mark.parametrize("row, code", [({"没有这列": "x"}, 1254045), ({"件数": "三"}, 1254061),
                                       ({"提交编号": 5}, 1254060), ({"状态": 1}, 1254062)])
def test_values_the_field_cannot_take_are_refused_and_nothing_is_written(feishu_emu, sdk, row, code):
    table_id = make_table(sdk).data.table_id
    assert create(sdk, table_id, [{"提交编号": "ok"}, row]).code == code
    assert feishu_emu.records("问题登记") == []


def test_a_batch_over_the_limit_is_refused_whole(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    control(feishu_emu, "PUT", "/_emulator/config", {"max_batch": 500})
    assert create(sdk, table_id, [{"提交编号": str(i)} for i in range(501)]).code == 1254104
    assert create(sdk, table_id, [{"提交编号": str(i)} for i in range(500)]).code == 0
    assert len(feishu_emu.records("问题登记")) == 500


def test_update_of_an_unknown_record_is_refused(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    answer = sdk.bitable.v1.app_table_record.batch_update(BatchUpdateAppTableRecordRequest.builder().app_token(APP_TOKEN)
        .table_id(table_id).request_body(BatchUpdateAppTableRecordRequestBody.builder().records(
            [AppTableRecord.builder().record_id("recNoSuch").fields({"状态": "已办结"}).build()]).build()).build())
    assert answer.code == 1254043


def test_search_pages_500_at_a_time_in_table_order(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    control(feishu_emu, "PUT", "/_emulator/config", {"rate_limits": False})
    for start in range(0, 1201, 500):
        assert create(sdk, table_id, [{"提交编号": f"{i:04d}"} for i in range(start, min(start + 500, 1201))]).code == 0
    seen, token, pages = [], "", 0
    while True:
        page = search(sdk, table_id, 500, token).data
        pages += 1
        seen += [item.fields["提交编号"][0]["text"] for item in page.items]
        assert page.total == 1201
        if not page.has_more:
            assert page.page_token in ("", None)
            break
        token = page.page_token
    assert pages == 3 and seen == [f"{i:04d}" for i in range(1201)]
    assert search(sdk, table_id, 501).code == 99992402


def test_client_token_makes_a_batch_create_idempotent(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    records = [AppTableRecord.builder().fields({"提交编号": "1"}).build()]
    request = lambda: (BatchCreateAppTableRecordRequest.builder().app_token(APP_TOKEN).table_id(table_id)  # noqa: E731
                       .client_token("fe599b60-450f-46ff-b2ef-9f6675625b97")
                       .request_body(BatchCreateAppTableRecordRequestBody.builder().records(records).build()).build())
    first = sdk.bitable.v1.app_table_record.batch_create(request())
    second = sdk.bitable.v1.app_table_record.batch_create(request())
    assert first.data.records[0].record_id == second.data.records[0].record_id
    assert len(feishu_emu.records("问题登记")) == 1


# --- limits and faults ----------------------------------------------------------------------------

def test_the_documented_rate_limit_answers_429_with_99991400_and_the_reset_header(feishu_emu, sdk, monkeypatch):
    table_id = make_table(sdk).data.table_id
    now = [time.time()]  # the emulator's clock, moved by hand: however slow the calls, the four share one second
    monkeypatch.setattr(feishu_emu.state, "clock", lambda: now[0])
    control(feishu_emu, "PUT", "/_emulator/config", {"rate_limits": {"records.search": 3}})
    codes = [search(sdk, table_id) for _ in range(4)]
    assert [c.code for c in codes] == [0, 0, 0, 99991400]
    assert codes[-1].raw.status_code == 429 and int(codes[-1].raw.headers["x-ogw-ratelimit-reset"]) >= 1
    assert feishu_emu.state.stats()["refused"] == {"records.search": 1}
    now[0] += 1.05
    assert search(sdk, table_id).code == 0


def test_default_rate_limits_are_the_documented_ones(feishu_emu):
    limits = control(feishu_emu, "GET", "/_emulator/config").json()["rate_limits"]
    assert limits["records.batch_create"] == 50 and limits["records.search"] == 20
    assert limits["tables.create"] == 10 and limits["fields.create"] == 10


def add_fault(emu, **fault):
    answer = control(emu, "POST", "/_emulator/faults", fault)
    assert answer.status_code == 200, answer.text
    return answer.json()["fault"]


@pytest.mark.parametrize("fault, status, code", [
    ({"kind": "rate_limit"}, 429, 99991400),
    ({"kind": "code", "code": 1254290}, 400, 1254290),
    ({"kind": "code", "code": 1254291}, 400, 1254291),
    ({"kind": "token_expired"}, 400, 99991663),
    ({"kind": "status", "status": 500}, 500, 1255001),
])
def test_refusing_faults_answer_the_documented_body_and_apply_nothing(feishu_emu, sdk, fault, status, code):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, op="records.batch_create", **fault)
    answer = create(sdk, table_id, [{"提交编号": "1"}])
    assert (answer.raw.status_code, answer.code) == (status, code)
    assert feishu_emu.records("问题登记") == []


def test_a_gateway_failure_answers_html_which_the_sdk_cannot_parse(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, kind="status", status=502, op="write")
    with pytest.raises(json.JSONDecodeError):
        create(sdk, table_id, [{"提交编号": "1"}])
    assert feishu_emu.records("问题登记") == []


@pytest.mark.parametrize("kind, applied", [("drop", 0), ("applied_then_drop", 1)])
def test_a_dropped_connection_leaves_the_write_applied_or_not(feishu_emu, sdk, kind, applied):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, kind=kind, op="records.batch_create")
    with pytest.raises(requests.exceptions.ConnectionError):
        create(sdk, table_id, [{"提交编号": "1"}])
    assert len(feishu_emu.records("问题登记")) == applied


def test_a_write_applied_whose_answer_is_a_5xx(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, kind="applied_then_status", status=500, op="records.batch_create")
    assert create(sdk, table_id, [{"提交编号": "1"}]).code == 1255001
    assert feishu_emu.records("问题登记") == [{"提交编号": "1", "状态": "", "件数": ""}]


@pytest.mark.slow
@pytest.mark.parametrize("apply_first, applied_at_timeout", [(True, 1), (False, 0)])
def test_a_slow_answer_times_the_sdk_out(feishu_emu, sdk, apply_first, applied_at_timeout):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, kind="delay", seconds=2.5, apply_first=apply_first, op="records.batch_create")
    with pytest.raises(requests.exceptions.ReadTimeout):
        create(sdk, table_id, [{"提交编号": "1"}])
    assert len(feishu_emu.records("问题登记")) == applied_at_timeout


def test_faults_fire_after_and_times_and_are_listed(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    add_fault(feishu_emu, kind="code", code=1254607, op="read", after=1, times=2)
    assert [search(sdk, table_id).code for _ in range(4)] == [0, 1254607, 1254607, 0]
    listed = control(feishu_emu, "GET", "/_emulator/faults").json()["faults"]
    assert listed[0]["seen"] == 4 and listed[0]["fired"] == 2
    assert control(feishu_emu, "POST", "/_emulator/faults", {"kind": "nonsense"}).status_code == 400


def test_records_and_stats_endpoints(feishu_emu, sdk):
    table_id = make_table(sdk).data.table_id
    create(sdk, table_id, [{"提交编号": "1", "状态": "处理中"}])
    assert control(feishu_emu, "GET", "/_records?table=问题登记").json() == [{"提交编号": "1", "状态": "处理中", "件数": ""}]
    assert control(feishu_emu, "GET", "/_records?table=没有").status_code == 404
    with socket.create_connection(("127.0.0.1", feishu_emu.port), timeout=5) as raw:   # UTF-8 sent unescaped
        raw.sendall("GET /_records?table=问题登记 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("utf-8"))
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and "处理中".encode("utf-8") in answer
    stats = control(feishu_emu, "GET", "/_stats").json()
    assert stats["requests"]["records.batch_create"] == 1 and stats["writes"] == 2 and stats["refused_total"] == 0
    control(feishu_emu, "DELETE", "/_stats")
    assert control(feishu_emu, "GET", "/_stats").json()["writes"] == 0


def test_the_command_line_starts_an_emulator_with_an_empty_base():
    proc = subprocess.Popen([sys.executable, "-m", "tests.feishu_emulator", "--port", "0", "--app-token", "bascnCli",
                             "--credential", "cli_other:s3cret"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split("listening on ")[1].split()[0]
        assert requests.get(url + "/_emulator/apps", timeout=5).json() == {"apps": {"bascnCli": []}}
        token = requests.post(url + TOKEN_URL, json={"app_id": "cli_other", "app_secret": "s3cret"}, timeout=5).json()
        assert token["code"] == 0
        assert requests.post(url + TOKEN_URL, json={"app_id": APP_ID, "app_secret": APP_SECRET}, timeout=5).json()["code"] != 0
    finally:
        stop_process(proc)


def test_concurrent_writes_are_each_applied_whole(feishu_emu, sdk):
    from concurrent.futures import ThreadPoolExecutor

    table_id = make_table(sdk).data.table_id
    control(feishu_emu, "PUT", "/_emulator/config", {"rate_limits": False})
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: create(sdk, table_id, [{"提交编号": f"{t}-{i}"} for i in range(50)]), range(16)))
    assert all(a.code == 0 for a in answers)
    ids = [r["提交编号"] for r in feishu_emu.records("问题登记")]
    assert len(ids) == len(set(ids)) == 800
    for t in range(16):   # each batch in one piece, in its own order
        mine = [i for i in ids if i.startswith(f"{t}-")]
        start = ids.index(mine[0])
        assert ids[start:start + 50] == [f"{t}-{i}" for i in range(50)]


def test_search_filters_sorts_and_names_fields(feishu_emu, sdk):
    from lark_oapi.api.bitable.v1 import Condition, FilterInfo, Sort

    table_id = make_table(sdk).data.table_id
    create(sdk, table_id, [{"提交编号": "b", "状态": "待处理"}, {"提交编号": "a", "状态": "已办结"}, {"提交编号": "c", "状态": "待处理"}])
    body = (SearchAppTableRecordRequestBody.builder().field_names(["提交编号"])
            .filter(FilterInfo.builder().conjunction("and").conditions(
                [Condition.builder().field_name("状态").operator("is").value(["待处理"]).build()]).build())
            .sort([Sort.builder().field_name("提交编号").desc(True).build()]).automatic_fields(True).build())
    answer = sdk.bitable.v1.app_table_record.search(SearchAppTableRecordRequest.builder().app_token(APP_TOKEN)
                                                    .table_id(table_id).page_size(10).request_body(body).build())
    assert [item.fields for item in answer.data.items] == [{"提交编号": [{"type": "text", "text": "c"}]},
                                                           {"提交编号": [{"type": "text", "text": "b"}]}]
    assert answer.data.total == 2 and answer.data.items[0].created_time > 0


def test_the_older_list_call_gives_text_as_strings(feishu_emu, sdk):
    from lark_oapi.api.bitable.v1 import ListAppTableRecordRequest

    table_id = make_table(sdk).data.table_id
    create(sdk, table_id, [{"提交编号": "1", "件数": 3}])
    answer = sdk.bitable.v1.app_table_record.list(ListAppTableRecordRequest.builder().app_token(APP_TOKEN)
                                                  .table_id(table_id).build())
    assert answer.code == 0 and answer.data.items[0].fields == {"提交编号": "1", "件数": 3}
