"""会商 (consultation) records: a meeting of the parties on one case or several linked cases.

Saving one is a single transaction: the record, its links to each case, and on each linked case
the status 已形成方案 (a plan agreed), the 公开进展 line the resident sees, a dated 处理记录 line and a
history row — all through reports.apply_changes, so the sheet gets the cells through the outbox.
A case already closed (已解决, 不予受理, 已转办) keeps its status; it still gets the record and note.

A plan is not the end: the 分工 lines are stored as action items (who, what, by when), and each
linked case gets its 落实 clock (plan_due: the latest 分工 date) and its 分工 clock (action_due: the
earliest 分工 still open) — core/deadlines.py turns them into words, the list's 超时 filter, the
digest and the 督办 list into work. A steward marks each item done on the case page.
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
        _store_items(conn, consultation_id, actions)
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
            apply_changes(conn, row, {**changes, **plan_dates(conn, report_id)}, actor)
    return consultation_id


def _store_items(conn: sqlite3.Connection, consultation_id: int, actions: list[dict]) -> None:
    for position, action in enumerate(actions):
        conn.execute("INSERT INTO action_items (consultation_id, position, who, what, due) VALUES (?, ?, ?, ?, ?)",
                     (consultation_id, position, action["who"], action["what"], action.get("by", "")))


def plan_dates(conn: sqlite3.Connection, report_id: int) -> dict[str, str]:
    """The case's 落实 and 分工 due dates from its action items: {'plan_due': latest dated item (''),
    'action_due': earliest dated item still open ('')}."""
    rows = conn.execute("SELECT a.due, a.done_at FROM action_items a JOIN consultation_cases c "
                        "ON c.consultation_id = a.consultation_id WHERE c.report_id = ? AND a.due != ''",
                        (report_id,)).fetchall()
    return {"plan_due": max((r["due"] for r in rows), default=""),
            "action_due": min((r["due"] for r in rows if not r["done_at"]), default="")}


def items_for_report(conn: sqlite3.Connection, report_id: int) -> list[sqlite3.Row]:
    """The action items of every 会商 on a case, by due date (undated last)."""
    return conn.execute("SELECT a.*, s.held_on FROM action_items a JOIN consultation_cases c "
                        "ON c.consultation_id = a.consultation_id JOIN consultations s ON s.id = a.consultation_id "
                        "WHERE c.report_id = ? ORDER BY a.due = '', a.due, a.id", (report_id,)).fetchall()


def late_items(conn: sqlite3.Connection, report_id: int, cutoff: dt.date) -> list[sqlite3.Row]:
    """The open action items of a case due before `cutoff` (the last working day up to today)."""
    return [i for i in items_for_report(conn, report_id) if not i["done_at"] and i["due"] and i["due"] < cutoff.isoformat()]


def item_line(item) -> str:
    """'物业：更换防水层（12月9日前）' — how the digest and the case page name one 分工."""
    due = dt.date.fromisoformat(item["due"]) if item["due"] else None
    return f"{item['who']}：{item['what']}" + (f"（{due.month}月{due.day}日前）" if due else "")


def complete(conn: sqlite3.Connection, item_id: int, actor: str, who: str = "") -> bool:
    """Mark one action item done; each linked case gets a 处理记录 line and its 分工 clock moved on.
    False when there is no such item or it was already done."""
    moment = clock.now()
    with transaction(conn):
        item = conn.execute("SELECT * FROM action_items WHERE id = ?", (item_id,)).fetchone()
        if item is None or item["done_at"]:
            return False
        conn.execute("UPDATE action_items SET done_at = ?, done_by = ? WHERE id = ?", (clock.iso(moment), actor, item_id))
        for link in conn.execute("SELECT report_id FROM consultation_cases WHERE consultation_id = ?",
                                 (item["consultation_id"],)).fetchall():
            row = conn.execute("SELECT * FROM reports WHERE id = ?", (link["report_id"],)).fetchone()
            line = f"{moment:%Y-%m-%d} {who or actor}：分工完成 {item_line(item)}"
            apply_changes(conn, row, {"notes": with_line(row["notes"], line), **plan_dates(conn, row["id"])}, actor)
    return True


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
