"""What stewards record on the embedded store: their edits with dated notes, and joint-reception outcomes.

Each change runs in one transaction through reports.apply_changes, so the report, its dated
处理记录 line and the outbox items for the stewards' sheet are written together or not at all.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

from forms_app.core import clock
from forms_app.core import history, outbox
from forms_app.residents import reception
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


def status_line(day: dt.date, who: str, old: str, new: str) -> str:
    """The dated 处理记录 line a status change adds: '2026-12-01 s2 王海：状态 已受理→处理中'."""
    return f"{day.isoformat()} {who}：状态 {old}→{new}"


def edit(conn: sqlite3.Connection, report_id: int, changes: dict, note: str = "", version=None,
         actor: str = "", who: str = "") -> dict | None:
    """Apply a steward's edit (note: a line for 处理记录); None when the report changed since `version` was read.

    `version`: the report's version counter as the form read it (None or '': no check).
    `actor`: the signed-in account's id (history rows carry it); `who`: how a status change is signed
    in 处理记录 ('s2 王海'; default: the actor).
    """
    _check(changes)
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if version not in (None, "") and str(row["version"]) != str(version):
            return None
        lines = []
        if changes.get("status", row["status"]) != row["status"]:
            lines.append(status_line(clock.now().date(), who or actor or "系统", row["status"], changes["status"]))
        if note:
            lines.append(note)
        if lines:
            changes = {**changes, "notes": with_line(row["notes"], "\n".join(lines))}
        changed = apply_changes(conn, row, changes, actor)
        if "status" in changed:
            _follow(conn, row["ref"], changed["status"], changes.get("public_note", row["public_note"]), actor, who)
        return changed


def _follow(conn: sqlite3.Connection, main_ref: str, status: str, public_note: str, actor: str, who: str) -> None:
    """Inside the main case's transaction: its 重复件 take its status (and public note), each with its line."""
    for dup in conn.execute("SELECT * FROM reports WHERE duplicate_of = ? AND status != ?", (main_ref, status)).fetchall():
        line = status_line(clock.now().date(), who or actor or "系统", dup["status"], status) + f"（随主件 {main_ref}）"
        apply_changes(conn, dup, {"status": status, "public_note": public_note, "notes": with_line(dup["notes"], line)}, actor)


def mark_duplicate(conn: sqlite3.Connection, report_id: int, main_ref: str, actor: str = "", who: str = "") -> str:
    """Mark a case a 重复件 of `main_ref` ('' to undo): it takes the main case's status now and follows it.
    Returns '' when done, else why not (Chinese, for the steward)."""
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if not main_ref:
            if row["duplicate_of"]:
                conn.execute("UPDATE reports SET duplicate_of = '' WHERE id = ?", (report_id,))
                history.record(conn, report_id, actor, "duplicate_of", row["duplicate_of"], "")
            return ""
        main = conn.execute("SELECT * FROM reports WHERE ref = ?", (main_ref,)).fetchone()
        if main is None:
            return f"没有找到编号为 {main_ref} 的问题，请核对。"
        if main["id"] == report_id or main["duplicate_of"]:
            return "主件不能是这个问题本身，也不能是另一个重复件，请填最早登记的那个问题的编号。"
        conn.execute("UPDATE reports SET duplicate_of = ? WHERE id = ?", (main_ref, report_id))
        history.record(conn, report_id, actor, "duplicate_of", row["duplicate_of"], main_ref)
        line = f"{clock.now():%Y-%m-%d} {who or actor}：与 {main_ref} 是同一件事（重复件），随主件办理"
        changes = {"notes": with_line(row["notes"], line), "status": main["status"], "public_note": main["public_note"]}
        apply_changes(conn, conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone(), changes, actor)
    return ""


def contacted(conn: sqlite3.Connection, report_id: int, actor: str = "") -> dict | None:
    """刚联系过: stamp 首次联系时间 now (Shanghai, to the minute) unless a first contact is already recorded.

    Returns what changed ({} when it was already stamped); None when there is no such report.
    """
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None:
            return None
        if row["first_contact_at"].strip():
            return {}
        return apply_changes(conn, row, {"first_contact_at": clock.now().strftime("%Y-%m-%d %H:%M")}, actor)


def verify_phone(conn: sqlite3.Connection, report_id: int, actor: str = "") -> bool | None:
    """电话已核实: a steward reached the resident on the case's own number. Only then may an urgent case's
    texts go in quiet hours (delivery/sms.py). The mark holds for that number only: a changed phone is
    unchecked again. True when newly marked, False when it already was, None when there is no such report
    or it has no phone."""
    with transaction(conn):
        row = conn.execute("SELECT id, phone, phone_verified FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None or not row["phone"]:
            return None
        if row["phone_verified"] == row["phone"]:
            return False
        conn.execute("UPDATE reports SET phone_verified = ? WHERE id = ?", (row["phone"], report_id))
        history.record(conn, report_id, actor, "phone_verified", "", "电话已核实")  # never the number itself
    return True


def record_outcome(conn: sqlite3.Connection, signup_id: int, day: dt.date, attended: str, outcome: str,
                   status: str = "", actor: str = "", who: str = "") -> bool:
    """Record attendance and outcome on a sign-up; a new outcome (and a status) goes to its linked report,
    and 来了 stamps that report's 首次联系时间 when none is recorded.

    Returns whether anything changed. Saving the same outcome again adds no second line.
    """
    if attended not in ("", *ATTENDED):
        raise ValueError(attended)
    _check({"status": status} if status else {})
    with transaction(conn):
        signup = conn.execute("SELECT * FROM signups WHERE id = ?", (signup_id,)).fetchone()
        # Only a report whose phone is the sign-up's: a typed stranger's number never closes their case.
        report = reception.linked_report(conn, signup)
        changed = False
        if report is not None:
            changes = {"status": status} if status else {}
            if attended == ATTENDED[0] and not report["first_contact_at"].strip():
                # 来了: the resident spoke to the steward at the reception — that is the first contact.
                changes["first_contact_at"] = clock.now().strftime("%Y-%m-%d %H:%M")
            lines = []
            if status and status != report["status"]:
                lines.append(status_line(clock.now().date(), who or actor or "系统", report["status"], status))
            if outcome and outcome != signup["outcome"]:
                lines.append(f"{day.isoformat()} 联合接待：{outcome}")
            if lines:
                changes["notes"] = with_line(report["notes"], "\n".join(lines))
            changed = bool(apply_changes(conn, report, changes, actor))
        if (attended, outcome) != (signup["attended"], signup["outcome"]):
            conn.execute("UPDATE signups SET attended = ?, outcome = ?, updated_at = ? WHERE id = ?",
                         (attended, outcome, clock.iso(clock.now()), signup_id))
            outbox.enqueue(conn, "signup", signup_id)
            changed = True
    return changed
