"""Urgent alerts per hour (issue 18 #5): anyone can file urgent reports, so at most ALERT_URGENT_PER_HOUR
urgent alerts are posted one by one in any hour; the rest are folded into one message
("另有N条紧急问题，请看工作台"), posted at most once an hour. Kept in the store's `state` table, so it
holds across restarts and `flask sync --once` runs from cron.
"""
from __future__ import annotations

import json
import logging
import sqlite3

from forms_app.core import clock
from forms_app.core.store import transaction
from forms_app.notices.messages import folded_message

log = logging.getLogger(__name__)
KEY = "urgent_alerts"  # state: {"sent": [unix times in the last hour], "folded": n, "summary_at": unix time}
FOLDED = "已合并：这一小时的紧急提醒已达上限（ALERT_URGENT_PER_HOUR），合在一条汇总里"
HOUR = 3600.0


class UrgentCap:
    """The hourly cap of one store; per_hour 0 = no cap (every urgent alert on its own)."""

    def __init__(self, conn: sqlite3.Connection, per_hour: int = 0):
        self.conn, self.per_hour = conn, int(per_hour or 0)

    def _state(self, sent: int = 0, folded: int = 0, summary: bool = False) -> dict:
        """Read (and, with a change, write — inside the caller's transaction) the counters."""
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (KEY,)).fetchone()
        state = json.loads(row["value"]) if row else {"sent": [], "folded": 0, "summary_at": 0}
        now = clock.now().timestamp()
        state["sent"] = [t for t in state["sent"] if t > now - HOUR] + [now] * sent
        state["folded"] += folded
        if summary:
            state["folded"], state["summary_at"] = 0, now
        if sent or folded or summary:
            self.conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                              "value = excluded.value", (KEY, json.dumps(state)))
        return state

    def allows(self) -> bool:
        """Whether one more urgent alert may be posted on its own now."""
        return not self.per_hour or len(self._state()["sent"]) < self.per_hour

    def posted(self) -> None:
        """Inside the transaction marking an urgent alert delivered: count it."""
        if self.per_hour:
            self._state(sent=1)

    def fold(self) -> None:
        """Inside a transaction: one urgent alert held back, to be counted in the next summary."""
        self._state(folded=1)

    def post_folded(self, notifier) -> None:
        """The folded alerts as one message, at most once an hour; NotifyError when a channel fails (kept for later)."""
        if not self.per_hour:
            return
        state = self._state()
        if not state["folded"] or clock.now().timestamp() - state["summary_at"] < HOUR:
            return
        notifier.post(folded_message(state["folded"]))
        log.warning("%d urgent alerts folded into one message", state["folded"])
        with transaction(self.conn):
            self._state(summary=True)
