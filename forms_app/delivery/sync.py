"""The sync worker: one loop that delivers the outbox and reads the stewards' edits back, retried with back-off.

Each job is its own module, and the worker runs them in turn: urgent alerts first (delivery/alerts.py),
then the shared-table records (delivery/push.py, exactly once), then, when due, the table → store read
(delivery/pull.py); texts to residents (delivery/sms.py) in their own thread. A failing alert channel
never holds back the table, and an unreachable table never delays an alert. `flask sync` runs it.
"""
from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import traceback

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import outbox
from forms_app.core.store import get_db
from forms_app.delivery import alerts
from forms_app.delivery.alerts import AlertSender
from forms_app.delivery.pull import Puller
from forms_app.delivery.push import Pusher
from forms_app.delivery.sms import SmsDelivery
from forms_app.delivery.tables import BackendUnavailable, TableError, TableService, service_from_config
from forms_app.notices.notify import Notifier, NotifyError

log = logging.getLogger(__name__)


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
        self.conn, self.directory, self.notifier, self.sms = conn, directory, notifier, sms
        self.alerts = AlertSender(conn, notifier, directory, urgent_per_hour) if notifier else None
        # `sleep` is looked up on each call, so a test (or anyone) may swap it after start.
        self.pusher = Pusher(conn, tables, directory, settle=settle, sleep=lambda seconds: self.sleep(seconds))
        self.puller = Puller(conn, tables, directory)
        self.kinds = (outbox.SHEET_KINDS if tables else ()) + (outbox.ALERT_KINDS if notifier else ())
        self.batch, self.interval, self.pull_interval, self.backoff_cap = batch, interval, pull_interval, backoff_cap
        self.stop = threading.Event()
        self.sleep = sleep or self.stop.wait
        self.monotonic, self.rng = monotonic, rng
        self.failures = 0
        self.next_pull = 0.0

    @property
    def tables(self) -> TableService | None:
        """The shared table, for both directions."""
        return self.pusher.tables

    @tables.setter
    def tables(self, tables) -> None:
        self.pusher.tables = self.puller.tables = tables

    sheets = tables  # the old name

    @property
    def verify(self) -> bool:
        """Whether the next add first reads the table's keys (delivery/push.py)."""
        return self.pusher.verify

    @verify.setter
    def verify(self, value: bool) -> None:
        self.pusher.verify = value

    @property
    def settle(self) -> float:
        """The table's call timeout: how long a write whose answer was lost may still land."""
        return self.pusher.settle

    def deliver(self) -> int:
        """One cycle: alerts first, then at most one append (and one update) per table; returns items delivered.

        A failing alert channel does not hold back the table: its error is raised after the table's turn.
        """
        if self.alerts is None:
            alerts.drop_without_channel(self.conn)
        by_kind: dict[str, list] = {kind: [] for kind in outbox.KINDS}
        for item in outbox.pending(self.conn, self.batch, self.kinds):
            by_kind[item["kind"]].append(item)
        alert_error, done = None, 0
        try:
            done = self.alerts.deliver(by_kind["alert"]) if self.alerts else 0
        except NotifyError as exc:
            alert_error = exc
        done += self.pusher.deliver(by_kind)
        if alert_error is not None:
            raise alert_error
        return done

    def pull(self) -> None:
        """Read the stewards' edits and the sessions back (delivery/pull.py)."""
        self.puller.run()

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
