"""The local store: one SQLite file (WAL), schema created and migrated on first use.

Every submission is committed here before the resident sees "submitted"; the sheet sync
reads its outbox from here. Connections are per app context (per request / per command).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

from flask import current_app

# Each entry moves the schema one version up; PRAGMA user_version records where a file is.
# Never edit a released entry: append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        submission_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        area_id TEXT NOT NULL,
        compound_id TEXT NOT NULL,
        building TEXT NOT NULL,
        room TEXT NOT NULL DEFAULT '',
        category_id TEXT NOT NULL,
        urgent INTEGER NOT NULL DEFAULT 0,
        urgent_note TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL,
        contact_name TEXT NOT NULL,
        phone TEXT NOT NULL,
        best_time TEXT NOT NULL DEFAULT '',
        join_reception INTEGER NOT NULL DEFAULT 0,
        on_behalf INTEGER NOT NULL DEFAULT 0,
        behalf_relation TEXT NOT NULL DEFAULT '',
        behalf_consent INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT '已受理',
        public_note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        date TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        place TEXT NOT NULL,
        parties TEXT NOT NULL,
        capacity INTEGER NOT NULL CHECK (capacity >= 0),
        is_open INTEGER NOT NULL DEFAULT 1,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE signups (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        submission_id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        compound_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        linked_ref TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('confirmed', 'waiting', 'cancelled')),
        queued_at TEXT NOT NULL
    );
    -- One live sign-up per phone per session; a cancelled one does not block signing up again.
    CREATE UNIQUE INDEX signups_one_per_phone ON signups(session_id, phone) WHERE state != 'cancelled';
    CREATE INDEX signups_by_session ON signups(session_id, state, queued_at);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        row_id INTEGER NOT NULL,
        queued_at TEXT NOT NULL,
        delivered_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outbox_pending ON outbox(delivered_at, id);
    """,
    """
    -- The stewards' side of a report (the sheet's steward columns, mirrored), follow-ups, retention.
    ALTER TABLE reports ADD COLUMN steward_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN coordinating TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN first_contact_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN resolved_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN satisfaction TEXT NOT NULL DEFAULT '';
    ALTER TABLE reports ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE reports ADD COLUMN anonymised_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE signups ADD COLUMN attended TEXT NOT NULL DEFAULT '';
    ALTER TABLE signups ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
    -- What an outbox item carries when the row alone does not say it (an alert, changed cells).
    ALTER TABLE outbox ADD COLUMN payload TEXT NOT NULL DEFAULT '';
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        created_at TEXT NOT NULL,
        solved INTEGER NOT NULL,
        satisfaction INTEGER NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
        comment TEXT NOT NULL DEFAULT ''
    );
    -- Small facts kept between runs of a command (e.g. when the last digest went out).
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    -- Set when a report becomes 已解决, cleared when the resident answers the follow-up (or it reopens).
    ALTER TABLE reports ADD COLUMN followup_due INTEGER NOT NULL DEFAULT 0;
    UPDATE reports SET followup_due = 1
        WHERE status = '已解决' AND id NOT IN (SELECT report_id FROM followups);
    """,
    """
    -- Urgency is a yes/no; what is urgent goes in the description.
    ALTER TABLE reports DROP COLUMN urgent_note;
    """,
]


class WriteGate:
    """Serialises writers to one store file: a thread lock in the process, flock across processes.

    Waiting here wakes the next writer the moment the lock is free; left to SQLite, contending
    writers poll with back-off sleeps of up to 100 ms, which is what a resident would feel.
    """

    _gates: dict[str, "WriteGate"] = {}
    _gates_lock = threading.Lock()

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.fd = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)

    @classmethod
    def for_path(cls, path: str) -> "WriteGate":
        """One gate per store file per process."""
        with cls._gates_lock:
            if path not in cls._gates:
                cls._gates[path] = cls(path)
            return cls._gates[path]

    def __enter__(self):
        self.lock.acquire()
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


class StoreConnection(sqlite3.Connection):
    """A connection that knows the write gate of its file."""

    gate: WriteGate | None = None


def connect(path: str) -> StoreConnection:
    """Open the store in WAL mode with a generous busy timeout; migrate it."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False, factory=StoreConnection)
    if path != ":memory:":
        conn.gate = WriteGate.for_path(str(Path(path).resolve()))
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=FULL")  # a committed report survives a power cut
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    with conn.gate or nullcontext():  # switching to WAL does not wait on SQLite's busy timeout
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations in one exclusive transaction; return the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= len(MIGRATIONS):
        return version
    conn.execute("BEGIN EXCLUSIVE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        for number in range(version, len(MIGRATIONS)):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a migration script into complete SQL statements."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return statements


@contextmanager
def transaction(conn: StoreConnection):
    """A write transaction: queue at the gate, BEGIN IMMEDIATE, COMMIT or roll back."""
    with conn.gate or nullcontext():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def get_db() -> sqlite3.Connection:
    """This thread's connection for the current app, opened once and reused across requests.

    Opening a connection (WAL pragma, schema check) costs more than a whole insert, so each
    worker thread keeps its own; they are dropped with the app.
    """
    local = current_app.extensions["store"]
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = connect(current_app.config["DATABASE"])
    if conn.in_transaction:  # a request that died mid-transaction must not leak it to the next
        conn.execute("ROLLBACK")
    return conn


def init_app(app) -> None:
    """Give the app its per-thread connections."""
    app.extensions["store"] = threading.local()
