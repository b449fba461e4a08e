"""What stewards record on the embedded store: their edits with dated notes, and joint-reception outcomes.

Each change runs in one transaction through reports.apply_changes, so the report, its dated
处理记录 line and the outbox items for the stewards' sheet are written together or not at all.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

from forms_app.core import clock
from forms_app.core import outbox
from forms_app.residents.reports import apply_changes
from forms_app.core.cases import STATUSES, STEWARD_FIELDS
from forms_app.core.store import transaction

ATTENDED = ("是", "否")  # 签到 as the sheet writes it; '' = not recorded


def with_line(notes: str, line: str) -> str:
    """处理记录 with one more line at the end."""
    return "\n".join(filter(None, [notes, line]))


def _check(changes: dict) -> None:
    """Only the stewards' fields, and only known statuses."""
    unknown = set(changes) - set(STEWARD_FIELDS)
    if unknown or changes.get("status", STATUSES[0]) not in STATUSES:
        raise ValueError(f"not a steward field or status: {sorted(unknown) or changes['status']}")


def edit(conn: sqlite3.Connection, report_id: int, changes: dict, note: str = "", version: str = "",
         actor: str = "") -> dict | None:
    """Apply a steward's edit (note: a line for 处理记录); None when the report changed since `version` was read.

    `actor`: the signed-in account's id (history rows carry it)."""
    _check(changes)
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if version and row["updated_at"] != version:
            return None
        if note:
            changes = {**changes, "notes": with_line(row["notes"], note)}
        return apply_changes(conn, row, changes, actor)


def record_outcome(conn: sqlite3.Connection, signup_id: int, day: dt.date, attended: str, outcome: str,
                   status: str = "", actor: str = "") -> bool:
    """Record attendance and outcome on a sign-up; a new outcome (and a status) goes to its linked report.

    Returns whether anything changed. Saving the same outcome again adds no second line.
    """
    if attended not in ("", *ATTENDED):
        raise ValueError(attended)
    _check({"status": status} if status else {})
    with transaction(conn):
        signup = conn.execute("SELECT * FROM signups WHERE id = ?", (signup_id,)).fetchone()
        report = conn.execute("SELECT * FROM reports WHERE ref = ?", (signup["linked_ref"],)).fetchone() \
            if signup["linked_ref"] else None
        changed = False
        if report is not None:
            changes = {"status": status} if status else {}
            if outcome and outcome != signup["outcome"]:
                changes["notes"] = with_line(report["notes"], f"{day.isoformat()} 联合接待：{outcome}")
            changed = bool(apply_changes(conn, report, changes, actor))
        if (attended, outcome) != (signup["attended"], signup["outcome"]):
            conn.execute("UPDATE signups SET attended = ?, outcome = ?, updated_at = ? WHERE id = ?",
                         (attended, outcome, clock.iso(clock.now()), signup_id))
            outbox.enqueue(conn, "signup", signup_id)
            changed = True
    return changed
