"""会商 (consultation) records: a meeting of the parties on one case or several linked cases.

Saving one is a single transaction: the record, its links to each case, and on each linked case
the status 已形成方案 (a plan agreed), the 公开进展 line the resident sees, a dated 处理记录 line and a
history row — all through reports.apply_changes, so the sheet gets the cells through the outbox.
A case already closed (已解决, 不予受理, 已转办) keeps its status; it still gets the record and note.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from forms_app.core import clock, deadlines, history
from forms_app.casework.edits import with_line
from forms_app.residents.reports import apply_changes
from forms_app.core.store import transaction

PARTIES = ("居委会", "业委会", "物业", "城管中队", "法治专员", "街道科室", "居民代表")
PLANNED = "已形成方案"


def proposed_note(held_on: dt.date, parties: list[str], agreed: str) -> str:
    """The 公开进展 line proposed from what was agreed (the steward may edit it before saving)."""
    line = f"{held_on.month}月{held_on.day}日{'、'.join(parties)}一起会商，商定：{' '.join(agreed.split())}"
    return line if len(line) <= 300 else line[:299] + "…"


def record(conn: sqlite3.Connection, report_ids: list[int], held_on: str, place: str, parties: list[str],
           agreed: str, actions: list[dict], public_note: str, actor: str) -> int:
    """Store a 会商 on these cases and set each to 已形成方案 with the public note; its id."""
    if not report_ids or not set(parties) <= set(PARTIES) or not parties:
        raise ValueError("a consultation needs cases and known parties")
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO consultations (held_on, place, parties, agreed, actions, public_note, created_at, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (held_on, place, "、".join(parties), agreed, json.dumps(actions, ensure_ascii=False), public_note,
             clock.iso(clock.now()), actor))
        consultation_id = cur.lastrowid
        for report_id in dict.fromkeys(report_ids):
            conn.execute("INSERT INTO consultation_cases (consultation_id, report_id) VALUES (?, ?)",
                         (consultation_id, report_id))
            row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
            changes = {"notes": with_line(row["notes"], f"{held_on} 会商（{'、'.join(parties)}）：{agreed}")}
            if public_note:
                changes["public_note"] = public_note
            if row["status"] not in deadlines.CLOSED:
                changes["status"] = PLANNED
            history.record(conn, report_id, actor, "consultation", "", str(consultation_id))
            apply_changes(conn, row, changes, actor)
    return consultation_id


def get(conn: sqlite3.Connection, consultation_id: int) -> sqlite3.Row | None:
    """One consultation."""
    return conn.execute("SELECT * FROM consultations WHERE id = ?", (consultation_id,)).fetchone()


def cases(conn: sqlite3.Connection, consultation_id: int) -> list[sqlite3.Row]:
    """The cases a consultation was about."""
    return conn.execute("SELECT r.* FROM reports r JOIN consultation_cases c ON c.report_id = r.id "
                        "WHERE c.consultation_id = ? ORDER BY r.id", (consultation_id,)).fetchall()


def for_report(conn: sqlite3.Connection, report_id: int) -> list[sqlite3.Row]:
    """The consultations on one case, newest first."""
    return conn.execute("SELECT s.* FROM consultations s JOIN consultation_cases c ON c.consultation_id = s.id "
                        "WHERE c.report_id = ? ORDER BY s.held_on DESC, s.id DESC", (report_id,)).fetchall()


def actions(row: sqlite3.Row) -> list[dict]:
    """Who does what by when."""
    return json.loads(row["actions"] or "[]")


def count(conn: sqlite3.Connection, until: dt.date | None = None) -> int:
    """How many 会商 were held (up to and including `until`)."""
    if until is None:
        return conn.execute("SELECT count(*) FROM consultations").fetchone()[0]
    return conn.execute("SELECT count(*) FROM consultations WHERE held_on <= ?", (until.isoformat(),)).fetchone()[0]
