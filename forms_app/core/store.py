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

# Each file in migrations/ moves the schema one version up, in file-name order; PRAGMA user_version
# records how many a store has. Never edit a released file: add a new one with the next number.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATIONS: list[tuple[str, str]] = [(path.stem, path.read_text(encoding="utf-8"))
                                     for path in sorted(MIGRATIONS_DIR.glob("*.sql"))]


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


class InUse:
    """A shared flock on <store>.inuse, held by every process that has opened the store.

    `flask restore` takes it exclusively: if it cannot, a web worker or the sync worker still
    has the store open, and replacing the file under them would lose what they write next.
    """

    _fds: dict[str, int] = {}
    _lock = threading.Lock()

    @classmethod
    def hold(cls, path: str) -> None:
        """Mark this process as using the store (waits while a restore is replacing it)."""
        with cls._lock:
            if path not in cls._fds:
                fd = os.open(f"{path}.inuse", os.O_CREAT | os.O_RDWR, 0o600)
                fcntl.flock(fd, fcntl.LOCK_SH)
                cls._fds[path] = fd

    @classmethod
    def release(cls, path: str) -> None:
        """Drop this process's mark (the restore command, before it looks for others)."""
        with cls._lock:
            fd = cls._fds.pop(path, None)
            if fd is not None:
                os.close(fd)


class StoreConnection(sqlite3.Connection):
    """A connection that knows the write gate of its file."""

    gate: WriteGate | None = None
    on_rollback: list | None = None  # inside transaction(): undo steps outside SQLite (e.g. files just written)


def connect(path: str) -> StoreConnection:
    """Open the store in WAL mode with a generous busy timeout; migrate it."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        InUse.hold(str(Path(path).resolve()))
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
    """Apply every migration this store has not had, in name order, in one exclusive transaction.

    Applied migrations are recorded by name (table schema_migrations), so a file numbered below one
    already applied — two changes developed side by side — still runs. A store from before that
    table had the first `user_version` files. Returns how many are applied (also PRAGMA user_version).
    """
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) and _applied(conn) == _names():
        return len(MIGRATIONS)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        applied = _applied(conn)  # another process may have won
        if not _has_table(conn):
            conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL "
                         "DEFAULT (datetime('now')))")
            conn.executemany("INSERT INTO schema_migrations (name) VALUES (?)", [(n,) for n in sorted(applied)])
        for name, script in MIGRATIONS:
            if name in applied:
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _names() -> set[str]:
    return {name for name, _ in MIGRATIONS}


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone() is not None


def _applied(conn: sqlite3.Connection) -> set[str]:
    """Names of the migrations this store has had."""
    if _has_table(conn):
        return {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return {name for name, _ in MIGRATIONS[:version]}


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
        conn.on_rollback = undo = []
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for step in reversed(undo):
                step()
            raise
        finally:
            conn.on_rollback = None


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


def owner_only(path: str | Path) -> None:
    """Take group and other rights off the store and its companion files (a store made before the
    service set umask 077 was world-readable)."""
    for suffix in ("", "-wal", "-shm", ".lock", ".inuse"):
        try:
            os.chmod(f"{path}{suffix}", 0o600)
        except FileNotFoundError:
            pass
        except PermissionError:  # not ours (a read-only check by another user): leave it
            pass


def init_app(app) -> None:
    """Give the app its per-thread connections; mark the store in use from the start (see InUse)."""
    app.extensions["store"] = threading.local()
    path = app.config["DATABASE"]
    if path != ":memory:":  # a started web worker counts as running before its first request
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        InUse.hold(str(Path(path).resolve()))
        owner_only(path)
