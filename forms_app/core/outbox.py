"""The outbox: what still has to leave this machine — rows for the stewards' sheet, alerts, texts.

Written in the same transaction as the change it describes, so nothing committed can be
forgotten; the worker (delivery/sync.py) delivers it and marks it delivered.
"""
from __future__ import annotations

import json
import sqlite3

from forms_app.core import clock

SHEET_KINDS = ("report", "signup", "report_update", "session")   # → the stewards' Google Sheet
ALERT_KINDS = ("alert",)                              # → the stewards' phones (robot webhook / e-mail)
SMS_KINDS = ("sms",)                                  # → residents' phones (a texts row; delivery/sms.py)
KINDS = SHEET_KINDS + ALERT_KINDS + SMS_KINDS


def enqueue(conn: sqlite3.Connection, kind: str, row_id: int, payload: dict | None = None) -> None:
    """Queue one item: a new row, a changed row (payload: the changed cells), or an alert.

    A session (kind "session") is named by its text id in the payload ({"id": ...}); row_id is 0.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    conn.execute("INSERT INTO outbox (kind, row_id, queued_at, payload) VALUES (?, ?, ?, ?)",
                 (kind, row_id, clock.iso(clock.now()), json.dumps(payload, ensure_ascii=False) if payload else ""))


def payload(item: sqlite3.Row) -> dict:
    """The item's payload as a dict ({} when it has none)."""
    return json.loads(item["payload"]) if item["payload"] else {}


def _kinds_clause(kinds) -> tuple[str, list]:
    """SQL and parameters restricting to some kinds."""
    kinds = list(kinds)
    return f" AND kind IN ({','.join('?' * len(kinds))})", kinds


def backlog(conn: sqlite3.Connection, kinds=KINDS) -> int:
    """How many queued items of these kinds have not been delivered yet."""
    clause, params = _kinds_clause(kinds)
    return conn.execute(f"SELECT count(*) FROM outbox WHERE delivered_at IS NULL{clause}", params).fetchone()[0]


def last_delivery(conn: sqlite3.Connection, kinds=KINDS) -> str | None:
    """When an item of these kinds was last delivered (ISO, Shanghai), if ever."""
    clause, params = _kinds_clause(kinds)
    return conn.execute(f"SELECT max(delivered_at) FROM outbox WHERE 1{clause}", params).fetchone()[0]


def pending(conn: sqlite3.Connection, limit: int, kinds=KINDS) -> list[sqlite3.Row]:
    """The oldest undelivered items of these kinds."""
    clause, params = _kinds_clause(kinds)
    return conn.execute(f"SELECT * FROM outbox WHERE delivered_at IS NULL{clause} ORDER BY id LIMIT ?",
                        [*params, limit]).fetchall()


def mark_delivered(conn: sqlite3.Connection, ids: list[int], note: str = "") -> None:
    """Record that these items left (note: why, when one was given up instead)."""
    if ids:
        now = clock.iso(clock.now())
        conn.executemany("UPDATE outbox SET delivered_at = ?, last_error = CASE WHEN ? = '' THEN last_error ELSE ? END "
                         "WHERE id = ?", [(now, note, note, i) for i in ids])


def mark_failed(conn: sqlite3.Connection, ids: list[int], error: str) -> None:
    """Count a failed attempt (kept for /healthz and the stewards' view)."""
    if ids:
        conn.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                         [(error[:200], i) for i in ids])
