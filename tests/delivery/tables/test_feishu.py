"""FeishuTables over real HTTP: the lark-oapi SDK against the Feishu emulator — structure, values,
batches, paging, token expiry mid-run, and every fault kind classified honestly."""
import pytest
from lark_oapi.api.bitable.v1 import ListAppTableFieldRequest

from forms_app.delivery.tables import BackendUnavailable, service_from_config
from forms_app.delivery.tables.base import Field, TableError, TableSpec
from forms_app.delivery.tables.feishu import FeishuTables, cell_text, number_value
from tests.feishu_emulator.fixtures import (APP_ID, APP_SECRET, APP_TOKEN, feishu_emu, feishu_emulator,  # noqa: F401
                                            feishu_settings, sdk_client)
from tests.sinks import closed_port

SPEC = TableSpec("问题登记", "提交编号", (
    Field("提交编号", width=110), Field("状态", "select", ("待处理", "处理中", "已办结")),
    Field("问题类别", "select", ("电梯", "漏水")), Field("描述", width=300), Field("件数", "number")))


@pytest.fixture
def tables(feishu_emu):
    service = FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url, timeout=1.5)
    yield service
    service.close()


def rows(n, start=0):
    return [{"提交编号": f"2{i:07d}", "状态": "待处理", "问题类别": "电梯", "描述": f"第 {i} 件"} for i in range(start, start + n)]


def writes(emu) -> int:
    return emu.state.stats()["writes"]


def test_the_config_chooses_feishu_with_the_four_settings(feishu_emu):
    service = service_from_config(feishu_settings(feishu_emu))
    assert isinstance(service, FeishuTables) and service.name == "feishu" and service.app_token == APP_TOKEN
    assert service.client.config.timeout == 30.0
    assert service_from_config({**feishu_settings(feishu_emu), "SHEETS_TIMEOUT": 2.5}).client.config.timeout == 2.5


def test_missing_settings_are_named(feishu_emu):
    with pytest.raises(BackendUnavailable) as caught:
        FeishuTables.from_config({**feishu_settings(feishu_emu), "FEISHU_APP_TOKEN": ""})
    assert "FEISHU_APP_TOKEN" in str(caught.value)


def test_ensure_creates_the_table_with_its_fields_and_options_and_twice_is_a_no_op(feishu_emu, tables):
    assert tables.ensure(SPEC) == ["新建数据表「问题登记」（5 个字段）"]
    first = writes(feishu_emu)
    assert tables.ensure(SPEC) == []
    assert writes(feishu_emu) == first == 1      # one tables.create, nothing the second time
    fields = sdk_client(feishu_emu).bitable.v1.app_table_field.list(
        ListAppTableFieldRequest.builder().app_token(APP_TOKEN).table_id(tables._table_ids["问题登记"]).build()).data.items
    assert [(f.field_name, f.type) for f in fields] == [("提交编号", 1), ("状态", 3), ("问题类别", 3), ("描述", 1), ("件数", 2)]
    assert fields[0].is_primary and [o.name for o in fields[1].property.options] == ["待处理", "处理中", "已办结"]


def test_ensure_adds_missing_fields_and_keeps_the_stewards_own(feishu_emu, tables):
    FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url).ensure(
        TableSpec("问题登记", "提交编号", (Field("提交编号"), Field("管家备注"))))
    tables.ensure(SPEC)
    table_id = tables._table_ids["问题登记"]
    names = list(tables._fields(table_id, fresh=True))
    assert names == ["提交编号", "管家备注", "状态", "问题类别", "描述", "件数"]


def test_ensure_adds_missing_options_and_keeps_the_stewards_own(feishu_emu, tables):
    FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url).ensure(
        TableSpec("问题登记", "提交编号", (Field("提交编号"), Field("状态", "select", ("待处理", "暂缓")))))
    field = feishu_emu.state.apps[APP_TOKEN].table_named("问题登记").field_named("状态")
    kept = {o["name"]: o["id"] for o in field.options()}
    assert tables.ensure(SPEC) == ["「问题登记」字段「状态」新增选项：处理中、已办结", "「问题登记」新增字段「问题类别」",
                                   "「问题登记」新增字段「描述」", "「问题登记」新增字段「件数」"]
    assert [o["name"] for o in field.options()] == ["待处理", "暂缓", "处理中", "已办结"]
    assert {o["name"]: o["id"] for o in field.options()}.items() >= kept.items()
    before = writes(feishu_emu)
    tables.ensure(SPEC)
    assert writes(feishu_emu) == before


def test_add_records_update_round_trip_as_plain_text(feishu_emu, tables):
    tables.ensure(SPEC)
    tables.add(SPEC, [{"提交编号": "20000001", "状态": "待处理", "问题类别": "其他", "描述": "=1+1 @楼上", "件数": "2"},
                      {"提交编号": "20000002", "状态": "", "描述": "", "件数": "两"}])
    got = tables.records(SPEC)
    assert [r.values for r in got] == [
        {"提交编号": "20000001", "状态": "待处理", "问题类别": "其他", "描述": "=1+1 @楼上", "件数": "2"},
        {"提交编号": "20000002", "状态": "", "问题类别": "", "描述": "", "件数": ""}]
    assert all(r.id.startswith("rec") for r in got)
    tables.update(SPEC, [(got[0].id, {"状态": "已办结", "描述": ""}), (got[1].id, {"件数": "7"})])
    assert feishu_emu.records("问题登记") == [
        {"提交编号": "20000001", "状态": "已办结", "问题类别": "其他", "描述": "", "件数": "2"},
        {"提交编号": "20000002", "状态": "", "问题类别": "", "描述": "", "件数": "7"}]


def test_a_value_not_among_the_options_becomes_an_option(feishu_emu, tables):
    tables.ensure(SPEC)
    tables.add(SPEC, [{"提交编号": "1", "问题类别": "停车"}])
    table = feishu_emu.state.apps[APP_TOKEN].table_named("问题登记")
    assert [o["name"] for o in table.field_named("问题类别").options()] == ["电梯", "漏水", "停车"]


def test_add_and_update_send_at_most_500_records_a_call(feishu_emu, tables):
    feishu_emu.state.max_batch = 500
    tables.ensure(SPEC)
    tables.add(SPEC, rows(1201))
    assert feishu_emu.state.stats()["requests"]["records.batch_create"] == 3
    got = tables.records(SPEC)
    assert feishu_emu.state.stats()["requests"]["records.search"] == 3     # 500 a page
    assert [r.values["提交编号"] for r in got] == [f"2{i:07d}" for i in range(1201)]
    tables.update(SPEC, [(r.id, {"状态": "处理中"}) for r in got])
    assert feishu_emu.state.stats()["requests"]["records.batch_update"] == 3
    assert {r["状态"] for r in feishu_emu.records("问题登记")} == {"处理中"}


def test_a_table_made_by_hand_is_found_and_its_extra_fields_read(feishu_emu, tables):
    FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url).ensure(
        TableSpec("问题登记", "提交编号", SPEC.fields + (Field("管家备注"),)))
    tables.add(SPEC, [{"提交编号": "1"}])
    assert tables.records(SPEC)[0].values["管家备注"] == ""


def test_the_token_expiring_mid_run_is_refreshed_and_the_call_sent_once(feishu_emu, tables):
    tables.ensure(SPEC)
    tables.add(SPEC, rows(2))
    feishu_emu.state.expire_tokens()
    tables.add(SPEC, rows(1, start=2))
    assert len(tables.records(SPEC)) == 3
    feishu_emu.faults.add("token_expired", op="records.batch_update")
    got = tables.records(SPEC)
    tables.update(SPEC, [(got[0].id, {"状态": "已办结"})])
    assert feishu_emu.records("问题登记")[0]["状态"] == "已办结"
    assert feishu_emu.state.stats()["requests"]["token"] == 3


def test_tokens_that_expire_within_the_sdks_margin_are_fetched_again(feishu_emu, tables):
    feishu_emu.state.token_ttl = 300                    # the SDK keeps a token until 10 minutes before expiry
    tables.ensure(SPEC)
    tables.records(SPEC)
    assert feishu_emu.state.stats()["requests"]["token"] >= 2


def test_wrong_credentials_are_not_retryable(feishu_emu):
    with pytest.raises(TableError) as caught:
        FeishuTables(APP_ID, "wrong-secret", APP_TOKEN, feishu_emu.url).ensure(SPEC)
    assert caught.value.code == 10014 and not caught.value.retryable and not caught.value.ambiguous


def test_a_missing_base_is_not_retryable(feishu_emu):
    with pytest.raises(TableError) as caught:
        FeishuTables(APP_ID, APP_SECRET, "bascnNoSuch", feishu_emu.url).ensure(SPEC)
    assert caught.value.code == 1254040 and not caught.value.retryable


FAULTS = [  # fault, retryable, ambiguous, applied
    ({"kind": "rate_limit"}, True, False, 0),
    ({"kind": "code", "code": 1254290}, True, False, 0),
    ({"kind": "code", "code": 1254291}, True, False, 0),
    ({"kind": "code", "code": 1254607}, True, False, 0),
    ({"kind": "code", "code": 1254045}, False, False, 0),
    ({"kind": "token_expired", "times": 2}, True, False, 0),
    ({"kind": "status", "status": 500}, True, True, 0),
    ({"kind": "status", "status": 502}, True, True, 0),
    ({"kind": "status", "status": 504}, True, True, 0),
    ({"kind": "drop"}, True, True, 0),
    ({"kind": "applied_then_drop"}, True, True, 1),
    ({"kind": "applied_then_status", "status": 500}, True, True, 1),
    ({"kind": "applied_then_status", "status": 502}, True, True, 1),
    ({"kind": "delay", "seconds": 2.5, "apply_first": True}, True, True, 1),
]


@pytest.mark.parametrize("fault, retryable, ambiguous, applied", FAULTS, ids=lambda v: str(v))
def test_every_fault_on_a_write_is_classified_honestly(feishu_emu, tables, fault, retryable, ambiguous, applied):
    tables.ensure(SPEC)
    feishu_emu.faults.add(op="records.batch_create", **fault)
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, rows(3))
    assert (caught.value.retryable, caught.value.ambiguous) == (retryable, ambiguous)
    assert len(feishu_emu.records("问题登记")) == 3 * applied
    feishu_emu.faults.clear()
    tables.add(SPEC, rows(1, start=3))                # and the next call goes through
    assert len(feishu_emu.records("问题登记")) == 3 * applied + 1


@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "status", "status": 503}, {"kind": "rate_limit"},
                                   {"kind": "delay", "seconds": 2.5}], ids=lambda v: v["kind"])
def test_faults_on_reads_are_retryable_and_never_ambiguous(feishu_emu, tables, fault):
    tables.ensure(SPEC)
    feishu_emu.faults.add(op="records.search", **fault)
    with pytest.raises(TableError) as caught:
        tables.records(SPEC)
    assert caught.value.retryable and not caught.value.ambiguous


@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "status", "status": 502}, {"kind": "rate_limit"}],
                         ids=lambda v: v["kind"])
def test_a_failing_token_call_is_retryable_and_never_ambiguous(feishu_emu, tables, fault):
    feishu_emu.faults.add(op="token", **fault)
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, rows(1))
    assert caught.value.retryable and not caught.value.ambiguous
    assert feishu_emu.state.stats()["writes"] == 0


def test_a_service_that_cannot_be_reached_is_retryable_and_not_ambiguous():
    port = closed_port()
    service = FeishuTables(f"cli_unreach{port}", APP_SECRET, APP_TOKEN, f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(TableError) as caught:
        service.add(SPEC, rows(1))
    assert caught.value.retryable and not caught.value.ambiguous


def test_ambiguous_timeout_then_rereading_finds_the_write(feishu_emu, tables):
    tables.ensure(SPEC)
    feishu_emu.faults.add("delay", op="records.batch_create", seconds=2.0, apply_first=True)
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, rows(2))
    assert caught.value.ambiguous
    assert [r.values["提交编号"] for r in tables.records(SPEC)] == ["20000000", "20000001"]


@pytest.mark.parametrize("value, text", [(None, ""), ("x", "x"), (3, "3"), (2.0, "2"), (2.5, "2.5"), (True, "true"),
                                         ([{"type": "text", "text": "a"}, {"type": "mention", "text": "@b"}], "a@b"),
                                         (["甲", "乙"], "甲,乙"), ([{"name": "张三", "id": "ou_1"}], "张三"),
                                         ({"link": "https://x", "text": "链接"}, "链接")])
def test_cells_read_as_plain_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("text, number", [("12", 12), ("1.5", 1.5), (" 3 ", 3), ("两", None), ("nan", None), ("", None)])
def test_numbers_from_text(text, number):
    assert number_value(text) == number


def test_a_table_deleted_and_made_again_by_hand_is_found_again(feishu_emu, tables):
    tables.ensure(SPEC)
    tables.add(SPEC, rows(1))
    app = feishu_emu.state.apps[APP_TOKEN]
    app.tables.clear()                                     # a steward deletes the table ...
    FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url).ensure(SPEC)   # ... and sheet-setup makes it again
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, rows(1, start=1))
    assert caught.value.code == 1254041 and caught.value.retryable and not caught.value.ambiguous
    tables.add(SPEC, rows(1, start=1))
    assert [r["提交编号"] for r in feishu_emu.records("问题登记")] == ["20000001"]


def test_a_field_deleted_by_hand_stops_delivery_loudly_until_sheet_setup(feishu_emu, tables):
    tables.ensure(SPEC)
    table = feishu_emu.state.apps[APP_TOKEN].table_named("问题登记")
    table.fields = [f for f in table.fields if f.field_name != "描述"]
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, rows(1))
    assert caught.value.code == 1254045 and not caught.value.retryable
    assert FeishuTables(APP_ID, APP_SECRET, APP_TOKEN, feishu_emu.url).ensure(SPEC) == ["「问题登记」新增字段「描述」"]
    tables.add(SPEC, rows(1))
    assert feishu_emu.records("问题登记")[0]["描述"] == "第 0 件"
