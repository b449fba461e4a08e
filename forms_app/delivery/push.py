"""Outbox → the stewards' shared table: new and changed records, batched, retried, exactly once.

It speaks only the TableService interface (delivery/tables/): records by field title, whichever
backend holds them (Google Sheets, WeCom 智能表格, Feishu 多维表格).

Exactly once: every record carries its 提交编号 (场次编号 for sessions). After any write whose outcome
is unknown (TableError.ambiguous: a 5xx, a timeout, a dropped connection — or a worker killed
mid-call, hence also at start), the pusher reads the table's records before adding again and skips
the keys already there. A cycle sends every pending record (up to the worker's batch) in add() calls of
at most CHUNK records — no more than any backend takes in one call, so one add() never lands in part —
and marks each chunk delivered as soon as it is in: a burst of 1,000 reports is two write calls.
"""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time

from forms_app.core import clock, outbox
from forms_app.core.store import transaction
from forms_app.delivery.columns import REPORTS, SESSIONS, SIGNUPS, TABLES, report_values, session_values, signup_values
from forms_app.delivery.tables import TableError, TableService
from forms_app.residents import reception

log = logging.getLogger(__name__)
CHUNK = 500  # records per add(): WeCom and Feishu take at most 500 per call; Google takes this many easily
WRITING_KEY = "table_write_started"   # state: when the write now out began (left behind by a killed worker)


class Pusher:
    """Delivers the outbox's table kinds (report, report_update, signup, session). All its state is in SQLite
    but `verify`: whether the next add must first read the table's keys (True at start: a previous run may
    have died after the service applied its add)."""

    def __init__(self, conn: sqlite3.Connection, tables: TableService | None, directory, *, settle: float = 0.0,
                 sleep=None):
        self.conn, self.tables, self.directory = conn, tables, directory
        self.specs = {table.title: table.spec(directory) for table in TABLES}
        # After a write whose outcome is unknown, the checking read waits at least one call timeout
        # (SHEETS_TIMEOUT): a write the service was still applying when our call gave up has landed
        # by then, so the read sees it and the record is not sent twice.
        self.settle = settle
        self.sleep = sleep or time.sleep
        self.verify = True

    def deliver(self, by_kind: dict[str, list]) -> int:
        """At most one append (and one update) per table for these items (outbox kind → items); how many."""
        done = 0
        for kind, send in (("report", self._reports), ("report_update", self._report_updates),
                           ("signup", self._signups), ("session", self._sessions)):
            if by_kind.get(kind):
                done += send(by_kind[kind])
        return done

    def _rows(self, table: str, items) -> list[sqlite3.Row]:
        """The store rows behind outbox items, oldest first, each once."""
        ids = sorted({i["row_id"] for i in items})
        marks = ",".join("?" * len(ids))
        return self.conn.execute(f"SELECT * FROM {table} WHERE id IN ({marks}) ORDER BY id", ids).fetchall()

    def _write(self, items, call) -> None:
        """Run one write; on failure count the attempt (and remember to verify if it may have landed).

        While the call is out, a mark in the store says so: a worker killed mid-call leaves it, and the
        next worker waits until that write can no longer land before it reads the table to check."""
        with transaction(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (WRITING_KEY, clock.now().isoformat()))
        try:
            call()
        except TableError as exc:
            self.verify = self.verify or exc.ambiguous
            with transaction(self.conn):
                outbox.mark_failed(self.conn, [i["id"] for i in items], str(exc))
            raise
        finally:
            with transaction(self.conn):
                self.conn.execute("DELETE FROM state WHERE key = ?", (WRITING_KEY,))

    def _settle_killed_write(self) -> None:
        """A write a killed worker left out (its mark is still there) may still land: the adapter's add()
        makes up to three calls in turn (token, structure, the add itself), each bounded by the call
        timeout (`settle`), and the service may take one more to apply it. Wait that out before the
        checking read, then forget the mark."""
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (WRITING_KEY,)).fetchone()
        if row is None:
            return
        left = (clock.parse(row[0]) + dt.timedelta(seconds=4 * self.settle) - clock.now()).total_seconds()
        if left > 0:
            log.info("a write of a stopped worker may still land: waiting %.1f s before checking the table", left)
            self.sleep(left)
        with transaction(self.conn):
            self.conn.execute("DELETE FROM state WHERE key = ?", (WRITING_KEY,))

    def _kept_home(self, items, rows) -> set[int]:
        """Rows whose resident declined the transfer abroad (PIPL §39) while the table is Google Sheets:
        never sent; their queue items are closed with a note. Their ids."""
        if getattr(self.tables, "name", "") != "google":
            return set()
        kept = {r["id"] for r in rows if "abroad_consent" in r.keys() and r["abroad_consent"] == 0}
        if kept:
            with transaction(self.conn):
                outbox.mark_delivered(self.conn, [i["id"] for i in items if i["row_id"] in kept],
                                      note="居民没有同意信息出境，不同步到 Google 表格")
        return kept

    def _add(self, items, spec, rows: list[dict]) -> None:
        """New records in add() calls of at most CHUNK (a retry re-reads the keys first, so none doubles)."""
        for start in range(0, len(rows), CHUNK):
            self._write(items, lambda: self.tables.add(spec, rows[start:start + CHUNK]))

    def _keys(self, spec) -> dict[str, str]:
        """Key (提交编号 / 场次编号) → record id, read from the table (one records() call)."""
        out: dict[str, str] = {}
        for record in self.tables.records(spec):
            key = str(record.values.get(spec.key, "")).strip()
            if key:
                out.setdefault(key, record.id)
        return out

    def _reports(self, items) -> int:
        """New reports → 问题登记 in one add(), skipping any the table already has when in doubt."""
        spec = self.specs[REPORTS.title]
        rows = self._rows("reports", items)
        kept = self._kept_home(items, rows)
        rows = [r for r in rows if r["id"] not in kept]
        items = [i for i in items if i["row_id"] not in kept]
        if self.verify:
            self._settle_killed_write()
            present = self._keys(spec)
            rows = [r for r in rows if r["submission_id"] not in present]
        by_row: dict[int, list] = {}
        for item in items:
            by_row.setdefault(item["row_id"], []).append(item)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            taken = [i for r in chunk for i in by_row.pop(r["id"], [])]
            self._write(taken, lambda: self.tables.add(spec, [report_values(r, self.directory) for r in chunk]))
            with transaction(self.conn):  # in: never sent again, whatever happens to the next chunk
                outbox.mark_delivered(self.conn, [i["id"] for i in taken])
        with transaction(self.conn):  # already in the table (or their report is gone)
            outbox.mark_delivered(self.conn, [i["id"] for rest in by_row.values() for i in rest])
        self.verify = False
        log.info("delivered %d report records (%d queue items)", len(rows), len(items))
        return len(items)

    def _report_updates(self, items) -> int:
        """Changed fields (a follow-up, the stewards' page, retention) → their records, in one update()."""
        spec = self.specs[REPORTS.title]
        where = self._keys(spec)
        rows = {r["id"]: r for r in self._rows("reports", items)}
        changes: dict[str, dict[str, str]] = {}
        for item in items:  # oldest first, so a later change to the same field wins
            record_id = where.get(rows[item["row_id"]]["submission_id"])
            if record_id:
                changes.setdefault(record_id, {}).update(
                    {title: str(value) for title, value in outbox.payload(item).items() if title in spec.titles})
        changes = {record_id: values for record_id, values in changes.items() if values}
        if changes:
            self._write(items, lambda: self.tables.update(spec, list(changes.items())))
        with transaction(self.conn):
            outbox.mark_delivered(self.conn, [i["id"] for i in items])
        return len(items)

    def _signups(self, items) -> int:
        """Sign-ups → 接待报名: new ones added; changed ones (cancelled, promoted, anonymised) updated in place.

        In a changed record every service field is rewritten; a steward field only where we have a
        value (an outcome entered on our page), so what a steward typed in the others is kept.
        """
        spec = self.specs[SIGNUPS.title]
        where = self._keys(spec)
        rows = self._rows("signups", items)
        kept = self._kept_home(items, rows)
        rows = [r for r in rows if r["id"] not in kept]
        items = [i for i in items if i["row_id"] not in kept]
        values = {r["id"]: signup_values(r, reception.get_session(self.conn, r["session_id"]), self.directory)
                  for r in rows}
        new = [values[r["id"]] for r in rows if r["submission_id"] not in where]
        changes = [(where[r["submission_id"]], {title: value for title, value in values[r["id"]].items()
                                                 if title in SIGNUPS.service_columns or value})
                   for r in rows if r["submission_id"] in where]
        return self._add_and_update(items, spec, new, changes, "sign-ups")

    def _sessions(self, items) -> int:
        """Sessions created or edited on the stewards' pages → 接待场次: updated in place by 场次编号, else added.

        The record is written as the session stands now (the latest edit wins); the keys are read first,
        so a retried add whose first try landed updates that record instead of adding another.
        """
        spec = self.specs[SESSIONS.title]
        where = self._keys(spec)
        wanted = list(dict.fromkeys(outbox.payload(i).get("id", "") for i in items))
        rows = [r for i in wanted if (r := self.conn.execute("SELECT * FROM sessions WHERE id = ?", (i,)).fetchone())]
        new = [session_values(r) for r in rows if r["id"] not in where]
        changes = [(where[r["id"]], session_values(r)) for r in rows if r["id"] in where]
        return self._add_and_update(items, spec, new, changes, "sessions")

    def _add_and_update(self, items, spec, new: list[dict], changes: list, what: str) -> int:
        """New records added, changed ones updated in place (record id, values), the items closed; how many."""
        self._add(items, spec, new)
        if changes:
            self._write(items, lambda: self.tables.update(spec, changes))
        with transaction(self.conn):
            outbox.mark_delivered(self.conn, [i["id"] for i in items])
        log.info("delivered %d new %s and %d changed ones", len(new), what, len(changes))
        return len(items)
