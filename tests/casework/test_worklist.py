"""The stewards' list as today's work (casework/worklist.py): sorted by what is due, 今天到期 / 即将到期 /
待回访 filters, counts that follow the filters, search by name and description words (issue 20, items 4, 5)."""
import datetime as dt

import pytest

from forms_app.casework import worklist
from forms_app.core.store import transaction
from forms_app.residents import reports
from tests.conftest import text
from tests.residents.test_reports import DATA
from tests.views.test_steward_intake import sign_in_steward

TODAY = dt.date(2026, 12, 7)   # a Monday
_n = iter(range(10_000))


def add(db, directory, **columns) -> str:
    """A case with its columns set as given (due dates, status …); its reference."""
    data = {**DATA, "category_id": "garbage", **{k: columns.pop(k) for k in list(columns) if k in DATA}}
    row, _ = reports.create(db, f"{next(_n):032x}", data, directory=directory)
    if columns:
        with transaction(db):
            db.execute(f"UPDATE reports SET {', '.join(f'{k} = ?' for k in columns)} WHERE id = ?", (*columns.values(), row["id"]))
    return row["ref"]


@pytest.fixture
def directory(app):
    return app.extensions["directory"]


@pytest.fixture
def street(db, directory):
    """Cases due at different times (first contact made, so the resolution clock decides)."""
    done = {"first_contact_at": "2026-11-20 10:00"}
    return {
        "later": add(db, directory, resolve_due="2026-12-18", created_at="2026-12-04T09:00:00+08:00", **done),
        "late": add(db, directory, resolve_due="2026-12-01", created_at="2026-11-10T09:00:00+08:00", **done),
        "today": add(db, directory, resolve_due="2026-12-07", created_at="2026-11-16T09:00:00+08:00", **done),
        "today_urgent": add(db, directory, resolve_due="2026-12-07", urgent=1, created_at="2026-11-15T09:00:00+08:00", **done),
        "soon": add(db, directory, resolve_due="2026-12-09", created_at="2026-11-18T09:00:00+08:00", **done),
        "closed": add(db, directory, status="已解决", resolve_due="2026-11-01", resolved_at="2026-11-01",
                      created_at="2026-12-05T09:00:00+08:00", **done),
        "plan_late": add(db, directory, status="已形成方案", plan_due="2027-03-01", action_due="2026-12-02",
                         compound_id="dunhualu", created_at="2026-11-01T09:00:00+08:00", **done),
    }


def refs(page) -> list[str]:
    return [r["ref"] for r in page.rows]


def test_sorted_by_what_is_due_overdue_then_today_urgent_first(db, directory, street):
    order = refs(worklist.page(db, worklist.Filters(), directory, TODAY))
    assert order == [street[k] for k in ("late", "plan_late", "today_urgent", "today", "soon", "later", "closed")]
    newest = refs(worklist.page(db, worklist.Filters(sort="new"), directory, TODAY))
    assert newest[0] == street["closed"]


@pytest.mark.parametrize("name, expected", [
    ("today", {"today", "today_urgent"}),
    ("soon", {"soon"}),                       # within two working days after today
    ("overdue", {"late", "plan_late"}),       # a late 分工 too
])
def test_due_filters(db, directory, street, name, expected):
    found = refs(worklist.page(db, worklist.Filters(**{name: True}), directory, TODAY))
    assert sorted(found) == sorted(street[k] for k in expected)


def test_the_late_rule_in_sql_is_the_deadline_rule(db, directory, street):
    from forms_app.core import deadlines
    page = worklist.page(db, worklist.Filters(), directory, TODAY)
    for row in page.rows:
        assert (row["id"] in page.late) == bool(deadlines.overdue(row, directory, TODAY)), row["ref"]


def test_counts_on_the_status_buttons_follow_the_filters(db, directory, street):
    everything = worklist.counts(db)
    assert everything["已受理"] == 5 and everything["已形成方案"] == 1 and everything["已解决"] == 1
    late = worklist.counts(db, worklist.Filters(overdue=True, status="已受理"), directory, TODAY)
    assert (late["已受理"], late["已形成方案"], late["已解决"]) == (1, 1, 0)  # the status filter itself aside
    elsewhere = worklist.counts(db, worklist.Filters(compound="dunhualu"), directory, TODAY)
    assert sum(elsewhere.values()) == 1


@pytest.mark.parametrize("q, found", [("王", True), ("天花板", False), ("滴水", True), ("滴水 楼上", True),
                                      ("滴水 电梯", False)])
def test_search_finds_a_name_and_words_of_the_description(db, directory, q, found):
    ref = add(db, directory, description="卫生间一直滴水，楼上装修以后开始的", contact_name="王")
    assert (ref in refs(worklist.page(db, worklist.Filters(q=q), directory, TODAY))) is found


def test_followup_queue_without_text_at_once_others_after_the_setting(db, directory):
    resolved = {"status": "已解决", "followup_due": 1, "sms_consent": 1}
    old = add(db, directory, resolved_at="2026-12-01", **resolved)          # 4 working days ago
    fresh = add(db, directory, resolved_at="2026-12-04", **resolved)
    no_phone = add(db, directory, resolved_at="2026-12-07", **{**resolved, "phone": ""})
    answered = add(db, directory, resolved_at="2026-11-01", **{**resolved, "followup_due": 0})
    found = refs(worklist.page(db, worklist.Filters(followup=True), directory, TODAY))
    assert sorted(found) == sorted([old, no_phone]) and fresh not in found and answered not in found


def test_the_list_page_shows_descriptions_select_all_and_counts_keeping_the_filters(forms, db, directory):
    steward = sign_in_steward(forms)
    add(db, directory, description="楼道灯坏了一个多月没人修，晚上回家很危险")
    body = text(steward.client.get("/forms/steward?f=1&overdue=y&today=y&soon=y&followup=y"))
    assert "今天到期" in body and "即将到期" in body and "待回访" in body
    body = text(steward.client.get("/forms/steward?f=1&compound=yanji2"))
    assert "楼道灯坏了一个多月没人修" in body and 'id="pick-all"' in body
    buttons = body.split('id="counts"')[1].split("</ul>")[0]
    assert buttons.count("compound=yanji2") == 7  # 全部 and each of the six statuses keep the filter
    assert "超时的在前，再是今天到期的" in body


def test_the_next_due_column_is_the_rule_in_python(db):
    """Migration 0115's virtual column holds exactly worklist.NEXT_DUE_SQL (change both together)."""
    table = db.execute("SELECT sql FROM sqlite_master WHERE name = 'reports'").fetchone()[0]
    assert f"next_due TEXT GENERATED ALWAYS AS ({worklist.NEXT_DUE_SQL}) VIRTUAL" in table
