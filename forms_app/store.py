"""The local store: one SQLite file (WAL), schema created and migrated on first use.

Every submission is committed here before the resident sees "submitted"; the sheet sync
reads its outbox from here. Connections are per app context (per request / per command).
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app, g

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
]


def connect(path: str) -> sqlite3.Connection:
    """Open the store in WAL mode with a generous busy timeout; migrate it."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a committed report survives a power cut
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
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
def transaction(conn: sqlite3.Connection, immediate: bool = True):
    """BEGIN IMMEDIATE … COMMIT: writers queue up instead of failing mid-way."""
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_db() -> sqlite3.Connection:
    """The app context's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    """Close the app context's connection, if any."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@click.command("init-db")
def init_db_command() -> None:
    """Create or migrate the store (and seed sample sessions when configured)."""
    from .reception import seed_sample_sessions

    conn = get_db()
    if current_app.config["SEED_SAMPLE_SESSIONS"]:
        seed_sample_sessions(conn, current_app.extensions["directory"])
    click.echo(f"数据库已就绪：{current_app.config['DATABASE']}")


def init_app(app) -> None:
    """Register teardown and the CLI command."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
