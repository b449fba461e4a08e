"""Joint-reception sessions kept by the stewards on their own pages: create, edit, close.

Each change runs in one transaction with its outbox item (kind "session"), so with the Google
Sheet on it reaches 接待场次 (the row with the same 场次编号, appended when absent); without the
Sheet these pages are the only way to keep sessions. While the item waits, the worker's read of
the sheet leaves that session alone (delivery/pull.py), so a local edit is never undone by it.

Capacity: a steward cannot cut it below the seats already confirmed — nobody who was told
"您报上名了" loses that seat by an edit; they must cancel first. Raising it gives the new seats to
the waiting list in its order, as a cancellation does.
"""
from __future__ import annotations

import logging
import sqlite3

from forms_app.core import clock, outbox
from forms_app.core.store import transaction
from forms_app.residents import reception, texts

log = logging.getLogger(__name__)
FIELDS = ("date", "start_time", "end_time", "place", "parties", "capacity", "is_open", "note")
MAX_CAPACITY = 500


class CapacityError(ValueError):
    """Fewer seats than already confirmed sign-ups."""

    def __init__(self, confirmed: int):
        super().__init__(confirmed)
        self.confirmed = confirmed


def confirmed(conn: sqlite3.Connection, session_id: str) -> int:
    """Seats taken in a session."""
    return conn.execute("SELECT count(*) FROM signups WHERE session_id = ? AND state = 'confirmed'",
                        (session_id,)).fetchone()[0]


def new_id(conn: sqlite3.Connection, date: str, start_time: str) -> str:
    """'2026-12-05-am' (or -pm), made unique with -2, -3 … — the form stewards use in the sheet."""
    base = f"{date}-{'am' if int(start_time.split(':')[0]) < 12 else 'pm'}"
    ident, n = base, 1
    while conn.execute("SELECT 1 FROM sessions WHERE id = ?", (ident,)).fetchone():
        n += 1
        ident = f"{base}-{n}"
    return ident


def _promote(conn: sqlite3.Connection, session_id: str, capacity: int) -> int:
    """Give free seats to the waiting list, first come first served; how many moved up."""
    free = capacity - confirmed(conn, session_id)
    if free <= 0:
        return 0
    waiting = conn.execute("SELECT * FROM signups WHERE session_id = ? AND state = 'waiting' "
                           "ORDER BY queued_at, id LIMIT ?", (session_id, free)).fetchall()
    now = clock.iso(clock.now())
    session = reception.get_session(conn, session_id) if waiting else None
    for signup in waiting:
        conn.execute("UPDATE signups SET state = 'confirmed', updated_at = ? WHERE id = ?", (now, signup["id"]))
        outbox.enqueue(conn, "signup", signup["id"])
        texts.for_promotion(conn, signup, session, reception.linked_report_id(conn, signup))  # 候补转正 text
    return len(waiting)


def save(conn: sqlite3.Connection, values: dict, session_id: str = "", actor: str = "") -> tuple[str, int]:
    """Create (no session_id) or change a session; (its id, sign-ups moved up from the waiting list).

    Raises CapacityError when the capacity is below the confirmed seats, LookupError for an unknown id.
    """
    data = {k: values[k] for k in FIELDS}
    data["is_open"] = int(bool(data["is_open"]))
    creating = not session_id
    with transaction(conn):
        if not creating:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise LookupError(session_id)
            taken = confirmed(conn, session_id)
            if data["capacity"] < taken:
                raise CapacityError(taken)
            changed = [k for k in FIELDS if row[k] != data[k]]
            if not changed:
                return session_id, 0
            conn.execute(f"UPDATE sessions SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
                         [*(data[k] for k in changed), session_id])
        else:
            session_id = new_id(conn, data["date"], data["start_time"])
            changed = list(FIELDS)
            conn.execute(f"INSERT INTO sessions (id, {', '.join(FIELDS)}) VALUES (?, {', '.join('?' * len(FIELDS))})",
                         [session_id, *(data[k] for k in FIELDS)])
        moved = _promote(conn, session_id, data["capacity"])
        outbox.enqueue(conn, "session", 0, {"id": session_id})
    log.info("steward %s %s session %s (%s); %d moved up from the waiting list", actor,
             "created" if creating else "changed", session_id, ",".join(changed), moved)
    return session_id, moved


def close(conn: sqlite3.Connection, session_id: str, actor: str = "") -> bool:
    """Stop sign-ups (开放报名 否); False when it was already closed. Seats taken stay taken."""
    with transaction(conn):
        row = conn.execute("SELECT is_open FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise LookupError(session_id)
        if not row["is_open"]:
            return False
        conn.execute("UPDATE sessions SET is_open = 0 WHERE id = ?", (session_id,))
        outbox.enqueue(conn, "session", 0, {"id": session_id})
    log.info("steward %s closed session %s", actor, session_id)
    return True
