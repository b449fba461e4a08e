import pytest

from forms_app.core import directory
from forms_app.delivery import sheet_layout as sl
from tests.samples import STEWARD

ROW = {"ref": "W222-333", "submission_id": "a" * 32, "created_at": "2026-11-28T14:05:09+08:00", "channel": "网页",
       "area_id": "yanji23", "compound_id": "yanji2", "building": "55号", "room": "601", "category_id": "leak",
       "urgent": 1, "description": "=HYPERLINK(\"http://x\",\"点我\")", "contact_name": "王阿姨",
       "phone": "+8613812345678", "best_time": "上午", "join_reception": 1, "on_behalf": 1,
       "behalf_relation": "邻居", "behalf_consent": 1, "status": "已受理", "public_note": "", "steward_name": "",
       "coordinating": "", "notes": "", "first_contact_at": "", "resolved_at": "", "satisfaction": "",
       "reopened_at": "", "rehandled_at": ""}


@pytest.fixture(scope="module")
def d():
    return directory.load()


def test_report_row_matches_the_headers_and_keeps_text_as_text(d):
    row = sl.report_row(ROW, d)
    assert len(row) == len(sl.REPORTS.headers)
    as_dict = dict(zip(sl.REPORTS.headers, row))
    assert as_dict["问题描述"] == ROW["description"]           # written RAW: stays text in the sheet
    assert as_dict["提交时间"] == "2026-11-28 14:05"
    assert as_dict["联系电话"] == "138 1234 5678"
    assert as_dict["小区"] == "延吉二村" and as_dict["居民区"] == "延吉二三村"
    assert as_dict["代办关系"] == "邻居（本人已同意）" and as_dict["是否紧急"] == "紧急"
    assert as_dict["状态"] == "已受理" and as_dict["负责大管家"] == STEWARD['s5']
    assert all(isinstance(v, str) for v in row)


def test_store_mirrors_exactly_the_stewards_columns():
    assert list(sl.STEWARD_FIELDS.values()) == list(sl.REPORTS.steward_columns)


def test_cells_are_cut_to_googles_limit():
    assert len(sl.cell("字" * 60000)) == sl.CELL_LIMIT


@pytest.mark.parametrize("number, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA")])
def test_column_letter(number, letters):
    assert sl.column_letter(number) == letters


def test_layout_lookups():
    assert sl.REPORTS.col("编号") == 1 and sl.REPORTS.letter("编号") == "A"
    for table in sl.TABLES:                       # the letter follows the column's place in the one list
        for place, header in enumerate(table.headers, start=1):
            assert table.col(header) == place and table.letter(header) == sl.column_letter(place)


@pytest.mark.parametrize("record, expected", [
    ({"场次编号": "2026-12-05-am", "日期": "2026-12-05", "开始": "9:00", "结束": "11:00", "地点": "中心",
      "参加单位": "居委会、物业", "名额": "12", "开放报名": "是"},
     {"id": "2026-12-05-am", "date": "2026-12-05", "capacity": 12, "is_open": 1}),
    ({"场次编号": "x", "日期": "2026/12/05", "开始": "9:00", "结束": "11:00", "名额": "3", "开放报名": "否"},
     {"date": "2026-12-05", "is_open": 0}),
    ({"场次编号": "x", "日期": "下周六", "开始": "9:00", "结束": "11:00", "名额": "3"}, None),
    ({"场次编号": "x", "日期": "2026-12-05", "开始": "9:00", "结束": "11:00", "名额": "很多"}, None),
    ({"场次编号": "", "日期": "2026-12-05", "开始": "9:00", "结束": "11:00", "名额": "3"}, None),
    ({"场次编号": "x", "日期": "2026-12-05", "开始": "9:00", "结束": "11:00", "名额": "-1"}, None),
])
def test_parse_session_from_what_stewards_type(record, expected):
    parsed = sl.parse_session(record)
    if expected is None:
        assert parsed is None
    else:
        assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize("typed, expected", [
    ("9:00", "9:00"), ("09:30", "9:30"), ("9：00", "9:00"), ("9:00:00", "9:00"), ("9点", "9:00"), ("14点30", "14:30"),
    ("", None), ("上午", None), ("25:00", None), ("9:75", None),
])
def test_parse_time(typed, expected):
    assert sl.parse_time(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("2026-12-05", "2026-12-05"), ("2026/12/5", "2026-12-05"), ("2026年12月5日", "2026-12-05"),
    ("2026-12-05 14:00", "2026-12-05"), ("２０２６/１２/５", "2026-12-05"), ("12/5", None), ("2026-02-30", None), ("", None),
])
def test_parse_day(typed, expected):
    day = sl.parse_day(typed)
    assert (day.isoformat() if day else None) == expected


def test_session_with_typed_times_and_capacity_in_words():
    parsed = sl.parse_session({"场次编号": "x", "日期": "2026/12/5", "开始": "9点", "结束": "11：00", "名额": "12人"})
    assert (parsed["start_time"], parsed["end_time"], parsed["capacity"]) == ("9:00", "11:00", 12)


def test_select_fields_offer_the_steward_pages_lists(d):
    from forms_app.core.cases import CHANNELS

    spec = sl.REPORTS.spec(d)
    assert spec.field("状态").kind == "select" and spec.field("状态").options == sl.STATUSES
    assert spec.field("来源").options == CHANNELS
    assert spec.field("问题类别").options == tuple(c.name for c in d.categories.values())
    assert spec.key == "提交编号" and spec.titles == sl.REPORTS.headers


def test_every_value_is_made_by_its_own_column_not_by_position(d):
    values = sl.report_values(ROW, d)
    assert list(values) == list(sl.REPORTS.headers) and values["提交编号"] == ROW["submission_id"]
    assert sl.REPORTS.optional == ("时限",) and "状态" in sl.REPORTS.steward_columns
