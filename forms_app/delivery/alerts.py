"""Urgent alerts and system notes from the outbox → the stewards' channels (notices/notify.Notifier).

Each alert goes on its own: a channel that took it is not tried again; one failing too long is given up.
Urgent alerts beyond ALERT_URGENT_PER_HOUR in the last hour are folded into one message
("另有N条紧急问题，请看工作台", delivery/alert_cap.py), posted at most once an hour. With no channel
configured, pending alerts are closed with a note (the daily digest still lists their cases).
"""
from __future__ import annotations

import json
import logging
import sqlite3

from forms_app.core import outbox
from forms_app.core.store import transaction
from forms_app.delivery import alert_cap
from forms_app.notices.messages import alert_for, sms_refused_message
from forms_app.notices.notify import NotifyError

log = logging.getLogger(__name__)
NO_CHANNEL = "没有配置提醒渠道，未发送（每日汇总仍会列出这个问题）"


def drop_without_channel(conn: sqlite3.Connection) -> None:
    """No alert channel: close the pending alerts with a note, so they do not pile up (/healthz: alerts off)."""
    with transaction(conn):
        dropped = [r[0] for r in conn.execute(
            "SELECT id FROM outbox WHERE kind IN ({}) AND delivered_at IS NULL".format(
                ",".join("?" * len(outbox.ALERT_KINDS))), outbox.ALERT_KINDS)]
        outbox.mark_delivered(conn, dropped, note=NO_CHANNEL)


class AlertSender:
    """Posts the outbox's alerts through one Notifier, within the hourly cap on urgent ones."""

    def __init__(self, conn: sqlite3.Connection, notifier, directory, urgent_per_hour: int = 0):
        self.conn, self.notifier, self.directory = conn, notifier, directory
        self.cap = alert_cap.UrgentCap(conn, urgent_per_hour)  # ALERT_URGENT_PER_HOUR (delivery/alert_cap.py)

    def deliver(self, items) -> int:
        """Post these alert items (and, once their hour is over, the folded ones); how many items were handled.

        Raises the last NotifyError after trying every item: a failing channel holds back no other alert.
        """
        if not items and not self.cap.per_hour:
            return 0
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
