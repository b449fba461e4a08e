"""The TableService contract (delivery/tables/base.py), the same tests on every backend's emulator.

Each test runs once per backend through the `backend` / `table_service` fixtures (tests/tables_fixtures.py);
a backend whose adapter or emulator is absent is skipped with the reason.
"""
import pytest

from forms_app.delivery.tables import service_from_config
from forms_app.delivery.tables.base import Field, Record, TableError, TableService, TableSpec
from tests.tables_fixtures import backend, table_service  # noqa: F401

SPEC = TableSpec("问题登记", "提交编号", (
    Field("提交编号", width=120), Field("状态", "select", ("已受理", "处理中", "已解决")),
    Field("问题描述", width=360), Field("联系电话")))
WIDER = TableSpec(SPEC.title, SPEC.key, SPEC.fields + (Field("公开进展", width=280),))


def rows(n, start=0):
    return [{"提交编号": f"{i:032x}", "状态": "已受理", "问题描述": f"第 {i} 个问题", "联系电话": "138 1234 5678"}
            for i in range(start, start + n)]


def test_it_is_a_table_service_named_for_its_backend(backend, table_service):
    assert isinstance(table_service, TableService) and table_service.name == backend.name


def test_ensure_makes_an_empty_table_and_is_safe_to_run_again(backend, table_service):
    table_service.ensure(SPEC)
    table_service.ensure(SPEC)
    assert table_service.records(SPEC) == [] and backend.shown(SPEC.title) == []


def test_added_records_come_back_in_order_by_title_as_plain_text(backend, table_service):
    table_service.ensure(SPEC)
    hostile = {"提交编号": "f" * 32, "状态": "处理中", "问题描述": "=HYPERLINK(\"http://x\",\"点我\")", "联系电话": "+86 138"}
    table_service.add(SPEC, rows(3) + [hostile])
    records = table_service.records(SPEC)
    assert all(isinstance(r, Record) and r.id for r in records) and len({r.id for r in records}) == 4
    assert [{t: r.values.get(t, "") for t in SPEC.titles} for r in records] == rows(3) + [hostile]
    assert [{t: r.get(t, "") for t in SPEC.titles} for r in backend.shown(SPEC.title)] == rows(3) + [hostile]


def test_update_sets_only_the_given_fields_of_the_given_records(backend, table_service):
    table_service.ensure(SPEC)
    table_service.add(SPEC, rows(3))
    first, second, third = table_service.records(SPEC)
    table_service.update(SPEC, [(second.id, {"状态": "已解决", "问题描述": ""})])
    shown = backend.shown(SPEC.title)
    assert shown[1]["状态"] == "已解决" and shown[1]["问题描述"] == "" and shown[1]["联系电话"] == "138 1234 5678"
    assert [{t: r.get(t, "") for t in SPEC.titles} for r in (shown[0], shown[2])] == [rows(1)[0], rows(1, 2)[0]]


def test_more_records_than_one_call_takes_arrive_whole_and_in_order(backend, table_service):
    table_service.ensure(SPEC)
    table_service.add(SPEC, rows(1001))                      # WeCom and Feishu: 500 per call
    records = table_service.records(SPEC)                    # paged inside
    assert [r.values["提交编号"] for r in records] == [f"{i:032x}" for i in range(1001)]


def test_a_value_outside_a_selects_options_is_kept_as_given(backend, table_service):
    table_service.ensure(SPEC)
    table_service.add(SPEC, [{**rows(1)[0], "状态": "暂缓"}])
    assert table_service.records(SPEC)[0].values["状态"] == "暂缓"


def test_ensure_adds_a_missing_field_and_keeps_records_and_other_fields(backend, table_service):
    table_service.ensure(SPEC)
    table_service.add(SPEC, rows(2))
    table_service.ensure(WIDER)
    table_service.ensure(SPEC)                               # never deletes what the spec no longer lists
    records = table_service.records(WIDER)
    assert [r.values["提交编号"] for r in records] == [f"{i:032x}" for i in range(2)]
    assert all(r.values.get("公开进展", "") == "" for r in records)
    table_service.update(WIDER, [(records[0].id, {"公开进展": "物业明天来修。"})])
    assert backend.shown(SPEC.title)[0]["公开进展"] == "物业明天来修。"


def test_wrong_credentials_are_a_table_error(backend):
    wrong = {"google": {"SHEETS_SPREADSHEET_KEY": "NO-SUCH-SHEET"}, "wecom": {"WECOM_CORP_SECRET": "wrong"},
             "feishu": {"FEISHU_APP_SECRET": "wrong"}}[backend.name]
    service = service_from_config({**backend.settings, **wrong})
    try:
        with pytest.raises(TableError):
            service.ensure(SPEC)
    finally:
        service.close()
