import sqlite3
import threading

import pytest

from forms_app.core import store


def test_connect_creates_schema_in_wal_mode(tmp_path):
    conn = store.connect(str(tmp_path / "a" / "s.sqlite3"))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"reports", "sessions", "signups", "outbox"} <= tables


def test_migrate_is_idempotent_and_upgrades_an_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "s.sqlite3")
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:1])
    store.connect(path).close()
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, ("9999_extra", "ALTER TABLE reports ADD COLUMN extra TEXT NOT NULL DEFAULT '';")])
    conn = store.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert "extra" in [r[1] for r in conn.execute("PRAGMA table_info(reports)")]
    assert store.migrate(conn) == 2


def test_a_migration_numbered_below_one_already_applied_still_runs(tmp_path, monkeypatch):
    """Two changes developed side by side: the store has 0001 and 0070, then 0050 lands."""
    path, first = str(tmp_path / "s.sqlite3"), store.MIGRATIONS[:1]
    late = ("0070_late", "ALTER TABLE reports ADD COLUMN late TEXT NOT NULL DEFAULT '';")
    early = ("0050_early", "ALTER TABLE reports ADD COLUMN early TEXT NOT NULL DEFAULT '';")
    monkeypatch.setattr(store, "MIGRATIONS", [*first, late])
    store.connect(path).close()
    monkeypatch.setattr(store, "MIGRATIONS", [*first, early, late])
    conn = store.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(reports)")]
    assert columns.count("early") == 1 and columns.count("late") == 1
    assert {r[0] for r in conn.execute("SELECT name FROM schema_migrations")} == {first[0][0], "0050_early", "0070_late"}


def test_a_store_from_before_named_migrations_keeps_its_count(tmp_path, monkeypatch):
    path = str(tmp_path / "s.sqlite3")
    legacy = sqlite3.connect(path)
    for statement in store._statements(store.MIGRATIONS[0][1]):
        legacy.execute(statement)
    legacy.execute("PRAGMA user_version=1")
    legacy.commit()
    legacy.close()
    conn = store.connect(path)  # must not re-run 0001 (CREATE TABLE would fail)
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(store.MIGRATIONS)


def test_concurrent_first_connections_migrate_once(tmp_path):
    path, errors = str(tmp_path / "s.sqlite3"), []

    def open_it():
        try:
            store.connect(path).close()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_failed_transaction_rolls_back(tmp_path):
    conn = store.connect(str(tmp_path / "s.sqlite3"))
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction(conn):
            conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) VALUES ('a','2026-12-05','9:00','11:00','p','居委会',3)")
            conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) VALUES ('a','2026-12-05','9:00','11:00','p','居委会',3)")
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_statements_split_on_complete_sql_only():
    script = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- a comment; with a semicolon\nCREATE INDEX i ON a(x);\n"
    assert len(store._statements(script)) == 2


def test_the_residents_texts_keep_their_rows_when_their_table_takes_its_one_name(tmp_path, monkeypatch):
    """0130_texts: a store from before (table `notices`) keeps every text, its indexes renamed; nothing is left
    under the old name, which belongs to the stewards' alerts package."""
    path = str(tmp_path / "s.sqlite3")
    before = [m for m in store.MIGRATIONS if m[0] < "0130_texts"]
    monkeypatch.setattr(store, "MIGRATIONS", before)
    conn = store.connect(path)
    conn.execute("INSERT INTO notices (kind, phone, params, state, created_at, updated_at) "
                 "VALUES ('accepted', '+8613812345678', '[]', 'queued', 'x', 'x')")
    conn.close()
    monkeypatch.undo()
    conn = store.connect(path)
    assert [tuple(r) for r in conn.execute("SELECT kind, phone, state FROM texts")] == [
        ("accepted", "+8613812345678", "queued")]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"texts_by_report", "texts_by_phone", "texts_one_reminder", "texts_by_sent"} <= names
    assert not [n for n in names if n.startswith("notices")]
    conn.close()
