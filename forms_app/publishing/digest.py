"""`flask digest`: each steward's daily list as today's work — first contacts overdue, other deadlines
overdue (resolution or 落实, re-handling, a 会商's 分工: core/deadlines.py, reasons in words), what is
due today, the supervisor's 督办 waiting for an answer, the 回访 to make by phone, then new reports,
reception sign-ups and texts that failed. A message too long for a robot (WeCom: 4,096 bytes of
markdown, 2,048 of text) is split into several (messages.split), never cut.

Meant for cron on working-day mornings. One message per steward goes through the alert channels
(the team robot; e-mail to the team plus that steward); `--print` only prints. Like an alert it
carries references, compounds, categories and short excerpts — never a resident's name, phone or
room. When it was last sent is kept in the store's `state` table, so "new" means new since then.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import accounts, backup, clock, workdays
from forms_app.residents import reception, texts
from forms_app.casework import consultations, supervision, worklist
from forms_app.casework.worklist import last_working_day
from forms_app.notices.messages import Message, as_text, excerpt, redact, split, steward_for
from forms_app.notices.notify import Notifier, NotifyError
from forms_app.core import deadlines
from forms_app.core.store import get_db, transaction

STATE_KEY = "digest.last_sent"
DIGEST_EXCERPT = 30
SEND_LIMIT = 15                               # lines per section in a sent message; --print lists everything
MESSAGE_BYTES = 2000                          # one robot message at most (under WeCom's 2,048-byte text limit)


@dataclass
class StewardDigest:
    """One steward's list (steward None: reports that map to no steward)."""

    steward: object
    new: list[str] = field(default_factory=list)
    uncontacted: list[str] = field(default_factory=list)   # 先行联系 overdue
    long_open: list[str] = field(default_factory=list)     # 办结 or 重新处理 overdue
    signups: list[str] = field(default_factory=list)
    session: reception.Session | None = None
    sms_failed: list[str] = field(default_factory=list)  # texts to residents that failed since the last digest
    due_today: list[str] = field(default_factory=list)   # a clock due today
    supervised: list[str] = field(default_factory=list)  # 督办 waiting for the steward's answer
    followup: list[str] = field(default_factory=list)    # 待回访: call the resident (no text first)
    password_tries: int = 0  # wrong passwords (or tries held back) at this steward's account since the last digest

    @property
    def empty(self) -> bool:
        """Nothing to tell this steward."""
        return not (self.new or self.uncontacted or self.long_open or self.signups or self.sms_failed
                    or self.due_today or self.supervised or self.followup or self.password_tries)


# --- when -------------------------------------------------------------------------------------

def as_of(day: dt.date | None) -> dt.datetime:
    """The moment a digest describes: now, or the end of an earlier (or later) day given with --date."""
    now = clock.now()
    if day is None or day == now.date():
        return now
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=clock.SHANGHAI)


def last_sent(conn: sqlite3.Connection) -> dt.datetime | None:
    """When the last digest went out, if ever."""
    row = conn.execute("SELECT value FROM state WHERE key = ?", (STATE_KEY,)).fetchone()
    return clock.parse(row[0]) if row else None


def record_sent(conn: sqlite3.Connection, moment: dt.datetime) -> None:
    """Remember that the digest up to `moment` went out (never moving the mark backwards)."""
    with transaction(conn):
        before = last_sent(conn)
        if before is None or moment > before:
            conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (STATE_KEY, clock.iso(moment)))


def since(conn: sqlite3.Connection, moment: dt.datetime) -> dt.datetime:
    """Start of the "new" window: the last digest before `moment`, else a day earlier."""
    before = last_sent(conn)
    return before if before is not None and before < moment else moment - dt.timedelta(days=1)


# --- what ---------------------------------------------------------------------------------------

def report_line(row, directory, note: str) -> str:
    """'W7K3-M9P 延吉二村 55号 漏水/渗水：卫生间天花板…（note）' — no name, phone or room."""
    compound = directory.compounds.get(row["compound_id"])
    category = directory.categories.get(row["category_id"])
    private = tuple(v for v in (row["contact_name"], row["room"]) if v)
    urgent = "【紧急】" if row["urgent"] or (category and category.urgent) else ""
    where = " ".join(filter(None, [compound.name if compound else row["compound_id"], redact(row["building"], *private)]))
    text = excerpt(row["description"], DIGEST_EXCERPT, *private)
    return f"{urgent}{row['ref']} {where} {category.name if category else row['category_id']}：{text}（{note}）"


def signup_line(row, directory) -> str:
    """'J7K3-M9P 控江东三村：想谈的问题…（关联 W7K3-M9P，候补）' — no name or phone."""
    compound = directory.compounds.get(row["compound_id"])
    notes = [f"关联 {row['linked_ref']}" if row["linked_ref"] else "", "候补" if row["state"] == "waiting" else ""]
    note = "，".join(filter(None, notes))
    topic = excerpt(row["topic"], DIGEST_EXCERPT, row["name"])
    return f"{row['ref']} {compound.name if compound else row['compound_id']}：{topic}" + (f"（{note}）" if note else "")


def next_session(conn: sqlite3.Connection, day: dt.date) -> reception.Session | None:
    """The first joint reception on or after `day`."""
    row = conn.execute("SELECT id FROM sessions WHERE date >= ? ORDER BY date, start_time LIMIT 1",
                       (day.isoformat(),)).fetchone()
    return reception.get_session(conn, row["id"]) if row else None


def build(conn: sqlite3.Connection, directory, moment: dt.datetime, start: dt.datetime) -> list[StewardDigest]:
    """Every steward's list as of `moment`, "new" meaning created after `start`; unassigned reports last."""
    digests = {s.id: StewardDigest(s) for s in directory.stewards.values()}
    nobody = StewardDigest(None)
    marks = ",".join("?" * len(deadlines.CLOSED))
    rows = conn.execute(f"SELECT * FROM reports WHERE status NOT IN ({marks}) OR created_at > ? ORDER BY created_at, id",
                        (*deadlines.CLOSED, clock.iso(start))).fetchall()
    for row in rows:
        created = clock.parse(row["created_at"])
        if created > moment:
            continue
        steward = steward_for(row, directory)
        digest = digests[steward.id] if steward else nobody
        if created > start:
            digest.new.append(report_line(row, directory, f"{clock.chinese_datetime(created)}，{row['status']}"))
        late = deadlines.overdue(row, directory, moment.date())
        first = [d for d in late if d.kind == "first_contact"]
        if first:
            digest.uncontacted.append(report_line(
                row, directory, f"{first[0].reason}，应在{clock.chinese_date(first[0].due)}前联系"))
        others = [d for d in late if d.kind != "first_contact"]
        if others:
            reasons = [d.reason for d in others]
            if any(d.kind == "action" for d in others):  # name the 分工 that are late
                cutoff = last_working_day(moment.date())
                reasons.append("、".join(consultations.item_line(i) for i in consultations.late_items(conn, row["id"], cutoff)))
            digest.long_open.append(report_line(row, directory, f"{row['status']}，" + "；".join(filter(None, reasons))))
        today = [d for d in deadlines.clocks(row, directory, moment.date())
                 if d.met_on is None and not d.overdue and d.left_days == 0]
        if today and not late:
            digest.due_today.append(report_line(row, directory, "；".join(d.reason for d in today)))
    for row in supervision.open_items(conn):
        steward = steward_for(row, directory)
        (digests[steward.id] if steward else nobody).supervised.append(
            f"{row['ref']}：{row['note']}（请在{clock.chinese_date(deadlines.day_of(row['answer_by']))}前在问题页面答复）")
    sql, params = worklist.where(worklist.Filters(followup=True), directory, moment.date())
    for row in conn.execute(f"SELECT * FROM reports{sql} ORDER BY {worklist.NO_TEXT} DESC, resolved_at, id", params):
        steward = steward_for(row, directory)
        no_text = not row["phone"].startswith("+861") or not row["sms_consent"]
        (digests[steward.id] if steward else nobody).followup.append(report_line(
            row, directory, f"{row['resolved_at'][:10]} 已解决，" + ("居民收不到短信，请打电话回访" if no_text else "居民还没回答，请打电话回访")))
    for n in conn.execute("SELECT n.kind, n.note, r.* FROM texts n JOIN reports r ON r.id = n.report_id "
                          "WHERE n.state = 'failed' AND n.updated_at > ? AND n.updated_at <= ? ORDER BY n.id",
                          (clock.iso(start), clock.iso(moment))).fetchall():
        steward = steward_for(n, directory)
        (digests[steward.id] if steward else nobody).sms_failed.append(
            f"{n['ref']} {texts.KINDS[n['kind']].label}：{n['note']}")
    for account_id, tries in accounts.failures_between(conn, start, moment).items():
        if account_id in digests:
            digests[account_id].password_tries = tries
    session = next_session(conn, moment.date())
    if session is not None:
        for row in conn.execute("SELECT * FROM signups WHERE session_id = ? AND state != 'cancelled' "
                                "ORDER BY state, queued_at, id", (session.id,)).fetchall():
            compound = directory.compounds.get(row["compound_id"])
            if compound is not None:
                digests[compound.steward.id].signups.append(signup_line(row, directory))
        for digest in digests.values():
            digest.session = session
    return [*digests.values(), *([nobody] if not nobody.empty else [])]


def _section(heading: str, lines: list[str], limit: int | None) -> tuple[str, tuple[str, ...]]:
    """A heading and its lines, cut to `limit` lines with a note of how many more."""
    shown = lines if limit is None or len(lines) <= limit else lines[:limit] + [f"……另有 {len(lines) - limit} 条，请看表格"]
    return heading, tuple(shown)


def message(digest: StewardDigest, moment: dt.datetime, limit: int | None = None) -> Message:
    """The Chinese text of one steward's list."""
    day = clock.chinese_date(moment.date())
    who = digest.steward.name if digest.steward else "未对应到大管家的问题（请事务所安排）"
    sections = []
    if digest.uncontacted:
        sections.append(_section(f"一、先行联系超时，还没联系居民（{len(digest.uncontacted)} 条）",
                                 digest.uncontacted, limit))
    if digest.long_open:
        sections.append(_section(f"二、办结、落实、分工或重新处理超时（{len(digest.long_open)} 条）",
                                 digest.long_open, limit))
    if digest.due_today:
        sections.append(_section(f"三、今天到期（{len(digest.due_today)} 条）", digest.due_today, limit))
    if digest.supervised:
        sections.append(_section(f"四、督办，请答复（{len(digest.supervised)} 条）", digest.supervised, limit))
    if digest.followup:
        sections.append(_section(f"五、待回访（{len(digest.followup)} 条，收不到短信的在前）", digest.followup, limit))
    if digest.new:
        sections.append(_section(f"六、上次汇总以来的新问题（{len(digest.new)} 条）", digest.new, limit))
    if digest.signups and digest.session:
        s = digest.session
        sections.append(_section(f"七、下次联合接待 {s.when} {s.place}：本人负责小区的报名（{len(digest.signups)} 人）",
                                 digest.signups, limit))
    if digest.sms_failed:
        sections.append(_section(f"八、发给居民的短信没能发出（{len(digest.sms_failed)} 条，请电话告知）",
                                 digest.sms_failed, limit))
    if digest.password_tries:
        sections.append(("账号安全", (password_line(digest.password_tries),)))
    if not sections:
        sections.append(("", ("今天没有需要处理的事项。",)))
    return Message(f"【每日汇总】{day} {who}", tuple(sections), steward_id=digest.steward.id if digest.steward else "")


def password_line(tries: int) -> str:
    return f"上次汇总以来，有人试了{tries}次密码，没有登录成功。不是您自己的话，请告诉管理员（可以换一个密码）。"


def accounts_message(conn: sqlite3.Connection, directory, moment: dt.datetime, start: dt.datetime) -> Message | None:
    """Wrong passwords at accounts that are not a directory steward's (a supervisor, a colleague): one message."""
    others = {a: n for a, n in accounts.failures_between(conn, start, moment).items() if a not in directory.stewards}
    if not others:
        return None
    names = accounts.names(conn)
    lines = tuple(f"账号 {a}（{names.get(a, '')}）：{password_line(n)}" for a, n in others.items())
    return Message(f"【账号提醒】{clock.chinese_date(moment.date())}", (("", lines),))


def quiet_message(moment: dt.datetime) -> Message:
    """The one message sent when no steward has anything (so the team knows the digest still runs)."""
    return Message(f"【每日汇总】{clock.chinese_date(moment.date())}", (("", ("今天没有新问题，也没有逾期待办。",)),))


FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
BACKUP_STALE_HOURS = 48


def backup_warning(config, now: dt.datetime | None = None) -> Message | None:
    """A line for the team when the newest backup is more than two days old (or there is none)."""
    age = backup.age_hours(config, now)
    if age is not None and age <= BACKUP_STALE_HOURS:
        return None
    said = "还没有任何备份" if age is None else f"最近一次备份是 {age / 24:.1f} 天前"
    return Message("【备份提醒】", (("", (f"{said}，超过两天了。请管理员检查每小时的备份任务（flask backup，见 README“备份与恢复”）。",)),))


def workdays_warning(day: dt.date) -> Message | None:
    """【工作日提醒】 from 60 days before a year whose holidays and 调休 are not yet entered."""
    text = workdays.warning(day)
    return Message("【工作日提醒】", (("", (text,)),)) if text else None


@click.command("digest")
@click.option("--print", "print_only", is_flag=True, help="Print the digest; send nothing, record nothing.")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The digest as of the end of this day (YYYY-MM-DD); default: now.")
@with_appcontext
def digest_command(print_only: bool, day: dt.datetime | None) -> None:
    """Each steward's daily list: new reports, calls overdue, long-open cases, reception sign-ups."""
    conn, directory = get_db(), current_app.extensions["directory"]
    if day is not None and not FIRST_DAY <= day.date() <= LAST_DAY:
        raise click.ClickException(f"日期 {day.date().isoformat()} 不在可用范围内：请用 {FIRST_DAY} 到 {LAST_DAY} 之间的日期（YYYY-MM-DD）。")
    moment = as_of(day.date() if day else None)
    try:
        start = since(conn, moment)
        digests = build(conn, directory, moment, start)
    except (OverflowError, NotImplementedError):  # chinese-calendar knows only the years the State Council has announced
        raise click.ClickException(f"无法计算 {moment.date().isoformat()} 的工作日（节假日安排只到已公布的年份）。") from None
    stale_backup = backup_warning(current_app.config)
    tries = accounts_message(conn, directory, moment, start)
    extra = [m for m in (tries, workdays_warning(moment.date()), stale_backup) if m is not None]
    if print_only:
        click.echo("\n\n".join([as_text(message(d, moment)) for d in digests] + [as_text(m) for m in extra]))
        return
    if current_app.config["SHEETS_ENABLED"]:
        from forms_app.publishing.supervise import refresh_sheet  # the sheet's 时限 column, once a day
        refresh_sheet(conn, directory)  # as of today, whatever --date says
    notifier = Notifier.from_config(current_app.config)
    if notifier is None:
        raise click.ClickException("没有配置提醒渠道（ALERT_WEBHOOK_URL 或 ALERT_SMTP_HOST，见 .env.example）；"
                                   "只想看内容请加 --print。")
    messages = [part for d in digests if not d.empty
                for part in split(message(d, moment, SEND_LIMIT), MESSAGE_BYTES)] or [quiet_message(moment)]
    messages += extra
    failed = 0
    for msg in messages:
        try:
            notifier.post_retrying(msg)
        except NotifyError as exc:
            failed += 1
            click.echo(f"发送失败：{msg.title}（{exc}）", err=True)
    if failed:
        raise click.ClickException(f"每日汇总有 {failed} 条没能发出；下次汇总会把这段时间的新问题一起列出。")
    record_sent(conn, moment)
    click.echo(f"已发送每日汇总：{len(messages)} 条消息。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(digest_command)
