"""The sync worker: outbox → the stewards' shared table (batched, retried, exactly once), and table → store.

It speaks only the TableService interface (delivery/tables/): records by field title, whichever
backend holds them (Google Sheets, WeCom 智能表格, Feishu 多维表格).

Exactly once: every record carries its 提交编号 (场次编号 for sessions). After any write whose outcome
is unknown (TableError.ambiguous: a 5xx, a timeout, a dropped connection — or a worker killed
mid-call, hence also at start), the worker reads the table's records before adding again and skips
the keys already there. A cycle sends every pending record (up to `batch`) in add() calls of at most
CHUNK records — no more than any backend takes in one call, so one add() never lands in part — and
marks each chunk delivered as soon as it is in: a burst of 1,000 reports is two write calls.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import random
import sqlite3
import threading
import time
import traceback

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import clock, history
from forms_app.core import outbox
from forms_app.delivery import readback
from forms_app.delivery import alert_cap
from forms_app.delivery.adopt import Adopter
from forms_app.residents import reception
from forms_app.core.cases import STEWARD_FIELDS
from forms_app.delivery.columns import REPORTS, SESSIONS, SIGNUPS, TABLES, report_values, session_values, signup_values
from forms_app.delivery.sheet_layout import parse_session
from forms_app.notices.messages import alert_for, sms_refused_message
from forms_app.notices.notify import Notifier, NotifyError
from forms_app.delivery.tables import BackendUnavailable, TableError, TableService, service_from_config
from forms_app.delivery.sms import SmsDelivery
from forms_app.residents import sms_notices
from forms_app.core.store import get_db, transaction

log = logging.getLogger(__name__)
NO_CHANNEL = "没有配置提醒渠道，未发送（每日汇总仍会列出这个问题）"
CHUNK = 500  # records per add(): WeCom and Feishu take at most 500 per call; Google takes this many easily


WRITING_KEY = "table_write_started"   # state: when the write now out began (left behind by a killed worker)


class Worker:
    """One worker per store. All its state is in SQLite, so a killed worker resumes where it stopped.

    `tables` (delivery to the stewards' shared table) and `notifier` (urgent alerts) are each optional:
    the worker delivers the outbox kinds it has a channel for and leaves the rest queued. `sms`
    (texts to residents, delivery/sms.py), when given, runs in its own thread with its own
    connection and back-off, so it neither waits for nor holds back the sheet and the alerts.
    """

    def __init__(self, conn: sqlite3.Connection, tables: TableService | None, directory, *, notifier=None,
                 sms: SmsDelivery | None = None, batch: int = 2000,
                 interval: float = 5.0, pull_interval: float = 60.0, backoff_cap: float = 60.0,
                 sleep=None, monotonic=time.monotonic, rng=random.random, urgent_per_hour: int = 0,
                 settle: float = 0.0):
        self.conn, self.tables, self.directory, self.notifier, self.sms = conn, tables, directory, notifier, sms
        self.cap = alert_cap.UrgentCap(conn, urgent_per_hour)  # ALERT_URGENT_PER_HOUR (delivery/alert_cap.py)
        self.kinds = (outbox.SHEET_KINDS if tables else ()) + (outbox.ALERT_KINDS if notifier else ())
        self.specs = {table.title: table.spec(directory) for table in TABLES}
        self.batch, self.interval, self.pull_interval, self.backoff_cap = batch, interval, pull_interval, backoff_cap
        # After a write whose outcome is unknown, the checking read waits at least one call timeout
        # (SHEETS_TIMEOUT): a write the service was still applying when our call gave up has landed
        # by then, so the read sees it and the record is not sent twice.
        self.settle = settle
        self.stop = threading.Event()
        self.sleep = sleep or self.stop.wait
        self.monotonic, self.rng = monotonic, rng
        self.verify = True  # a previous run may have died after the service applied its add
        self.failures = 0
        self.next_pull = 0.0
        self.adopter = Adopter(conn, tables, directory)

    @property
    def sheets(self) -> TableService | None:
        """The old name of `tables`."""
        return self.tables

    @sheets.setter
    def sheets(self, tables) -> None:
        self.tables = self.adopter.tables = tables

    # --- outbox → sheet ---------------------------------------------------------------

    def deliver(self) -> int:
        """One cycle: alerts first, then at most one append (and one update) per worksheet; returns items delivered.

        A failing alert channel does not hold back the sheet: its error is raised after the sheet's turn.
        """
        if self.notifier is None:  # no alert channel: urgent alerts do not pile up (/healthz: alerts off)
            with transaction(self.conn):
                dropped = [r[0] for r in self.conn.execute(
                    "SELECT id FROM outbox WHERE kind IN ({}) AND delivered_at IS NULL".format(
                        ",".join("?" * len(outbox.ALERT_KINDS))), outbox.ALERT_KINDS)]
                outbox.mark_delivered(self.conn, dropped, note=NO_CHANNEL)
        items = outbox.pending(self.conn, self.batch, self.kinds)
        by_kind: dict[str, list] = {kind: [] for kind in outbox.KINDS}
        for item in items:
            by_kind[item["kind"]].append(item)
        alert_error, done = None, 0
        try:
            # No new alert: still post the folded ones once their hour is over.
            done = self._alerts(by_kind["alert"]) if by_kind["alert"] or (self.notifier and self.cap.per_hour) else 0
        except NotifyError as exc:
            alert_error = exc
        if by_kind["report"]:
            done += self._reports(by_kind["report"])
        if by_kind["report_update"]:
            done += self._report_updates(by_kind["report_update"])
        if by_kind["signup"]:
            done += self._signups(by_kind["signup"])
        if by_kind["session"]:
            done += self._sessions(by_kind["session"])
        if alert_error is not None:
            raise alert_error
        return done

    def _alerts(self, items) -> int:
        """Each alert on its own: a channel that took it is not tried again; one failing too long is given up.

        Urgent alerts beyond ALERT_URGENT_PER_HOUR in the last hour are not posted one by one: they are
        folded into one message ("另有N条紧急问题，请看工作台"), sent at most once an hour.
        """
        failed = None
        for item in items:
            payload = outbox.payload(item)
            system = payload.get("type") == "sms_refused"  # about our settings, not a case
            report = None if system else self.conn.execute("SELECT * FROM reports WHERE id = ?",
                                                           (item["row_id"],)).fetchone()
            gone = "问题记录已不存在，未发送" if report is None and not system else self.notifier.stale(item)
            if gone:
                with transaction(self.conn):
                    outbox.mark_delivered(self.conn, [item["id"]], note=gone)
                log.warning("alert item %d given up after %d attempts", item["id"], item["attempts"])
                continue
            urgent = not system and payload.get("type", "urgent") == "urgent"
            if urgent and not self.cap.allows():
                with transaction(self.conn):
                    outbox.mark_delivered(self.conn, [item["id"]], note=alert_cap.FOLDED)
                    self.cap.fold()
                continue
            try:
                if system:
                    self.notifier.post(sms_refused_message(payload), skip=payload.get("sent", ()))
                else:
                    self.notifier.send(alert_for(report, payload, self.directory))
            except NotifyError as exc:
                failed = exc
                with transaction(self.conn):
                    outbox.mark_failed(self.conn, [item["id"]], str(exc))
                    if exc.sent:  # the channels that took it are skipped on the retry
                        self.conn.execute("UPDATE outbox SET payload = ? WHERE id = ?",
                                          (json.dumps({**payload, "sent": exc.sent}, ensure_ascii=False), item["id"]))
                continue
            with transaction(self.conn):
                outbox.mark_delivered(self.conn, [item["id"]])
                if urgent:
                    self.cap.posted()
        try:
            self.cap.post_folded(self.notifier)
        except NotifyError as exc:
            failed = failed or exc
        if failed is not None:
            raise failed
        return len(items)

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
        self._add(items, spec, new)
        if changes:
            self._write(items, lambda: self.tables.update(spec, changes))
        with transaction(self.conn):
            outbox.mark_delivered(self.conn, [i["id"] for i in items])
        log.info("delivered %d new sign-ups and %d changed ones", len(new), len(changes))
        return len(items)

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
        self._add(items, spec, new)
        if changes:
            self._write(items, lambda: self.tables.update(spec, changes))
        with transaction(self.conn):
            outbox.mark_delivered(self.conn, [i["id"] for i in items])
        log.info("delivered %d new sessions and %d changed ones", len(new), len(changes))
        return len(items)

    # --- sheet → store ----------------------------------------------------------------

    def pull(self) -> None:
        """Read the stewards' edits (status, public note and the other steward columns) and the sessions.

        Hand-typed rows become cases first (adopt.py), so their steward columns are read in the same pass.
        Every field changed from the sheet gets a history row (actor 表格), as apply_changes writes one.
        """
        records = self.adopter.run([r.values for r in self.tables.records(self.specs[REPORTS.title])])
        session_rows = [r.values for r in self.tables.records(self.specs[SESSIONS.title])
                        if any(str(v).strip() for v in r.values.values())]
        sessions = [s for s in map(parse_session, session_rows) if s]
        # A row that cannot be read (a date, time or 名额 mistyped) keeps the session's last good values.
        unreadable = {str(r.get("场次编号", "")).strip() for r in session_rows if not parse_session(r)} - {""}
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
                if changes.get("status") in sms_notices.STATUS_NOTICES:  # a change the resident is texted about
                    before = self.conn.execute("SELECT * FROM reports WHERE id = ?", (row["id"],)).fetchone()
                    sms_notices.for_status(self.conn, before, status, changes.get("public_note", before["public_note"]))
                self.conn.execute(f"UPDATE reports SET {', '.join(f'{f} = ?' for f in changes)}, followup_due = ?, "
                                  "version = version + 1, updated_at = ? WHERE id = ?",
                                  [*changes.values(), followup_due, now, row["id"]])
                for field, value in changes.items():
                    history.record(self.conn, row["id"], history.SHEET, field, row[field], value, at=now)
                changed += 1
        return changed

    # --- the loop ---------------------------------------------------------------------

    def backoff(self) -> float:
        """Exponential back-off with jitter, capped: 2, 4, 8 … 60 s (each between half and all of it)."""
        delay = min(self.backoff_cap, 2.0 * 2 ** (self.failures - 1))
        return delay / 2 + self.rng() * delay / 2

    def cycle(self) -> bool:
        """Deliver once (alerts first), then pull if due; False (and a back-off pause) on a failure.

        An unreachable Google never delays an urgent alert, and a failing alert channel never stops the
        stewards' edits being read: an alert error counts only after the pull.
        """
        try:
            alert_error = None
            try:
                self.deliver()
            except NotifyError as exc:
                alert_error = exc
            if self.tables and self.monotonic() >= self.next_pull:
                self.pull()
                self.next_pull = self.monotonic() + self.pull_interval
            if alert_error is not None:
                raise alert_error
        except (TableError, NotifyError) as exc:
            self.failures += 1
            # Retrying soon will not fix a missing header or a 403: wait the longest, and say so loudly.
            delay = self.backoff() if getattr(exc, "retryable", True) else self.backoff_cap
            if getattr(exc, "ambiguous", False):
                delay = max(delay, self.settle)
            log.log(logging.WARNING if getattr(exc, "retryable", True) else logging.ERROR,
                    "delivery failed (%s); retry %d in %.1f s", exc, self.failures, delay)
            self.sleep(delay)
            return False
        except Exception as exc:  # noqa: BLE001 — a bug or a value nobody foresaw must not stop delivery
            self.failures += 1
            self.verify = True  # the cycle may have stopped after an append landed
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            delay = self.backoff()
            # The type and the line only: the message could quote a resident's text.
            log.error("sync cycle failed unexpectedly: %s at %s:%s; retry %d in %.1f s", type(exc).__name__,
                      where.filename.rsplit("/", 1)[-1] if where else "?", where.lineno if where else "?",
                      self.failures, delay)
            self.sleep(delay)
            return False
        self.failures = 0
        return True

    def run(self, once: bool = False, max_failures: int = 8) -> bool:
        """Until stopped (or, with once, until the outbox is empty); True when nothing is left.

        Texts (sms) go in their own thread; with once, inline after each cycle (held ones do not count).
        """
        if self.sms and not once:
            threading.Thread(target=self.sms.run, args=(self.stop, self.interval), name="sms", daemon=True).start()
        while not self.stop.is_set():
            ok = self.cycle()
            if once and self.sms:
                self.sms.deliver()
            left = outbox.backlog(self.conn, self.kinds) + (self.sms.backlog() if once and self.sms else 0)
            if once and ok and left == 0:
                return True
            if once and self.failures >= max_failures:
                return False
            if ok:
                # More waiting: go again soon, but at most 20 cycles a minute — each sends up to three
                # writes, and Google allows a service account 60 write requests a minute.
                self.sleep(self.interval if left == 0 else min(self.interval, 3.0))
        return outbox.backlog(self.conn, self.kinds) == 0


@click.command("sync")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver everything pending, then exit.")
def sync_command(once: bool) -> None:
    """Deliver the outbox (shared-table records, urgent alerts, texts to residents) and read the stewards' edits back."""
    app = current_app
    notifier = Notifier.from_config(app.config)
    sms = SmsDelivery.from_config(get_db(), app.config)
    if not app.config["SHEETS_ENABLED"] and notifier is None and sms is None:
        raise click.ClickException("未配置共享表格、紧急提醒或短信：没有要发送的内容（见 .env.example）。")
    try:
        tables = service_from_config(app.config)
    except BackendUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    worker = Worker(get_db(), tables, app.extensions["directory"], notifier=notifier, sms=sms,
                    interval=app.config["SYNC_INTERVAL"], pull_interval=app.config["SYNC_PULL_INTERVAL"],
                    urgent_per_hour=app.config.get("ALERT_URGENT_PER_HOUR", 0),
                    settle=float(app.config.get("SHEETS_TIMEOUT") or 0))
    try:
        drained = worker.run(once=once)
    except KeyboardInterrupt:
        drained = False
    finally:
        if tables:
            tables.close()
    if once and sms is not None and sms.refused:  # a cron job must report it, not wait for it
        raise click.ClickException(f"短信服务商拒绝了我们的账号或设置（{'、'.join(sorted(set(sms.refused)))}），"
                                   "这些短信已标为未发出，不再重试；请检查短信设置（见 .env.example）。")
    if once and not drained:
        raise click.ClickException("还有内容没能送出（表格、紧急提醒或短信），稍后会重试。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(sync_command)
