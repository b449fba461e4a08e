"""回访: once a report is 已解决, the resident says whether it really is. "No" reopens it."""
from __future__ import annotations

import sqlite3

from forms_app.core import clock
from forms_app.core import outbox
from forms_app.core import history
from forms_app.residents.reports import apply_changes
from forms_app.core.store import transaction
from forms_app.residents import photos as photo_store


def due(report: sqlite3.Row) -> bool:
    """True when the report is resolved and the resident has not answered since it was resolved."""
    return report["status"] == "已解决" and bool(report["followup_due"])


def record(conn: sqlite3.Connection, report_id: int, solved: bool, satisfaction: int, comment: str,
           photos=()) -> bool | None:
    """Store the answer, write it to the stewards' columns; if not solved, reopen and alert.

    photos: photos.prepare()'s result, stored with the answer in the same transaction.

    Returns whether it reopened the report, or None when no follow-up was due (answered already).
    """
    today = clock.now().strftime("%Y-%m-%d")
    with transaction(conn):
        report = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if not due(report):  # checked inside the transaction: two taps store one answer
            return None
        conn.execute("INSERT INTO followups (report_id, created_at, solved, satisfaction, comment) VALUES (?, ?, ?, ?, ?)",
                     (report_id, clock.iso(clock.now()), int(solved), satisfaction, comment))
        line = f"{today} 居民回访：{'已解决' if solved else '没有解决'}，满意度 {satisfaction}/5" + (f"。意见：{comment}" if comment else "")
        changes = {"satisfaction": f"{satisfaction}/5", "notes": "\n".join(filter(None, [report["notes"], line])),
                   "followup_due": 0}
        if not solved:
            # Reopened honestly: back to 处理中, 办结时间 cleared so the next resolution gets its own date.
            changes.update(status="处理中", resolved_at="", reopened=report["reopened"] + 1)
            outbox.enqueue(conn, "alert", report_id, {"type": "reopened", "note": comment[:50]})
        apply_changes(conn, report, changes, history.RESIDENT)
        if photos:
            photo_store.attach(conn, report_id, photos, "followup", ref=report["ref"])
    return not solved
