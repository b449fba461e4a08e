"""Writing a report's changed columns: the row, one history line per column, the sheet's cells.

The one low step under reports.apply_changes (which decides what changes and what it causes) and
under the texts' notes on a case, so neither module needs the other's rules.
"""
from __future__ import annotations

import sqlite3

from forms_app.core import clock, history, outbox
from forms_app.core.cases import STEWARD_FIELDS

# Store column → 问题登记 header, for every column that can change after the row was appended.
SHEET_HEADERS = {**STEWARD_FIELDS, "contact_name": "联系人", "phone": "联系电话", "room": "室号",
                 "behalf_relation": "代办关系", "description": "问题描述", "best_time": "希望联系时间"}
# Columns the service keeps for itself: changed along with others, not worth a history line.
UNTRACKED = frozenset({"followup_due", "updated_at"})


def write(conn: sqlite3.Connection, row: sqlite3.Row, changed: dict, actor: str, to_table: bool = True) -> None:
    """Inside a transaction: store `changed` (column → new value, each differing from `row`). `to_table`:
    queue the changed cells for the shared table (not when the change was read from it)."""
    sets = ", ".join(f"{k} = ?" for k in changed)
    conn.execute(f"UPDATE reports SET {sets}, updated_at = ?, version = version + 1 WHERE id = ?",
                 [*changed.values(), clock.iso(clock.now()), row["id"]])
    for key, value in changed.items():
        if key not in UNTRACKED:
            history.record(conn, row["id"], actor, key, row[key], value)
    cells = {SHEET_HEADERS[k]: v for k, v in changed.items() if k in SHEET_HEADERS} if to_table else {}
    if cells:
        outbox.enqueue(conn, "report_update", row["id"], cells)


def note_on_case(conn: sqlite3.Connection, report_id: int, line: str, actor: str = history.SYSTEM) -> None:
    """Inside a transaction: add a dated line to the report's 处理记录 (and so to the sheet)."""
    row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
    if row is not None:
        line = f"{clock.now():%Y-%m-%d} {line}"
        write(conn, row, {"notes": "\n".join(filter(None, [row["notes"], line]))}, actor)
