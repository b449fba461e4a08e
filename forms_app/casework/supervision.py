"""What the supervisor does on a case: a 督办 (a note and a date by which the steward answers), and
checking a 回访 where the resident was 不满意 with 效率 or 态度 (the 不满意待核实 list).

Each is one transaction through reports.apply_changes, so the case's 处理记录 and history say it.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

from forms_app.core import clock, history
from forms_app.casework.edits import with_line
from forms_app.core.store import transaction
from forms_app.residents.reports import apply_changes


def issue(conn: sqlite3.Connection, report_id: int, note: str, answer_by: dt.date, actor: str, who: str = "") -> int:
    """The supervisor's 督办 on one case; its id."""
    moment = clock.now()
    with transaction(conn):
        cur = conn.execute("INSERT INTO supervisions (report_id, note, answer_by, issued_at, actor) VALUES (?, ?, ?, ?, ?)",
                           (report_id, note, answer_by.isoformat(), clock.iso(moment), actor))
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        line = f"{moment:%Y-%m-%d} {who or actor}：督办，{answer_by.month}月{answer_by.day}日前答复：{note}"
        history.record(conn, report_id, actor, "supervision", "", str(cur.lastrowid))
        apply_changes(conn, row, {"notes": with_line(row["notes"], line)}, actor)
    return cur.lastrowid


def answer(conn: sqlite3.Connection, supervision_id: int, text: str, actor: str, who: str = "") -> bool:
    """The steward's answer to a 督办; False when it was already answered (or is not there)."""
    moment = clock.now()
    with transaction(conn):
        item = conn.execute("SELECT * FROM supervisions WHERE id = ?", (supervision_id,)).fetchone()
        if item is None or item["answered_at"]:
            return False
        conn.execute("UPDATE supervisions SET answered_at = ?, answer = ?, answered_by = ? WHERE id = ?",
                     (clock.iso(moment), text, actor, supervision_id))
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (item["report_id"],)).fetchone()
        apply_changes(conn, row, {"notes": with_line(row["notes"], f"{moment:%Y-%m-%d} {who or actor}：答复督办：{text}")}, actor)
    return True


def for_report(conn: sqlite3.Connection, report_id: int) -> list[sqlite3.Row]:
    """The 督办 on one case, newest first."""
    return conn.execute("SELECT * FROM supervisions WHERE report_id = ? ORDER BY id DESC", (report_id,)).fetchall()


def open_items(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every 督办 not yet answered, with its case, the earliest answer date first."""
    return conn.execute("SELECT s.id AS supervision_id, s.note, s.answer_by, s.issued_at, r.* FROM supervisions s "
                        "JOIN reports r ON r.id = s.report_id WHERE s.answered_at = '' ORDER BY s.answer_by, s.id").fetchall()


def to_verify(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The 不满意待核实 list: cases whose 回访 rated 效率 or 态度 不满意, not yet checked."""
    return conn.execute("SELECT * FROM reports WHERE to_verify != '' ORDER BY updated_at, id").fetchall()


def verified(conn: sqlite3.Connection, report_id: int, note: str, actor: str, who: str = "") -> bool:
    """The supervisor checked a 不满意 回访: off the list, with a 处理记录 line; False if it was not on it."""
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None or not row["to_verify"]:
            return False
        line = f"{clock.now():%Y-%m-%d} {who or actor}：已核实（{row['to_verify']}）" + (f"：{note}" if note else "")
        apply_changes(conn, row, {"to_verify": "", "notes": with_line(row["notes"], line)}, actor)
    return True
