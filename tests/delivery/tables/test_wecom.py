"""WeComTables against the WeCom smartsheet emulator over real HTTP: structure, records, tokens, faults."""
import pytest

from forms_app.delivery.tables import wecom
from forms_app.delivery.tables.base import Field, TableError, TableService, TableSpec
from forms_app.delivery.tables.wecom import WeComTables
from tests.wecom_emulator.fixtures import CORP_ID, CORP_SECRET, DOC_ID, wecom_emu, wecom_emulator, wecom_settings  # noqa: F401

SPEC = TableSpec("问题登记", "提交编号", (
    Field("提交编号", width=160), Field("状态", "select", ("待受理", "处理中", "已办结")), Field("问题描述", width=300),
    Field("照片数", "number")))


@pytest.fixture
def tables(wecom_emu):
    service = WeComTables(CORP_ID, CORP_SECRET, DOC_ID, wecom_emu.url, timeout=1.0)
    yield service
    service.close()


def writes(emu) -> dict:
    calls = emu.state.stats()["calls"]
    return {k: calls.get(k, 0) for k in ("add_sheet", "add_fields", "update_fields", "add_records", "update_records")}


def test_it_offers_the_table_service_interface_and_is_built_from_the_settings(wecom_emu):
    service = WeComTables.from_config({**wecom_settings(wecom_emu), "SHEETS_TIMEOUT": 5})
    assert isinstance(service, TableService) and service.name == "wecom"
    assert service.client.base_url == wecom_emu.url and service.doc_id == DOC_ID
    service.close()


def test_ensure_creates_the_table_with_typed_fields_and_running_it_again_writes_nothing(tables, wecom_emu):
    assert tables.ensure(SPEC) == ["新建子表「问题登记」", "「问题登记」加字段：提交编号、状态、问题描述、照片数"]
    sheet = wecom_emu.state.sheet_by_title("问题登记")
    assert [(f.field_title, f.field_type) for f in sheet.fields] == [
        ("提交编号", "FIELD_TYPE_TEXT"), ("状态", "FIELD_TYPE_SINGLE_SELECT"), ("问题描述", "FIELD_TYPE_TEXT"),
        ("照片数", "FIELD_TYPE_NUMBER")]
    assert [o["text"] for o in sheet.fields[1].options] == ["待受理", "处理中", "已办结"]
    before = writes(wecom_emu)
    assert WeComTables(CORP_ID, CORP_SECRET, DOC_ID, wecom_emu.url).ensure(SPEC) == []
    assert tables.ensure(SPEC) == []
    assert writes(wecom_emu) == before


def test_ensure_adds_missing_fields_and_options_and_keeps_the_stewards_own(tables, wecom_emu):
    tables.ensure(TableSpec("问题登记", "提交编号", (Field("提交编号"), Field("状态", "select", ("待受理",)))))
    sheet = wecom_emu.state.sheet_by_title("问题登记")
    from tests.wecom_emulator.state import Field as EmuField
    sheet.fields.append(EmuField("own01", "管家备注", "FIELD_TYPE_TEXT"))   # a steward's own column
    assert WeComTables(CORP_ID, CORP_SECRET, DOC_ID, wecom_emu.url).ensure(SPEC) == [
        "「问题登记」加字段：问题描述、照片数", "「问题登记」的「状态」加选项：处理中、已办结"]
    assert [f.field_title for f in sheet.fields] == ["提交编号", "状态", "管家备注", "问题描述", "照片数"]
    assert [o["text"] for o in sheet.fields[1].options] == ["待受理", "处理中", "已办结"]


def test_add_records_and_update_round_trip_as_plain_text(tables, wecom_emu):
    tables.add(SPEC, [{"提交编号": "20000001", "状态": "待受理", "问题描述": "楼道灯坏了", "照片数": "2"},
                      {"提交编号": "20000002", "状态": "", "问题描述": "=1+1", "照片数": ""}])
    records = tables.records(SPEC)
    assert [r.values for r in records] == [
        {"提交编号": "20000001", "状态": "待受理", "问题描述": "楼道灯坏了", "照片数": "2"},
        {"提交编号": "20000002", "状态": "", "问题描述": "=1+1", "照片数": ""}]
    tables.update(SPEC, [(records[0].id, {"状态": "已办结"}), (records[1].id, {"问题描述": ""})])
    assert wecom_emu.records("问题登记") == [
        {"提交编号": "20000001", "状态": "已办结", "问题描述": "楼道灯坏了", "照片数": "2"},
        {"提交编号": "20000002", "状态": "", "问题描述": "", "照片数": ""}]


def test_a_value_outside_the_options_is_added_as_an_option_first(tables, wecom_emu):
    tables.add(SPEC, [{"提交编号": "1", "状态": "暂缓"}])
    options = wecom_emu.state.sheet_by_title("问题登记").fields[1].options
    assert [o["text"] for o in options] == ["待受理", "处理中", "已办结", "暂缓"]
    assert wecom_emu.state.stats()["calls"]["update_fields"] == 1


def test_adds_go_500_records_per_call_and_reads_1000_per_page(tables, wecom_emu):
    tables.add(SPEC, [{"提交编号": str(i)} for i in range(1201)])
    assert wecom_emu.state.stats()["calls"]["add_records"] == 3
    pages_before = wecom_emu.state.stats()["calls"]["get_records"]
    records = tables.records(SPEC)
    assert [r.values["提交编号"] for r in records] == [str(i) for i in range(1201)]
    assert wecom_emu.state.stats()["calls"]["get_records"] - pages_before == 2


def test_a_table_past_its_limits_is_refused_before_anything_is_sent(tables, wecom_emu, monkeypatch):
    tables.add(SPEC, [{"提交编号": "1"}, {"提交编号": "2"}])
    monkeypatch.setattr(wecom, "MAX_ROWS", 3)
    before = writes(wecom_emu)
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, [{"提交编号": "3"}, {"提交编号": "4"}])
    assert not caught.value.retryable and "3 条记录" in str(caught.value) and "问题登记" in str(caught.value)
    assert writes(wecom_emu) == before and len(wecom_emu.records("问题登记")) == 2
    monkeypatch.setattr(wecom, "MAX_ROWS", 100_000)
    monkeypatch.setattr(wecom, "MAX_CELLS", 8)   # 4 fields × 3 records = 12 cells
    with pytest.raises(TableError, match="单元格"):
        tables.add(SPEC, [{"提交编号": "3"}])


def test_the_token_is_cached_and_fetched_again_when_it_expires_mid_run(tables, wecom_emu):
    tables.add(SPEC, [{"提交编号": "1"}])
    tables.records(SPEC)
    assert wecom_emu.state.stats()["tokens_issued"] == 1
    wecom_emu.state.expire_tokens()
    tables.add(SPEC, [{"提交编号": "2"}])
    assert wecom_emu.state.stats()["tokens_issued"] == 2 and wecom_emu.state.stats()["errcodes"]["42001"] == 1
    wecom_emu.faults.add("expire_token", op="update_records")
    tables.update(SPEC, [(tables.records(SPEC)[0].id, {"状态": "处理中"})])
    assert wecom_emu.records("问题登记")[0]["状态"] == "处理中"
    assert [r["提交编号"] for r in wecom_emu.records("问题登记")] == ["1", "2"]


def test_an_invalid_token_is_replaced_once(tables, wecom_emu):
    tables.records(SPEC)
    tables.client._token = "forged"
    tables.records(SPEC)
    assert wecom_emu.state.stats()["errcodes"]["40014"] == 1


def test_wrong_credentials_are_not_retried(wecom_emu):
    service = WeComTables(CORP_ID, "wrong", DOC_ID, wecom_emu.url)
    with pytest.raises(TableError) as caught:
        service.records(SPEC)
    assert caught.value.code == 40001 and not caught.value.retryable and "WECOM_CORP_SECRET" in str(caught.value)
    service.close()


# kind, extra, retryable, ambiguous, applied
FAULTS = [
    ("errcode", {"code": 45009}, True, False, False),     # frequency limit: nothing applied
    ("errcode", {"code": 45033}, True, False, False),     # concurrency limit
    ("errcode", {"code": -1}, True, True, False),         # system busy: on a write, maybe applied
    ("errcode", {"code": 40058}, False, False, False),    # bad parameter: not retried
    ("status", {"status": 502}, True, True, False),
    ("status", {"status": 503}, True, True, False),
    ("drop", {}, True, True, False),
    ("delay", {"seconds": 2.0}, True, True, False),        # past the 1 s client timeout
    ("delay", {"seconds": 2.0, "apply_first": True}, True, True, True),
    ("applied_then_drop", {}, True, True, True),
    ("applied_then_status", {"status": 500}, True, True, True),
    ("applied_then_errcode", {}, True, True, True),
]


@pytest.mark.parametrize("kind,extra,retryable,ambiguous,applied", FAULTS)
def test_every_write_fault_becomes_an_honest_table_error(tables, wecom_emu, kind, extra, retryable, ambiguous, applied):
    tables.ensure(SPEC)
    wecom_emu.faults.add(kind, op="add_records", **extra)
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, [{"提交编号": "1"}])
    assert (caught.value.retryable, caught.value.ambiguous) == (retryable, ambiguous)
    assert len(wecom_emu.records("问题登记")) == int(applied)
    tables.add(SPEC, [{"提交编号": "2"}])   # the adapter works on after the fault
    assert wecom_emu.records("问题登记")[-1]["提交编号"] == "2"


@pytest.mark.parametrize("kind,extra", [("errcode", {"code": 45009}), ("status", {"status": 502}), ("drop", {}),
                                        ("delay", {"seconds": 2.0})])
def test_read_faults_are_retryable_and_never_ambiguous(tables, wecom_emu, kind, extra):
    tables.ensure(SPEC)
    wecom_emu.faults.add(kind, op="get_records", **extra)
    with pytest.raises(TableError) as caught:
        tables.records(SPEC)
    assert caught.value.retryable and not caught.value.ambiguous


def test_the_documented_rate_limit_is_a_retryable_refusal(tables, wecom_emu):
    tables.ensure(SPEC)
    wecom_emu.state.configure(rate_per_minute=1)
    tables.records(SPEC)
    with pytest.raises(TableError) as caught:
        tables.records(SPEC)
    assert caught.value.code == 45009 and caught.value.retryable and not caught.value.ambiguous


def test_an_unreachable_host_is_retryable_and_not_ambiguous():
    service = WeComTables(CORP_ID, CORP_SECRET, DOC_ID, "http://127.0.0.1:9", timeout=1.0)
    with pytest.raises(TableError) as caught:
        service.add(SPEC, [{"提交编号": "1"}])
    assert caught.value.retryable and not caught.value.ambiguous
    service.close()


@pytest.mark.parametrize("kind", ["applied_then_drop", "drop"])
def test_a_failed_option_update_is_re_read_before_the_next_write(tables, wecom_emu, kind):
    tables.ensure(SPEC)
    wecom_emu.faults.add(kind, op="update_fields")
    with pytest.raises(TableError):
        tables.add(SPEC, [{"提交编号": "1", "状态": "暂缓"}])
    tables.add(SPEC, [{"提交编号": "1", "状态": "暂缓"}])
    options = [o["text"] for o in wecom_emu.state.sheet_by_title("问题登记").fields[1].options]
    assert options.count("暂缓") == 1 and wecom_emu.records("问题登记") == [
        {"提交编号": "1", "状态": "暂缓", "问题描述": "", "照片数": ""}]


def test_another_host_is_just_a_base_url_for_gov_wecom(wecom_emu):
    service = WeComTables.from_config({**wecom_settings(wecom_emu), "WECOM_API_BASE_URL": wecom_emu.url + "/"})
    service.add(SPEC, [{"提交编号": "1"}])
    assert wecom_emu.records("问题登记")[0]["提交编号"] == "1"
    service.close()


def test_a_sub_sheet_the_stewards_deleted_is_made_again_after_one_failed_call(tables, wecom_emu):
    tables.add(SPEC, [{"提交编号": "1"}])
    document = wecom_emu.state.docs[DOC_ID]
    document.sheets = [s for s in document.sheets if s.title != "问题登记"]
    with pytest.raises(TableError) as caught:
        tables.add(SPEC, [{"提交编号": "2"}])
    assert caught.value.code == 40058 and not caught.value.ambiguous
    tables.add(SPEC, [{"提交编号": "2"}])
    assert [r["提交编号"] for r in wecom_emu.records("问题登记")] == ["2"]
