"""Opening hours as the directory writes them ('周一、周三、周五 9:00–11:30，周六 9:00–11:00'): parsed, and asked.

A weekday's hours apply on an official working day; a Saturday's or Sunday's own hours apply on
that day unless it is a public holiday. On a public holiday nothing is open. (On a 调休 working
Saturday only Saturday hours count: the office confirms that rule, docs/site/to-confirm.md.)
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from forms_app.core import clock, workdays

DAYS = {c: i for i, c in enumerate("一二三四五六日")}
_PART = re.compile(r"^(?P<days>周[一二三四五六日](?:(?:至|到|-|—|~)周[一二三四五六日]|(?:、周[一二三四五六日])*))\s*"
                   r"(?P<start>\d{1,2}:\d{2})\s*[–—\-~至到]\s*(?P<end>\d{1,2}:\d{2})$")
LOOKAHEAD_DAYS = 60


@dataclass(frozen=True)
class Hours:
    text: str
    slots: tuple[tuple[tuple[dt.time, dt.time], ...], ...]   # per weekday (Monday = 0)


def _time(text: str) -> dt.time:
    hour, minute = map(int, text.split(":"))
    return dt.time(hour, minute)


@functools.lru_cache(maxsize=64)
def parse(text: str) -> Hours:
    """ValueError (Chinese) when the text is not 'days time–time' parts separated by '，' or '；'."""
    slots: list[list] = [[] for _ in range(7)]
    for part in filter(None, (p.strip() for p in re.split(r"[，,；;]", text or ""))):
        match = _PART.match(part)
        if not match:
            raise ValueError(f"时间「{part}」看不懂，应写成“周一至周五 8:30–17:00”或“周一、周三 9:00–11:30”。")
        try:
            start, end = _time(match["start"]), _time(match["end"])
        except ValueError:
            raise ValueError(f"时间「{part}」里的钟点不对。") from None
        if end <= start:
            raise ValueError(f"时间「{part}」结束要晚于开始。")
        days = match["days"]
        names = re.findall(r"周([一二三四五六日])", days)
        if re.search(r"至|到|-|—|~", days):
            first, last = DAYS[names[0]], DAYS[names[1]]
            if last < first:
                raise ValueError(f"时间「{part}」的星期顺序不对。")
            chosen = range(first, last + 1)
        else:
            chosen = [DAYS[n] for n in names]
        for day in chosen:
            slots[day].append((start, end))
    if not any(slots):
        raise ValueError("没有写时间。")
    return Hours(text, tuple(tuple(sorted(s)) for s in slots))


def _open_day(day: dt.date) -> bool:
    """May anything be open on this day at all (working day, or a weekend day that is no holiday)?"""
    if day.weekday() < 5:
        return clock.is_working_day(day)
    return not workdays.current().holiday_name(day)


def slots_on(hours: list[Hours], day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """Every opening of these lines on `day`, sorted."""
    if not _open_day(day):
        return []
    return sorted(slot for h in hours for slot in h.slots[day.weekday()])


def is_open(hours: list[Hours], moment: dt.datetime) -> bool:
    moment = moment.astimezone(clock.SHANGHAI)
    return any(start <= moment.time() < end for start, end in slots_on(hours, moment.date()))


def next_open(hours: list[Hours], moment: dt.datetime) -> dt.datetime | None:
    """`moment` itself when open, else the next opening (None if nothing opens within LOOKAHEAD_DAYS)."""
    moment = moment.astimezone(clock.SHANGHAI)
    day = moment.date()
    for _ in range(LOOKAHEAD_DAYS):
        for start, end in slots_on(hours, day):
            if day == moment.date():
                if start <= moment.time() < end:
                    return moment
                if moment.time() >= end:
                    continue
            return dt.datetime.combine(day, start, tzinfo=clock.SHANGHAI)
        day += dt.timedelta(days=1)
    return None


def closes_today(hours: list[Hours], moment: dt.datetime) -> dt.time | None:
    """When the last opening of `moment`'s day ends (None if nothing opens that day)."""
    slots = slots_on(hours, moment.astimezone(clock.SHANGHAI).date())
    return max(end for _start, end in slots) if slots else None
