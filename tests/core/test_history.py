"""A case's history (forms_app/core/history.py): every change leaves one append-only row."""
import sqlite3

import pytest

from forms_app.core import directory, history
from forms_app.core.store import connect
from forms_app.residents import followup, reports
from tests.residents.test_reports import DATA


@pytest.fixture
def conn(tmp_path):
    c = connect(str(tmp_path / "s.sqlite3"))
    yield c
    c.close()


def lines(conn, report_id):
    return [(h["actor"], h["field"], h["old"], h["new"]) for h in history.for_report(conn, report_id)]


def test_creation_and_each_changed_field_leave_a_row(conn):
    row, _ = reports.create(conn, "a" * 32, DATA)
    reports.update(conn, row["id"], {"status": "处理中", "public_note": "物业明天上门。"}, actor="s1")
    reports.update(conn, row["id"], {"status": "处理中"}, actor="s1")  # nothing changed: no row
    assert lines(conn, row["id"]) == [
        ("居民", "created", "", "网页"),
        ("s1", "status", "已受理", "处理中"),
        ("s1", "public_note", "", "物业明天上门。"),
    ]


def test_resident_follow_up_is_recorded_as_the_resident(conn):
    row, _ = reports.create(conn, "a" * 32, DATA)
    reports.update(conn, row["id"], {"status": "已解决"}, actor="s2")
    followup.record(conn, row["id"], {"outcome": "没有解决", "efficiency": "", "attitude": "", "result": "",
                                      "comment": "还在漏"}, directory.load())
    fields = {(actor, field) for actor, field, _, _ in lines(conn, row["id"])}
    assert {("s2", "status"), ("s2", "resolved_at"), ("居民", "status"), ("居民", "satisfaction")} <= fields
    assert ("居民", "followup_due") not in fields  # internal columns stay out of the history


def test_history_is_append_only(conn):
    row, _ = reports.create(conn, "a" * 32, DATA)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE case_history SET actor = 'someone else'")
    assert lines(conn, row["id"])[0][0] == "居民"


def test_a_failed_change_leaves_no_history(conn):
    row, _ = reports.create(conn, "a" * 32, DATA)
    with pytest.raises(ValueError):
        reports.update(conn, row["id"], {"status": "不存在的状态"}, actor="s1")
    assert len(lines(conn, row["id"])) == 1
