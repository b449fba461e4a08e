"""The outbox: what still has to reach the stewards' sheet. Written in the same transaction
as the submission it describes, so nothing committed can be forgotten."""
from __future__ import annotations

import sqlite3

from . import clock

KINDS = ("report", "signup")


def enqueue(conn: sqlite3.Connection, kind: str, row_id: int) -> None:
    """Queue one row (a new report or a sign-up that changed) for delivery."""
    assert kind in KINDS
    conn.execute(
        "INSERT INTO outbox (kind, row_id, queued_at) VALUES (?, ?, ?)",
        (kind, row_id, clock.iso(clock.now())),
    )


def backlog(conn: sqlite3.Connection) -> int:
    """How many queued items have not been delivered yet."""
    return conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def last_delivery(conn: sqlite3.Connection) -> str | None:
    """When the sheet last accepted a delivery (ISO, Shanghai), if ever."""
    return conn.execute("SELECT max(delivered_at) FROM outbox").fetchone()[0]


def pending(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    """The oldest undelivered items."""
    return conn.execute("SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?", (limit,)).fetchall()


def mark_delivered(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Record that these items reached the sheet."""
    if ids:
        conn.executemany("UPDATE outbox SET delivered_at = ? WHERE id = ?",
                         [(clock.iso(clock.now()), i) for i in ids])


def mark_failed(conn: sqlite3.Connection, ids: list[int], error: str) -> None:
    """Count a failed attempt (kept for /healthz and the stewards' view)."""
    if ids:
        conn.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                         [(error[:200], i) for i in ids])
