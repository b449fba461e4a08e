"""The stewards' shared table → the store: their edits read back, hand-typed rows adopted, sessions kept in step.

What a steward typed is checked as the web form checks it (readback.py); a report or session whose own
local change has not reached the table yet keeps its local values. Every field changed from the table
gets a history row (actor 表格).
"""
from __future__ import annotations

import logging
import sqlite3

from forms_app.core import clock, history, outbox
from forms_app.core.cases import STEWARD_FIELDS
from forms_app.core.store import transaction
from forms_app.delivery import readback
from forms_app.delivery.adopt import Adopter
from forms_app.delivery.columns import REPORTS, SESSIONS
from forms_app.delivery.sheet_layout import parse_session
from forms_app.delivery.tables import TableService
from forms_app.residents import case_changes, texts

log = logging.getLogger(__name__)


class Puller:
    """Reads 问题登记 and 接待场次 into the store (one pass: `run`)."""

    def __init__(self, conn: sqlite3.Connection, tables: TableService | None, directory):
        self.conn, self.directory = conn, directory
        self.specs = {table.title: table.spec(directory) for table in (REPORTS, SESSIONS)}
        self.adopter = Adopter(conn, tables, directory)

    @property
    def tables(self) -> TableService | None:
        return self.adopter.tables

    @tables.setter
    def tables(self, tables) -> None:
        self.adopter.tables = tables

    def run(self) -> None:
        """Read the stewards' edits (status, public note and the other steward columns) and the sessions.

        Hand-typed rows become cases first (adopt.py), so their steward columns are read in the same pass.
        Every field changed from the sheet gets a history row (actor 表格), as apply_changes writes one.
        """
        records = self.adopter.run([r.values for r in self.tables.records(self.specs[REPORTS.title])])
        session_rows = [r.values for r in self.tables.records(self.specs[SESSIONS.title])
                        if any(str(v).strip() for v in r.values.values())]
        parsed = [(r, parse_session(r)) for r in session_rows]
        sessions = [s for _, s in parsed if s]
        # A row that cannot be read (a date, time or 名额 mistyped) keeps the session's last good values.
        unreadable = {str(r.get("场次编号", "")).strip() for r, s in parsed if not s} - {""}
        if len(sessions) < len(session_rows):
            log.warning("接待场次: %d row(s) could not be read (date, times or capacity); kept as they were",
                        len(session_rows) - len(sessions))
        now = clock.iso(clock.now())
        with transaction(self.conn):
            # A report whose own change has not reached the sheet yet keeps its local values.
            waiting = {r[0] for r in self.conn.execute(
                "SELECT r.submission_id FROM outbox o JOIN reports r ON r.id = o.row_id "
                "WHERE o.kind = 'report_update' AND o.delivered_at IS NULL")}
            # What a steward typed is checked as the web form checks it (readback.py): a 状态 or 首次联系时间
            # the service cannot read goes back, with a 【系统】 line in 处理记录.
            self._read_back([rec for rec in records if rec.get("提交编号") and rec["提交编号"] not in waiting], now)
            # Likewise a session edited on the stewards' pages whose row is still on its way.
            editing = {outbox.payload(r).get("id") for r in self.conn.execute(
                "SELECT payload FROM outbox WHERE kind = 'session' AND delivered_at IS NULL")}
            for s in sessions:
                if s["id"] in editing:
                    continue
                self.conn.execute("SAVEPOINT session_row")  # one row the store refuses does not undo the others
                try:
                    self.conn.execute(
                        "INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity, is_open, note) "
                        "VALUES (:id, :date, :start_time, :end_time, :place, :parties, :capacity, :is_open, :note) "
                        "ON CONFLICT(id) DO UPDATE SET date=excluded.date, start_time=excluded.start_time, "
                        "end_time=excluded.end_time, place=excluded.place, parties=excluded.parties, "
                        "capacity=excluded.capacity, is_open=excluded.is_open, note=excluded.note", s)
                except (sqlite3.Error, OverflowError, ValueError) as exc:
                    self.conn.execute("ROLLBACK TO session_row")
                    unreadable.add(s["id"])
                    log.warning("接待场次: a row was refused by the store (%s); kept as it was", type(exc).__name__)
                self.conn.execute("RELEASE session_row")
            # A session the stewards deleted from the sheet takes no more sign-ups; one whose row could not
            # be read keeps its last good values.
            listed = [s["id"] for s in sessions] + sorted(i for i in editing | unreadable if i)
            self.conn.execute(f"UPDATE sessions SET is_open = 0 WHERE id NOT IN ({','.join('?' * len(listed))})", listed)

    def _read_back(self, records: list[dict], now: str) -> int:
        """The steward columns of these rows into their cases, one history row per changed field; how many changed.

        Newly 已解决 in the sheet asks the resident's follow-up; any other status clears the question.
        """
        fields = list(STEWARD_FIELDS)
        by_id = {rec["提交编号"]: rec for rec in records}
        ids, changed = list(by_id), 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.conn.execute(f"SELECT id, submission_id, compound_id, followup_due, reopened_at, rehandled_at, "
                                     f"{', '.join(fields)} FROM reports "
                                     f"WHERE submission_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            today = clock.now().date()
            for row in rows:
                rec = by_id[row["submission_id"]]
                compound = self.directory.compounds.get(row["compound_id"])
                checked = readback.check(row, rec, compound.steward.name if compound else "", today, today.isoformat())
                if checked.cells:
                    outbox.enqueue(self.conn, "report_update", row["id"], checked.cells)
                changes = checked.changes
                if not changes:
                    continue
                status = changes.get("status", row["status"])
                followup_due = 0 if status != "已解决" else 1 if row["status"] != "已解决" else row["followup_due"]
                if row["reopened_at"] and not row["rehandled_at"] and changes.keys() & {"status", "first_contact_at"}:
                    changes["rehandled_at"] = now  # a reopened case handled again in the sheet (deadlines)
                if changes.get("status") in texts.STATUS_TEXTS:  # a change the resident is texted about
                    before = self.conn.execute("SELECT * FROM reports WHERE id = ?", (row["id"],)).fetchone()
                    texts.for_status(self.conn, before, status, changes.get("public_note", before["public_note"]))
                case_changes.write(self.conn, row, {**changes, "followup_due": followup_due}, history.SHEET,
                                   to_table=False)   # it came from the table
                changed += 1
        return changed
