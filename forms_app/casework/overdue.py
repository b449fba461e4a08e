"""When a report is overdue — one rule for the stewards' list and the daily digest."""
from __future__ import annotations

import datetime as dt

from forms_app.core import clock

OPEN = ("已受理", "处理中", "已形成方案")   # not closed (已解决 / 不予受理 / 已转办 are)
IN_PROGRESS = ("已受理", "处理中")          # the office's 正在推进; 已形成方案 (a lift retrofit) can rightly take months
STALE_DAYS = 30


def missed_call_back(row, now: dt.datetime, working_days: int) -> dt.date | None:
    """The promised call-back day when it has passed without a first contact; else None."""
    if row["status"] not in OPEN or row["first_contact_at"].strip():
        return None
    deadline = clock.call_back_by(row["created_at"], working_days)
    return deadline if now.date() > deadline else None


def stale(row, now: dt.datetime) -> bool:
    """In progress for more than STALE_DAYS days since it came in."""
    return row["status"] in IN_PROGRESS and now - clock.parse(row["created_at"]) > dt.timedelta(days=STALE_DAYS)


def is_overdue(row, now: dt.datetime, working_days: int = 1) -> bool:
    """Not called back in time, or in progress too long."""
    return missed_call_back(row, now, working_days) is not None or stale(row, now)
