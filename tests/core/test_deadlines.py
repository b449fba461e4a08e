"""The deadline rule (forms_app/core/deadlines.py): due dates on the official calendar, reasons in words."""
import datetime as dt

import pytest

from forms_app.core import deadlines
from forms_app.core.directory import DirectoryError, load, parse
from tests.conftest import directory_file, slow_garbage

import yaml
from pathlib import Path

DIRECTORY = load()
D = dt.date


def row(created="2026-02-13T10:00:00+08:00", category="garbage", urgent=0, status="已受理", first_contact_at="",
        resolved_at="", updated_at="", reopened_at="", rehandled_at=""):
    return {"created_at": created, "category_id": category, "urgent": urgent, "status": status,
            "first_contact_at": first_contact_at, "resolved_at": resolved_at, "updated_at": updated_at or created,
            "reopened_at": reopened_at, "rehandled_at": rehandled_at}


@pytest.mark.parametrize("created, urgent, due", [
    ("2026-02-13T10:00:00+08:00", False, D(2026, 2, 14)),   # Fri → Sat 2-14 is a 调休 working day
    ("2026-02-14T10:00:00+08:00", False, D(2026, 2, 24)),   # Sat (调休) → Spring Festival → Tue 2-24
    ("2026-02-16T23:59:00+08:00", False, D(2026, 2, 24)),   # in the holiday
    ("2026-09-25T09:00:00+08:00", False, D(2026, 9, 28)),   # Fri → Mid-autumn weekend → Mon
    ("2026-10-09T09:00:00+08:00", False, D(2026, 10, 10)),  # Fri → Sat 10-10 (调休 after National Day)
    ("2026-02-15T08:00:00+08:00", True, D(2026, 2, 15)),    # urgent: the same day, holiday or not
    ("2026-12-01T22:00:00+08:00", True, D(2026, 12, 1)),
])
def test_first_contact_due_follows_the_official_calendar(created, urgent, due):
    assert deadlines.first_contact_due(created, urgent, deadlines.Limits()) == due


def test_resolution_target_counts_fifteen_working_days_across_spring_festival():
    # From Fri 2-13: 2-14 (调休), 2-24 … working days only; 2-28 is a 调休 Saturday.
    due = deadlines.resolve_due("2026-02-13T10:00:00+08:00", deadlines.Limits())
    assert due == D(2026, 3, 12)  # 2-14, 2-24…2-28 (6), 3-2…3-6 (11), 3-9…3-12 (15)
    assert deadlines.working_days_between(D(2026, 2, 13), due) == 15


def test_urgent_is_the_ticked_box_or_the_urgent_category():
    assert deadlines.is_urgent(row(category="leak"), DIRECTORY)           # urgent category, box not ticked
    assert deadlines.is_urgent(row(category="garbage", urgent=1), DIRECTORY)
    assert not deadlines.is_urgent(row(category="garbage"), DIRECTORY)


def test_overdue_reason_in_words():
    case = row(created="2026-12-01T10:00:00+08:00")
    assert deadlines.summary(case, DIRECTORY, D(2026, 12, 2)) == "先行联系今天到期"
    assert deadlines.summary(case, DIRECTORY, D(2026, 12, 3)) == "先行联系超时 1 个工作日"
    assert deadlines.summary(case, DIRECTORY, D(2026, 12, 7)) == "先行联系超时 3 个工作日"  # weekend not counted
    contacted = row(created="2026-12-01T10:00:00+08:00", first_contact_at="2026-12-01 15:00", status="处理中")
    assert deadlines.summary(contacted, DIRECTORY, D(2026, 12, 2)).startswith("办结还有 14 个工作日")
    assert deadlines.overdue(contacted, DIRECTORY, D(2026, 12, 2)) == []


def test_met_late_is_remembered_and_closed_cases_are_never_overdue():
    late = row(created="2026-12-01T10:00:00+08:00", first_contact_at="2026-12-04", status="处理中")
    first = deadlines.clocks(late, DIRECTORY, D(2026, 12, 10))[0]
    assert (first.met_on, first.late_days, first.overdue) == (D(2026, 12, 4), 2, False)
    closed = row(created="2026-01-05T10:00:00+08:00", status="已解决", resolved_at="2026-03-01")
    assert deadlines.overdue(closed, DIRECTORY, D(2026, 12, 1)) == []
    assert deadlines.summary(closed, DIRECTORY, D(2026, 12, 1)) == ""


def test_a_plan_is_not_the_end_the_resolution_clock_runs_on():
    plan = row(created="2026-01-05T10:00:00+08:00", status="已形成方案", first_contact_at="2026-01-05",
               updated_at="2026-01-20T10:00:00+08:00")
    resolve = deadlines.clocks(plan, DIRECTORY, D(2026, 12, 1))[1]
    assert resolve.kind == "resolve" and resolve.met_on is None and resolve.overdue


def test_a_plan_with_dated_actions_has_a_falshi_clock_until_resolved_and_an_action_clock():
    plan = {**row(created="2026-11-02T10:00:00+08:00", status="已形成方案", first_contact_at="2026-11-02"),
            "plan_due": "2027-03-31", "action_due": "2026-12-04"}
    clocks = deadlines.clocks(plan, DIRECTORY, D(2026, 12, 8))
    assert [c.kind for c in clocks] == ["first_contact", "implement", "action"]
    assert clocks[1].label == "落实" and not clocks[1].overdue and clocks[1].due == D(2027, 3, 31)
    assert clocks[2].reason == "分工超时 2 个工作日"
    assert deadlines.summary(plan, DIRECTORY, D(2026, 12, 8)) == "分工超时 2 个工作日"
    resolved = {**plan, "status": "已解决", "resolved_at": "2027-04-02"}
    assert [c.kind for c in deadlines.clocks(resolved, DIRECTORY, D(2027, 4, 8))] == ["first_contact", "implement"]
    assert deadlines.clocks(resolved, DIRECTORY, D(2027, 4, 8))[1].late_days == 2  # resolved two days after the plan's date


def test_reopened_case_gets_the_three_day_rehandling_clock():
    case = row(created="2026-11-02T10:00:00+08:00", status="处理中", first_contact_at="2026-11-02",
               reopened_at="2026-11-27T09:00:00+08:00")  # Fri
    clocks = deadlines.clocks(case, DIRECTORY, D(2026, 12, 3))
    assert [c.kind for c in clocks] == ["first_contact", "resolve", "rehandle"]
    assert clocks[2].due == D(2026, 12, 2) and clocks[2].reason == "重新处理超时 1 个工作日"
    handled = dict(case, rehandled_at="2026-12-01T16:00:00+08:00")
    assert not deadlines.clocks(handled, DIRECTORY, D(2026, 12, 3))[2].overdue


def test_a_row_from_before_the_due_columns_keeps_its_categorys_own_deadlines(tmp_path):
    directory = load(directory_file(tmp_path, slow_garbage))   # 垃圾: first contact 3 working days, re-handle 5
    old = {**row(created="2026-12-08T10:00:00+08:00", reopened_at="2026-12-08T15:00:00+08:00"),
           "first_contact_due": "", "rehandle_due": ""}      # a Tuesday; the due columns still empty
    assert deadlines.first_contact_day(old, directory) == D(2026, 12, 11)   # not the street's 1 day (12-09)
    assert deadlines.rehandle_day(old, directory) == D(2026, 12, 15)
    assert deadlines.first_contact_day({**old, "category_id": "lift-retrofit"}, directory) == D(2026, 12, 9)
    assert deadlines.first_contact_day({**old, "urgent": 1}, directory) == D(2026, 12, 8)
    assert deadlines.first_contact_day({**old, "first_contact_due": "2026-12-20"}, directory) == D(2026, 12, 20)
    [first, _, again] = deadlines.clocks(old, directory, D(2026, 12, 9))
    assert (first.due, again.due) == (D(2026, 12, 11), D(2026, 12, 15))


def test_category_overrides_street_limits():
    data = yaml.safe_load(Path("data/directory.yaml").read_text(encoding="utf-8"))
    data["street"]["deadlines"] = {"first_contact": 2, "resolve": 10}
    data["categories"][0]["deadlines"] = {"resolve": 30}
    directory = parse(data)
    own, other = data["categories"][0]["id"], data["categories"][1]["id"]
    assert deadlines.limits_for(directory, own) == deadlines.Limits(first_contact=2, resolve=30, rehandle=3)
    assert deadlines.limits_for(directory, other) == deadlines.Limits(first_contact=2, resolve=10, rehandle=3)


@pytest.mark.parametrize("value, message", [
    ({"resolv": 3}, "「resolv」不认识"),
    ({"resolve": -1}, "0 到 365"),
    ({"resolve": "十五"}, "0 到 365"),
    ({"resolve": True}, "0 到 365"),
    ("15", "deadlines 应写成"),
])
def test_bad_deadlines_in_the_data_file_name_the_entry(value, message):
    data = yaml.safe_load(Path("data/directory.yaml").read_text(encoding="utf-8"))
    data["categories"][0]["deadlines"] = value
    with pytest.raises(DirectoryError, match=message) as err:
        parse(data)
    assert data["categories"][0]["id"] in str(err.value)


def test_due_dates_are_fixed_when_a_case_comes_in_and_backfilled_for_old_rows(tmp_path):
    from forms_app.core.store import connect, transaction
    from forms_app.residents import reports
    from tests.residents.test_reports import DATA

    conn = connect(str(tmp_path / "s.sqlite3"))
    fresh, _ = reports.create(conn, "a" * 32, {**DATA, "category_id": "garbage"}, directory=DIRECTORY)
    created = dt.datetime.fromisoformat(fresh["created_at"])
    assert fresh["first_contact_due"] == deadlines.first_contact_due(created, False, deadlines.Limits()).isoformat()
    assert fresh["resolve_due"] == deadlines.resolve_due(created, deadlines.Limits()).isoformat()
    old, _ = reports.create(conn, "b" * 32, {**DATA, "category_id": "leak"})  # as before the columns existed
    assert old["first_contact_due"] == ""
    with transaction(conn):
        assert deadlines.backfill(conn, DIRECTORY) == 1
    old = reports.by_ref(conn, old["ref"])
    assert old["first_contact_due"] == created.date().isoformat() or old["first_contact_due"] == old["created_at"][:10]
