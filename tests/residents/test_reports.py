import sqlite3

import pytest

from forms_app.core import outbox
from forms_app.core import references
from forms_app.residents import reports
from forms_app.core.store import connect

DATA = {"channel": "网页", "area_id": "yanji23", "compound_id": "yanji2", "building": "55号", "room": "",
        "category_id": "leak", "urgent": 0, "description": "漏水了漏水了", "contact_name": "王",
        "phone": "+8613812345678", "best_time": "", "join_reception": 0, "on_behalf": 0, "behalf_relation": "",
        "behalf_consent": 0}


@pytest.fixture
def conn(tmp_path):
    c = connect(str(tmp_path / "s.sqlite3"))
    yield c
    c.close()


def test_create_stores_row_and_queues_it(conn):
    row, created = reports.create(conn, "a" * 32, DATA)
    assert created and row["status"] == "已受理" and references.kind_of(row["ref"]) == "report"
    assert row["created_at"].endswith("+08:00")
    assert outbox.backlog(conn) == 1


def test_same_submission_twice_is_one_row(conn):
    first, _ = reports.create(conn, "a" * 32, DATA)
    second, created = reports.create(conn, "a" * 32, dict(DATA))  # a double tap: same id, same content
    assert not created and second["ref"] == first["ref"]
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert outbox.backlog(conn) == 1


def test_reference_collision_is_retried(conn, monkeypatch):
    taken, _ = reports.create(conn, "a" * 32, DATA)
    fresh = iter([taken["ref"], taken["ref"], "W222-333"])
    monkeypatch.setattr(reports, "new_reference", lambda kind: next(fresh))
    row, created = reports.create(conn, "b" * 32, DATA)
    assert created and row["ref"] == "W222-333"


def test_unexpected_integrity_error_is_not_swallowed(conn):
    with pytest.raises(sqlite3.IntegrityError):
        reports.create(conn, "c" * 32, {**DATA, "description": None})
    assert outbox.backlog(conn) == 0


@pytest.mark.parametrize("last4, ok", [("5678", True), ("5679", False), ("", False), ("12345678", False)])
def test_phone_matches(conn, last4, ok):
    row, _ = reports.create(conn, "a" * 32, DATA)
    assert reports.phone_matches(row, last4) is ok


def test_phone_matches_unknown_row_is_false():
    assert reports.phone_matches(None, "5678") is False


@pytest.mark.parametrize("change", [{"description": "又一件事：电梯停了，里面有人"}, {"urgent": 1}, {"compound_id": "yanji3"},
                                    {"phone": "+8613900000000"}])
def test_same_submission_id_with_other_content_is_a_new_report(conn, change):
    first, _ = reports.create(conn, "a" * 32, DATA)
    second, created = reports.create(conn, "a" * 32, {**DATA, **change}, alert=True)
    assert created and second["ref"] != first["ref"] and second["submission_id"] != "a" * 32
    kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox ORDER BY id")]
    assert kinds == ["report", "report", "alert"]  # the second one reaches the sheet and alerts
    # Tapping 提交 twice on that second report still stores it once.
    third, created = reports.create(conn, "a" * 32, {**DATA, **change}, alert=True)
    assert not created and third["ref"] == second["ref"]
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 2


def test_a_report_stored_before_hashes_were_kept_still_counts_as_the_same(conn):
    first, _ = reports.create(conn, "b" * 32, DATA)
    conn.execute("UPDATE reports SET content_hash = ''")
    again, created = reports.create(conn, "b" * 32, {**DATA, "description": "改了几个字"})
    assert not created and again["ref"] == first["ref"]
