"""Working days past chinese-calendar's last year: the office's file, the statutory fallback, the warnings."""
import datetime as dt
import json
import textwrap

import pytest
import yaml

from forms_app.core import clock, deadlines, workdays
from forms_app.core.workdays import WorkdaysError

D = dt.date
REAL = workdays.DEFAULT_PATH
# A year added by the office — a FAKE notice for the tests only (no such notice exists).
FAKE_2027 = textwrap.dedent("""
    years:
      2027:
        notice:
          title: 测试用虚构通知（不是真的放假安排）
          number: 国办发明电〔2026〕99号
          date: 2026-11-20
        holidays:
          - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
          - {name: 春节, from: 2027-02-05, to: 2027-02-12}
        workdays: [2027-02-13, 2027-02-20]
""")


def statutory_block() -> str:
    return yaml.safe_dump({"statutory": yaml.safe_load(REAL.read_text(encoding="utf-8"))["statutory"]},
                          allow_unicode=True)


@pytest.fixture(autouse=True)
def fresh():
    workdays.reset()
    yield
    workdays.configure(None)
    workdays.reset()


@pytest.fixture
def with_file(tmp_path):
    """Use a working-day file with the real statutory list and the given `years:` text."""
    def use(years_text: str):
        path = tmp_path / "workdays.yaml"
        path.write_text(statutory_block() + years_text, encoding="utf-8")
        workdays.configure(path)
        workdays.reset()
        return path
    return use


def test_the_shipped_file_has_no_year_typed_from_memory():
    data = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    assert data["years"] == {}          # only a published notice goes in; none for 2027 is known
    assert data["statutory"]["confirmed"] is False   # the office confirms the list (docs/site/to-confirm.md)


@pytest.mark.parametrize("day, working", [
    (D(2026, 12, 31), True),    # Thursday, chinese-calendar
    (D(2027, 1, 1), False),     # 元旦 (statutory fallback)
    (D(2027, 1, 2), False),     # Saturday
    (D(2027, 1, 4), True),      # Monday
    (D(2027, 2, 4), True),      # Thursday before the Spring Festival
    (D(2027, 2, 5), False),     # 除夕 (Friday): statutory holiday, lunar date computed
    (D(2027, 2, 8), False),     # 正月初三 (Monday)
    (D(2027, 2, 9), True),      # Tuesday after
    (D(2027, 4, 5), False),     # 清明 (solar term)
    (D(2027, 6, 9), False),     # 端午
    (D(2027, 9, 15), False),    # 中秋
    (D(2027, 10, 1), False),    # 国庆
])
def test_2027_falls_back_to_the_statutory_holidays_not_plain_weekdays(day, working):
    assert clock.is_working_day(day) is working
    assert workdays.provisional(day) is (day.year == 2027)


def test_deadlines_across_new_year_and_the_2027_spring_festival():
    # Thu 2026-12-31 + 1 working day: 元旦 Fri, then the weekend → Mon 2027-01-04.
    assert clock.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # Thu 2027-02-04 + 1: 除夕 … 初三 (Fri–Mon) are holidays → Tue 02-09.
    assert clock.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 9)
    # 15 working days from 2026-12-21 never count 元旦.
    assert deadlines.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    due = deadlines.resolve_due("2026-12-21T10:00:00+08:00", deadlines.Limits())
    assert due == D(2027, 1, 12)


def test_a_year_no_source_knows_still_has_its_holidays():
    # 2040: no notice, no library data — 春节 2040 is 2-12 (除夕 2-11), computed.
    assert not clock.is_working_day(D(2040, 2, 13))
    assert clock.is_working_day(D(2040, 2, 16)) and workdays.provisional(D(2040, 2, 16))
    assert workdays.current().holiday_name(D(2040, 2, 11)) == "春节"


def test_a_year_added_in_the_file_overrides_the_fallback(with_file):
    with_file(FAKE_2027)
    assert not workdays.provisional(D(2027, 3, 1))
    assert not clock.is_working_day(D(2027, 1, 3)) and not clock.is_working_day(D(2027, 2, 12))
    assert clock.is_working_day(D(2027, 2, 13))      # a 调休 Saturday from the (fake) notice
    assert clock.is_working_day(D(2027, 4, 5))       # no 清明 span in the fake notice: the file rules that year
    assert clock.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 13)
    assert workdays.warning(D(2026, 12, 7)) == ""
    assert workdays.current().notices[2027].number == "国办发明电〔2026〕99号"


def test_cached_arithmetic_follows_the_file(with_file):
    assert clock.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 9)
    with_file(FAKE_2027)
    assert clock.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 13)
    assert deadlines.working_days_between(D(2027, 2, 4), D(2027, 2, 13)) == 1


@pytest.mark.parametrize("years, message", [
    ("years:\n  2027:\n    holidays: []\n", "缺少 notice"),
    ("years:\n  2027:\n    notice: {title: x, number: 国办发〔2026〕1号, date: 2026-11-01}\n"
     "    holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n", "文号"),
    ("years:\n  2027:\n    notice: {title: x, number: 国办发明电〔2026〕1号, date: 2026-11-01}\n"
     "    holidays: [{name: 元旦, from: 2027-01-03, to: 2027-01-01}]\n", "from/to"),
    ("years:\n  2027:\n    notice: {title: x, number: 国办发明电〔2026〕1号, date: 2026-11-01}\n"
     "    holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n    workdays: [2027-01-04]\n", "不是周六或周日"),
    ("years:\n  2027:\n    notice: {title: x, number: 国办发明电〔2026〕1号, date: 2026-11-01}\n"
     "    holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n    workdays: [2027-13-01]\n", "2027-01-01 这样"),
])
def test_a_wrong_entry_is_refused_naming_it(with_file, years, message):
    with_file(years)
    with pytest.raises(WorkdaysError, match=message):
        workdays.current()


def test_a_broken_file_stops_the_app_at_start(tmp_path, app_config):
    from forms_app import create_app

    bad = tmp_path / "bad.yaml"
    bad.write_text("statutory: {}\n", encoding="utf-8")
    with pytest.raises(WorkdaysError, match="statutory.holidays"):
        create_app({**app_config, "WORKDAYS_FILE": str(bad)})


@pytest.mark.parametrize("today, years", [
    (D(2026, 11, 1), []),           # 61 days before 2027: not yet
    (D(2026, 11, 2), [2027]),       # 60 days before: from now on
    (D(2026, 12, 7), [2027]),       # today
    (D(2027, 1, 4), [2027]),        # inside the year, still no notice
    (D(2027, 11, 2), [2027, 2028]),
])
def test_the_warning_window(today, years):
    assert workdays.missing_years(today) == years
    text = workdays.warning(today)
    assert bool(text) is bool(years)
    for year in years:
        assert f"{year}年" in text and "data/workdays.yaml" in text


@pytest.fixture
def at(clock_at):
    return clock_at


def test_healthz_names_the_year(client, at):
    at("2026-12-07T10:00:00+08:00")
    body = json.loads(client.get("/healthz").data)
    assert body["status"] == "ok" and body["workdays_missing_years"] == [2027]
    assert body["workdays"].startswith("2027年")
    at("2026-10-01T10:00:00+08:00")
    body = json.loads(client.get("/healthz").data)
    assert body["workdays"] == "ok" and body["workdays_missing_years"] == []


def test_start_up_logs_the_warning(app_config, caplog, at):
    from forms_app import create_app

    at("2026-12-07T10:00:00+08:00")
    with caplog.at_level("WARNING", logger="forms_app"):
        create_app(app_config)
    assert any("2027年的放假和调休安排还没有录入" in r.getMessage() for r in caplog.records)


def test_digest_and_supervise_carry_the_warning(app, at):
    at("2026-12-07T18:00:00+08:00")
    digest_out = app.test_cli_runner().invoke(args=["digest", "--print", "--date", "2026-12-07"]).output
    assert "【工作日提醒】" in digest_out and "2027年" in digest_out
    supervise_out = app.test_cli_runner().invoke(args=["supervise", "--print"]).output
    assert "【工作日提醒】" in supervise_out and "2027年" in supervise_out
    quiet = app.test_cli_runner().invoke(args=["digest", "--print", "--date", "2026-10-07"]).output
    assert "【工作日提醒】" not in quiet


def test_supervisor_page_shows_the_warning(app, client, at):
    from tests.conftest import add_accounts, sign_in

    at("2026-12-07T10:00:00+08:00")
    add_accounts(app.config["DATABASE"])
    sign_in(client, "duban")
    page = client.get("/forms/steward/supervise").get_data(as_text=True)
    assert 'id="workdays-warning"' in page and "2027年的放假和调休安排还没有录入" in page


def test_a_due_date_in_a_year_without_a_schedule_is_marked_provisional_for_stewards():
    from tests.core.test_deadlines import DIRECTORY, row

    case = row(created="2026-12-28T10:00:00+08:00")   # resolution due in January 2027
    words = deadlines.summary(dict(case, first_contact_at="2026-12-28 11:00"), DIRECTORY, D(2026, 12, 29))
    assert words.startswith("办结还有") and "2027" not in words and words.endswith("前，暂定）")
    assert "暂定" not in deadlines.summary(row(created="2026-11-02T10:00:00+08:00"), DIRECTORY, D(2026, 11, 3))
