"""Texts to residents: the worker's SMS part (outbox `sms` items → the provider) and `flask remind`.

Each text is handled on its own, with its own back-off, and never raises into the worker's cycle:
a throttled or unreachable provider never holds back the sheet or the alerts, and they never hold
back the texts. Per item:

- held (not tried, not counted) in quiet hours — SMS_QUIET_START to SMS_QUIET_END, Shanghai time —
  unless its case's category is urgent AND a steward has checked the resident's own number with
  them (电话已核实): a stranger naming someone's number in an urgent report cannot wake them at
  night; and held until its own time (the 回访 invitation: next morning);
- skipped when no longer true (the sign-up was cancelled, the follow-up answered, the case is no
  longer in the status the text announces — a reopened case never gets "已解决"), when the phone
  already had SMS_DAILY_LIMIT texts today, or when the whole street's texts today reached
  SMS_DAILY_BUDGET;
- marked `sending` (committed) before the call, so a worker killed mid-call knows the text may
  have gone; on an ambiguous failure (timeout, lost answer, 5xx) or such a leftover it becomes
  `unknown`, and before sending again the worker looks for its tag (the outbox item id, in Aliyun's
  OutId / Tencent's SessionContext) in the provider's send records — neither provider de-duplicates;
- retried with exponential back-off (2 s doubling to 5 min) on throttling and 5xx; given up with a
  note on the case on a permanent refusal (bad number, template not approved) or MAX_AGE after it
  was due. A refusal of our account or settings (a wrong key, an unapproved signature or template,
  no balance: SmsError.account) is told to the office once through the alert channels (again only
  after a text has gone through since), and makes `flask sync --once` exit non-zero.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import random
import sqlite3

import click
from flask.cli import with_appcontext

from forms_app.core import clock, outbox
from forms_app.core.store import connect, get_db, transaction
from forms_app.notices import sms as providers
from forms_app.notices.sms import SmsError, Text
from forms_app.residents import case_changes, reception, texts

log = logging.getLogger(__name__)
MAX_AGE = dt.timedelta(hours=24)   # a text still not sent after this is given up (it would come too late)
PER_CYCLE = 20                     # texts tried per worker cycle
REFUSED_KEY = "sms_refused"        # state: the account refusal the office was last told of


def quiet_window(config) -> tuple[dt.time, dt.time]:
    """(start, end) of the quiet hours from the settings ("21:00", "08:00")."""
    try:
        return (dt.time.fromisoformat(config.get("SMS_QUIET_START") or "21:00"),
                dt.time.fromisoformat(config.get("SMS_QUIET_END") or "08:00"))
    except ValueError:
        raise ValueError("SMS_QUIET_START、SMS_QUIET_END 应写成 21:00、08:00 这样的时间（24 小时制）。") from None


class SmsDelivery:
    """Delivers the `sms` outbox items of one store through one provider adapter."""

    def __init__(self, conn: sqlite3.Connection, channel, *, daily_limit: int = 5,
                 quiet: tuple[dt.time, dt.time] = (dt.time(21), dt.time(8)), templates: dict[str, str] | None = None,
                 now=clock.now, backoff_base: float = 2.0, backoff_cap: float = 300.0, rng=random.random,
                 budget: int = 0, alerts: bool = False):
        self.conn, self.channel, self.daily_limit, self.quiet = conn, channel, daily_limit, quiet
        self.templates = templates or {}
        self.now, self.backoff_base, self.backoff_cap, self.rng = now, backoff_base, backoff_cap, rng
        self.budget = budget    # texts a day for the whole street (SMS_DAILY_BUDGET); 0 = no budget
        self.alerts = alerts    # alert channels configured: the office is told of an account refusal
        self.refused: list[str] = []  # account refusals met by this process (`sync --once` exits non-zero)
        self.recovered = False

    @classmethod
    def from_config(cls, conn, config, timeout: float = providers.TIMEOUT, **kwargs) -> "SmsDelivery | None":
        """From the settings; None when SMS is off."""
        channel = providers.from_config(config, timeout=timeout)
        if channel is None:
            return None
        return cls(conn, channel, daily_limit=config.get("SMS_DAILY_LIMIT", 5), quiet=quiet_window(config),
                   templates={kind: config.get(n.setting, "") for kind, n in texts.KINDS.items()},
                   budget=int(config.get("SMS_DAILY_BUDGET") or 0), alerts=bool(config.get("ALERTS_ENABLED")), **kwargs)

    # --- when -------------------------------------------------------------------------------

    def in_quiet_hours(self, moment: dt.datetime) -> bool:
        start, end = self.quiet
        t = moment.astimezone(clock.SHANGHAI).time()
        return (start <= t or t < end) if start > end else (start <= t < end)

    def quiet_ends(self, moment: dt.datetime) -> dt.datetime:
        """The next end of the quiet hours after `moment`."""
        local = moment.astimezone(clock.SHANGHAI)
        end = dt.datetime.combine(local.date(), self.quiet[1], tzinfo=clock.SHANGHAI)
        return end if end > local else end + dt.timedelta(days=1)

    def _ts(self) -> float:
        return self.now().timestamp()

    def backoff(self, attempts: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(attempts - 1, 0))
        return delay / 2 + self.rng() * delay / 2

    # --- the queue --------------------------------------------------------------------------

    def due(self, limit: int = PER_CYCLE) -> list[sqlite3.Row]:
        """Undelivered sms items whose text may be tried now, oldest first."""
        return self.conn.execute(
            "SELECT o.id AS item_id, o.queued_at, o.attempts AS item_attempts, o.last_error, n.* FROM outbox o "
            "JOIN texts n ON n.id = o.row_id WHERE o.kind = 'sms' AND o.delivered_at IS NULL AND n.next_try <= ? "
            "ORDER BY o.id LIMIT ?", (self.now().timestamp(), limit)).fetchall()

    def backlog(self) -> int:
        """Texts still to go for `sync --once`: those due now or in back-off; not those held for quiet hours
        or scheduled for later (the 回访 invitation)."""
        now = self._ts()
        return self.conn.execute(
            "SELECT count(*) FROM outbox o JOIN texts n ON n.id = o.row_id WHERE o.kind = 'sms' "
            "AND o.delivered_at IS NULL AND (n.next_try <= ? OR (n.attempts > 0 AND n.next_try <= ?))",
            (now, now + 600)).fetchone()[0]

    def recover(self) -> None:
        """At start: a text left `sending` by a killed worker may have gone out — verify before resending."""
        with transaction(self.conn):
            self.conn.execute("UPDATE texts SET state = 'unknown', ambiguous_at = ?, next_try = 0 "
                              "WHERE state = 'sending'", (self._ts(),))
            # Texts already uncertain wait for this process's settle time, not the last one's.
            self.conn.execute("UPDATE texts SET next_try = 0 WHERE state = 'unknown'")
        self.recovered = True

    def run(self, stop, interval: float = 5.0) -> None:
        """The worker's SMS thread: its own connection, a pass every `interval` seconds until `stop` is set."""
        path = self.conn.execute("PRAGMA database_list").fetchone()[2]
        if path:  # a file store: this thread's own connection (an in-memory one is shared as it is)
            self.conn = connect(path)
        try:
            while not stop.is_set():
                try:
                    self.deliver()
                except sqlite3.Error as exc:  # e.g. the store busy for too long: try again next pass
                    log.error("sms pass failed: %s", type(exc).__name__)
                stop.wait(interval)
        finally:
            if path:
                self.conn.close()

    def deliver(self) -> int:
        """One pass over the due texts; returns how many were settled (sent, skipped or given up)."""
        if not self.recovered:
            self.recover()
        settled = 0
        for row in self.due():
            try:
                settled += self._one(row)
            except Exception as exc:  # a bug must not stop the worker; no details logged (they may quote a resident)
                log.error("sms item %d failed unexpectedly: %s", row["item_id"], type(exc).__name__)
                self._retry(row, f"内部错误 {type(exc).__name__}", ambiguous=row["state"] in ("sending", "unknown"))
        return settled

    # --- one text ---------------------------------------------------------------------------

    def _update(self, row, **fields) -> None:
        fields["updated_at"] = clock.iso(clock.now())
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(f"UPDATE texts SET {sets} WHERE id = ?", [*fields.values(), row["id"]])

    def _finish(self, row, state: str, note: str = "", case_note: bool = False, **fields) -> int:
        """Settle a text (sent, skipped, failed) and its outbox item."""
        with transaction(self.conn):
            self._update(row, state=state, note=note, **fields)
            if state == "sent":  # the provider takes our texts again: a new refusal is told anew
                self.conn.execute("DELETE FROM state WHERE key = ?", (REFUSED_KEY,))
            outbox.mark_delivered(self.conn, [row["item_id"]], note="" if state == "sent" else note[:200])
            if case_note and row["report_id"] is not None:
                case_changes.note_on_case(self.conn, row["report_id"], f"短信「{texts.KINDS[row['kind']].label}」{note}")
        return 1

    def _retry(self, row, error: str, *, ambiguous: bool) -> None:
        attempts = row["attempts"] + 1
        with transaction(self.conn):
            self._update(row, state="unknown" if ambiguous else "queued", attempts=attempts,
                         ambiguous_at=(self._ts() if ambiguous and row["state"] != "unknown" else row["ambiguous_at"]),
                         sent_at=row["sent_at"] if ambiguous else "",
                         next_try=self._ts() + self.backoff(attempts), note=f"重试中：{error}"[:200])
            outbox.mark_failed(self.conn, [row["item_id"]], error)

    def _refused(self, row, exc: SmsError) -> int:
        """A refusal of our account or settings: this text fails (noted on its case); the office is told
        once (until a text goes through again); `sync --once` will exit non-zero."""
        self.refused.append(exc.code)
        log.error("sms provider refused our account or settings: %s", exc)  # the code and its meaning only
        done = self._finish(row, "failed", f"未发出：{exc}（短信设置有问题，已通知事务所，不再自动重发）",
                            case_note=True, sent_at="")
        with transaction(self.conn):
            told = self.conn.execute("SELECT value FROM state WHERE key = ?", (REFUSED_KEY,)).fetchone()
            if told is not None and told["value"] == exc.code:
                return done
            self.conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                              "value = excluded.value", (REFUSED_KEY, exc.code))
            if self.alerts:
                outbox.enqueue(self.conn, "alert", 0, {"type": "sms_refused", "code": exc.code, "reason": str(exc)})
        return done

    def _night_allowed(self, row) -> bool:
        """In quiet hours only an urgent case's text to the number a steward checked with the resident."""
        if not row["urgent"] or row["report_id"] is None:
            return False
        report = self.conn.execute("SELECT phone_verified FROM reports WHERE id = ?", (row["report_id"],)).fetchone()
        return report is not None and bool(report["phone_verified"]) and report["phone_verified"] == row["phone"]

    def _text(self, row) -> Text:
        params = tuple((name, value) for name, value in json.loads(row["params"]))
        return Text(row["phone"], self.templates.get(row["kind"], ""), params, str(row["item_id"]))

    def _still_true(self, row) -> str:
        """Why this text should no longer go, or ''."""
        if not row["phone"]:
            return "个人信息已按保留期限删除，不再发送"
        if row["signup_id"] is not None and row["kind"] in ("promoted", "reminder", "signup"):
            signup = self.conn.execute("SELECT state FROM signups WHERE id = ?", (row["signup_id"],)).fetchone()
            if signup is None or signup["state"] not in (("confirmed", "waiting") if row["kind"] == "signup" else ("confirmed",)):
                return "报名已取消，不再发送"
        if row["kind"] == "status" and row["report_id"] is not None:
            announced = dict(json.loads(row["params"])).get("status", "")
            report = self.conn.execute("SELECT status FROM reports WHERE id = ?", (row["report_id"],)).fetchone()
            if report is None or report["status"] != announced:
                return f"问题现在是“{report['status'] if report else '已删除'}”，不再发“{announced}”"
        if row["kind"] == "followup":
            report = self.conn.execute("SELECT status, followup_due FROM reports WHERE id = ?", (row["report_id"],)).fetchone()
            if report is None or report["status"] != "已解决" or not report["followup_due"]:
                return "居民已回访，或问题已重新办理，不再发送"
        return ""

    def _one(self, row) -> int:
        now = self.now()
        if now.timestamp() - max(clock.parse(row["queued_at"]).timestamp(), row["not_before"]) > MAX_AGE.total_seconds():
            return self._finish(row, "failed", f"已放弃：{MAX_AGE.total_seconds() / 3600:g} 小时内没能发出或确认"
                                f"（{row['last_error'][:80]}）", case_note=True)
        if self.in_quiet_hours(now) and not self._night_allowed(row):
            with transaction(self.conn):
                self._update(row, next_try=self.quiet_ends(now).timestamp(), note="夜间不发短信，早上再发")
            return 0
        text = self._text(row)
        if row["state"] == "unknown":  # it may have gone out: look before sending again
            if self._ts() - row["ambiguous_at"] < self.channel.settle:
                with transaction(self.conn):
                    self._update(row, next_try=row["ambiguous_at"] + self.channel.settle, note="核实是否已发出")
                return 0
            try:
                tried = clock.parse(row["sent_at"]) if row["sent_at"] else \
                    dt.datetime.fromtimestamp(row["ambiguous_at"], clock.SHANGHAI)
                found = self.channel.lookup(text, tried - dt.timedelta(minutes=10))
            except SmsError as exc:
                if exc.account:
                    return self._refused(row, exc)
                self._retry(row, f"核实失败：{exc}", ambiguous=True)
                return 0
            if found:
                return self._finish(row, "sent", "", sent_at=row["sent_at"] or clock.iso(now), provider=self.channel.name)
            log.info("sms item %d: not in the provider's records; sending again", row["item_id"])
        why = self._still_true(row)
        if why:
            return self._finish(row, "skipped", why)
        today = now.astimezone(clock.SHANGHAI).date().isoformat()
        sent_today = self.conn.execute(
            "SELECT count(*) FROM texts WHERE phone = ? AND id != ? AND state IN ('sent', 'sending', 'unknown') "
            "AND substr(sent_at, 1, 10) = ?", (row["phone"], row["id"], today)).fetchone()[0]
        if sent_today >= self.daily_limit:
            return self._finish(row, "skipped", f"这个号码今天已发 {sent_today} 条，达到每天上限（SMS_DAILY_LIMIT）", case_note=True)
        if self.budget:
            street_today = self.conn.execute(
                "SELECT count(*) FROM texts WHERE id != ? AND state IN ('sent', 'sending', 'unknown') "
                "AND sent_at >= ? AND sent_at < ?", (row["id"], today, today + "\uffff")).fetchone()[0]
            if street_today >= self.budget:
                log.warning("sms daily budget reached (%d)", street_today)
                return self._finish(row, "skipped", f"今天全街道已发 {street_today} 条短信，达到每天总量上限"
                                    "（SMS_DAILY_BUDGET）", case_note=True)
        with transaction(self.conn):
            self._update(row, state="sending", sent_at=clock.iso(now), provider=self.channel.name)
        try:
            serial = self.channel.send(text)
        except SmsError as exc:
            if exc.account:
                return self._refused(row, exc)
            if not exc.retryable:
                return self._finish(row, "failed", f"未发出：{exc}", case_note=True, sent_at="")
            log.warning("sms item %d: %s (%s)", row["item_id"], exc, "may have gone out" if exc.ambiguous else "not sent")
            self._retry(dict(row) | {"state": "sending", "sent_at": clock.iso(now)}, str(exc), ambiguous=exc.ambiguous)
            return 0
        log.info("sms item %d sent (%s)", row["item_id"], row["kind"])
        return self._finish(row, "sent", "", provider_ref=serial)


# --- flask remind ---------------------------------------------------------------------------------

@click.command("remind")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Remind those signed up for sessions on this day (YYYY-MM-DD); default: tomorrow.")
@with_appcontext
def remind_command(day: dt.datetime | None) -> None:
    """Queue the 接待提醒 text for everyone confirmed for tomorrow's joint reception (cron, daily)."""
    if not texts.enabled("reminder"):
        raise click.ClickException("没有开通短信或没有设置 SMS_TEMPLATE_REMINDER（见 .env.example）。")
    target = day.date() if day else clock.now().date() + dt.timedelta(days=1)
    conn = get_db()
    with transaction(conn):
        queued = reception.queue_reminders(conn, target)
    click.echo(f"已排队 {queued} 条接待提醒短信（{target.isoformat()} 的场次），由 sync 发出。")


def init_app(app) -> None:
    """Check the SMS settings at start (a typo stops the start) and register `flask remind`."""
    providers.check(app.config)
    quiet_window(app.config)
    app.cli.add_command(remind_command)
    app.jinja_env.globals["resident_texts"] = lambda report_id: texts.for_case(get_db(), report_id)
