"""A case's history: one append-only row for every change (who, when, which field, old → new).

Written inside the transaction of the change itself (reports.apply_changes does it for every
field it changes), so a case never changes without its trace. Actors are account ids for
stewards and supervisors, or one of the fixed names below; never a resident's name.
"""
from __future__ import annotations

import sqlite3

from forms_app.core import clock

RESIDENT = "居民"      # the resident, online (report form, follow-up)
SHEET = "表格"         # a steward's edit read back from the Google Sheet
SYSTEM = "系统"        # the service itself (retention, adoption of a hand-typed row)


def record(conn: sqlite3.Connection, report_id: int, actor: str, field: str, old="", new="",
           at: str | None = None) -> None:
    """Append one history row (inside the caller's transaction)."""
    conn.execute("INSERT INTO case_history (report_id, at, actor, field, old, new) VALUES (?, ?, ?, ?, ?, ?)",
                 (report_id, at or clock.iso(clock.now()), actor or SYSTEM, field,
                  "" if old is None else str(old), "" if new is None else str(new)))


def for_report(conn: sqlite3.Connection, report_id: int) -> list[sqlite3.Row]:
    """A case's history, oldest first."""
    return conn.execute("SELECT * FROM case_history WHERE report_id = ? ORDER BY id", (report_id,)).fetchall()
