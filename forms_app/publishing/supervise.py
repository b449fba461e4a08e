"""`flask supervise`: the weekly 督办 list for the street office's supervisor, and the sheet's 时限 column.

A case goes on the list when one of its clocks (core/deadlines.py: 先行联系, 办结 or 落实, 重新处理,
分工) is overdue by more than SUPERVISE_AFTER_DAYS working days — chosen in SQL (casework/worklist's
NEXT_DUE), so the page shows one page of 50,000 cases without reading them all. The list names the reference, compound,
category, steward and the reason in words — never a resident's name, phone, room or building.
It goes through the digest's channels (notices/notify.Notifier); `--print` only prints. The
supervisor's read-only page (/forms/steward/supervise) shows the same list.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import clock, deadlines, outbox, workdays
from forms_app.core.store import get_db, transaction
from forms_app.notices.messages import Message, as_text, steward_for
from forms_app.notices.notify import Notifier, NotifyError

SHEET_COLUMN = "时限"


@dataclass(frozen=True)
class Item:
    """One case on the 督办 list: nothing personal."""

    ref: str
    compound: str
    category: str
    steward: str
    reason: str
    late_days: int

    @property
    def line(self) -> str:
        return f"{self.ref} {self.compound} {self.category} 负责：{self.steward}（{self.reason}）"


def overdue_before(today: dt.date, after_days: int) -> dt.date:
    """A clock due before this day is late by more than `after_days` working days today."""
    from forms_app.casework.worklist import _working_days_back, last_working_day
    return _working_days_back(last_working_day(today), after_days)


def _where(after_days: int, today: dt.date) -> tuple[str, list]:
    return " WHERE next_due < ?", [overdue_before(today, after_days).isoformat()]


def count(conn: sqlite3.Connection, after_days: int, today: dt.date | None = None) -> int:
    """How many cases are on the 督办 list."""
    sql, params = _where(after_days, today or clock.now().date())
    return conn.execute(f"SELECT count(*) FROM reports{sql}", params).fetchone()[0]


def items(conn: sqlite3.Connection, directory, after_days: int, today: dt.date | None = None,
          limit: int | None = None, offset: int = 0) -> list[Item]:
    """Cases with a clock overdue by more than `after_days` working days, the latest first (in SQL: one
    page of `limit` rows from `offset`, or all)."""
    today = today or clock.now().date()
    sql, params = _where(after_days, today)
    rows = conn.execute(f"SELECT * FROM reports{sql} ORDER BY next_due, created_at, id"
                        + (" LIMIT ? OFFSET ?" if limit is not None else ""),
                        [*params, *((limit, offset) if limit is not None else ())]).fetchall()
    out = []
    for row in rows:
        late = deadlines.overdue(row, directory, today)
        worst = max((d.late_days for d in late), default=0)
        compound = directory.compounds.get(row["compound_id"])
        category = directory.categories.get(row["category_id"])
        steward = steward_for(row, directory)
        out.append(Item(row["ref"], compound.name if compound else row["compound_id"],
                        category.name if category else row["category_id"],
                        steward.name if steward else "未对应到大管家", "；".join(d.reason for d in late), worst))
    return out


def message(found: list[Item], after_days: int, today: dt.date) -> Message:
    """The Chinese text of the weekly list."""
    title = f"【督办】{today.year}年{clock.chinese_date(today)} 超时超过 {after_days} 个工作日的问题（{len(found)} 条）"
    warning = workdays.warning(today)
    first = (("【工作日提醒】", (warning,)),) if warning else ()
    if not found:
        return Message(title, first + (("", ("本周没有需要督办的问题。",)),))
    return Message(title, first + (("请督促负责的大管家尽快办理：", tuple(i.line for i in found)),))


def refresh_sheet(conn: sqlite3.Connection, directory, today: dt.date | None = None) -> int:
    """Queue the sheet's 时限 cell of every case whose deadline words changed; how many were queued."""
    today = today or clock.now().date()
    rows = conn.execute("SELECT * FROM reports WHERE status NOT IN ({}) OR sheet_deadline != ''".format(
        ",".join("?" * len(deadlines.CLOSED))), deadlines.CLOSED).fetchall()
    changed = 0
    with transaction(conn):
        for row in rows:
            words = deadlines.summary(row, directory, today)
            if words != row["sheet_deadline"]:
                conn.execute("UPDATE reports SET sheet_deadline = ? WHERE id = ?", (words, row["id"]))
                outbox.enqueue(conn, "report_update", row["id"], {SHEET_COLUMN: words})
                changed += 1
    return changed


@click.command("supervise")
@click.option("--print", "print_only", is_flag=True, help="Print the list; send nothing.")
@with_appcontext
def supervise_command(print_only: bool) -> None:
    """The weekly 督办 list: cases overdue by more than SUPERVISE_AFTER_DAYS working days."""
    conn, directory = get_db(), current_app.extensions["directory"]
    after = current_app.config["SUPERVISE_AFTER_DAYS"]
    today = clock.now().date()
    msg = message(items(conn, directory, after, today), after, today)
    if print_only:
        click.echo(as_text(msg))
        return
    if current_app.config["SHEETS_ENABLED"]:
        refresh_sheet(conn, directory, today)
    notifier = Notifier.from_config(current_app.config)
    if notifier is None:
        raise click.ClickException("没有配置提醒渠道（ALERT_WEBHOOK_URL 或 ALERT_SMTP_HOST，见 .env.example）；"
                                   "只想看内容请加 --print。")
    try:
        notifier.post_retrying(msg)
    except NotifyError as exc:
        raise click.ClickException(f"督办清单没能发出（{exc}），请稍后再运行一次。") from None
    click.echo(f"已发送督办清单：{msg.title}")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(supervise_command)
