"""Time in Shanghai, and working days (the deadlines themselves: core/deadlines.py)."""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from forms_app.core import workdays

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = "一二三四五六日"


def now() -> dt.datetime:
    """The current time in Asia/Shanghai, to the second."""
    return dt.datetime.now(SHANGHAI).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with the +08:00 offset, as stored and sent to the sheet."""
    return moment.astimezone(SHANGHAI).isoformat()


def parse(text: str) -> dt.datetime:
    """Inverse of iso()."""
    return dt.datetime.fromisoformat(text).astimezone(SHANGHAI)


def is_working_day(day: dt.date) -> bool:
    """Official working day, including adjusted weekend working days (调休).

    From the office's data file, chinese-calendar, else the statutory holidays (core/workdays.py):
    never a silent Monday–Friday."""
    return workdays.is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start`."""
    return _add_working_days(start, days, workdays.version())


@functools.lru_cache(maxsize=8192)
def _add_working_days(start: dt.date, days: int, _version: int) -> dt.date:
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def chinese_date(day: dt.date) -> str:
    """'12月3日（周三）' — how residents say a date."""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def chinese_datetime(moment: dt.datetime) -> str:
    """'2026年12月3日 14:05'."""
    moment = moment.astimezone(SHANGHAI)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
