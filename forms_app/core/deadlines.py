"""The deadline rule: when each case is due, and how late it is, in working days and in words.

One module computes every due date — the resident's confirmation, the stewards' list and case
page, the daily digest, the 督办 list, the sheet and the figures all ask it. It follows the
street's 12345 practice, per category in the directory data file (`street.deadlines`, overridden
by a category's own `deadlines`):

- 先行联系 (first contact): `first_contact` working days after receipt (default 1); an urgent case
  (the resident ticked it, or its category is urgent) the same day it came in;
- 办结 (resolution): `resolve` working days after receipt (default 15); met by 已解决, 不予受理 or
  已转办 — a plan (已形成方案) is not the end;
- 落实 (carrying out a plan): once a 会商 agreed a plan, it replaces 办结, due on the latest 分工
  date (`plan_due`; a lift retrofit rightly takes months), met only by resolution;
- 分工 (an action item of a 会商): due on the earliest 分工 date still open (`action_due`);
- 重新处理 (re-handling): `rehandle` working days after an unsatisfied follow-up reopened the case
  (default 3; an urgent case keeps the urgent clock: the same day); met when the steward handles it
  again (`rehandled_at`).

Working days are the official calendar's, adjusted weekends (调休) included (clock.is_working_day).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
from dataclasses import dataclass

from forms_app.core import clock, workdays

DEFAULTS = {"first_contact": 1, "resolve": 15, "rehandle": 3}
KEYS = tuple(DEFAULTS)
LABELS = {"first_contact": "先行联系", "resolve": "办结", "rehandle": "重新处理", "implement": "落实", "action": "分工"}
CLOSED = ("已解决", "不予受理", "已转办")
# Statuses that meet the resolution (and 落实) target: resolution only — 已形成方案 is not the end.
SETTLED = CLOSED
_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True)
class Limits:
    """Working days allowed for each step of one category."""

    first_contact: int = DEFAULTS["first_contact"]
    resolve: int = DEFAULTS["resolve"]
    rehandle: int = DEFAULTS["rehandle"]


@dataclass(frozen=True)
class Deadline:
    """One clock of one case: which, when due, whether met, and how it stands today."""

    kind: str                  # first_contact | resolve (or implement, once a plan is agreed) | rehandle | action
    due: dt.date
    met_on: dt.date | None     # when it was met (None: not yet)
    late_days: int             # working days past due (met late, or still open and late); 0 if on time
    left_days: int             # working days left until due (open and not late); 0 otherwise

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def overdue(self) -> bool:
        """Still open and past its day."""
        return self.met_on is None and self.late_days > 0

    @property
    def reason(self) -> str:
        """The clock in words, as the list, the case page, the digest and the sheet show it."""
        if self.met_on is not None:
            return f"{self.label}按时" if not self.late_days else f"{self.label}超时 {self.late_days} 个工作日后完成"
        if self.late_days:
            return f"{self.label}超时 {self.late_days} 个工作日"
        if self.left_days == 0:
            return f"{self.label}今天到期"
        provisional = "，暂定" if workdays.provisional(self.due) else ""  # no official schedule for that year yet
        return f"{self.label}还有 {self.left_days} 个工作日（{clock.chinese_date(self.due)}前{provisional}）"


def parse_limits(raw, where: str) -> dict[str, int]:
    """Validate a `deadlines:` mapping from the data file; ValueError (Chinese, naming `where`) if wrong."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"{where}的 deadlines 应写成 first_contact / resolve / rehandle 几个工作日。")
    out = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise ValueError(f"{where}的 deadlines 里「{key}」不认识，只能是 first_contact、resolve、rehandle。")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
            raise ValueError(f"{where}的 deadlines.{key} 应为 0 到 365 之间的整数（工作日），现为「{value}」。")
        out[key] = value
    return out


def limits_for(directory, category_id: str) -> Limits:
    """The street's limits, overridden by the category's own."""
    street = getattr(directory, "deadlines", {}) or {}
    category = directory.categories.get(category_id)
    own = getattr(category, "deadlines", {}) or {} if category is not None else {}
    return Limits(**{**DEFAULTS, **street, **own})


def is_urgent(row, directory) -> bool:
    """Urgent when the resident ticked it or its category is urgent — everywhere the same."""
    category = directory.categories.get(row["category_id"])
    return bool(row["urgent"]) or bool(category is not None and category.urgent)


def _moment(value) -> dt.datetime:
    return clock.parse(value) if isinstance(value, str) else value.astimezone(clock.SHANGHAI)


def day_of(text: str) -> dt.date | None:
    """The date at the start of a stored or typed value ('2026-12-02 10:00', ISO, '2026年12月2日'), or None."""
    match = _DAY.match(text or "")
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def due_dates(data, directory, created) -> dict[str, str]:
    """The due-date columns of a new case (data: its category_id and urgent flag), as stored."""
    limits = limits_for(directory, data["category_id"])
    return {"first_contact_due": first_contact_due(created, is_urgent(data, directory), limits).isoformat(),
            "resolve_due": resolve_due(created, limits).isoformat()}


def reopened(row, directory, moment) -> dict[str, str]:
    """The columns to change when an unsatisfied follow-up reopens a case at `moment`."""
    limits = limits_for(directory, row["category_id"])
    due = _moment(moment).date() if is_urgent(row, directory) else rehandle_due(moment, limits)  # urgent: same day
    return {"reopened_at": clock.iso(_moment(moment)), "rehandled_at": "", "rehandle_due": due.isoformat()}


def backfill(conn: sqlite3.Connection, directory) -> int:
    """Give rows from before the due-date columns their dates (inside its own statement batch)."""
    rows = conn.execute("SELECT id, category_id, urgent, created_at FROM reports WHERE first_contact_due = ''").fetchall()
    for row in rows:
        dates = due_dates(row, directory, row["created_at"])
        conn.execute("UPDATE reports SET first_contact_due = ?, resolve_due = ? WHERE id = ?",
                     (dates["first_contact_due"], dates["resolve_due"], row["id"]))
    return len(rows)


def first_contact_due(created, urgent: bool, limits: Limits) -> dt.date:
    """The day by which the steward first contacts the resident (urgent: the day it came in)."""
    day = _moment(created).date()
    return day if urgent else clock.add_working_days(day, limits.first_contact)


def resolve_due(created, limits: Limits) -> dt.date:
    """The day by which the case should be settled."""
    return clock.add_working_days(_moment(created).date(), limits.resolve)


def rehandle_due(reopened, limits: Limits) -> dt.date:
    """The day by which a reopened case is handled again."""
    return clock.add_working_days(_moment(reopened).date(), limits.rehandle)


def _year_prefix(year: int) -> tuple[int, tuple[int, ...]]:
    """_year_prefix_of for the working-day data as it is now (core/workdays.py)."""
    return _year_prefix_of(year, workdays.version())


@functools.lru_cache(maxsize=64)
def _year_prefix_of(year: int, _version: int) -> tuple[int, tuple[int, ...]]:
    """(ordinal of 31 Dec before `year`, prefix) — prefix[k]: working days among the first k days of `year`."""
    out, day = [0], dt.date(year, 1, 1)
    while day.year == year:
        out.append(out[-1] + clock.is_working_day(day))
        day += dt.timedelta(days=1)
    return dt.date(year, 1, 1).toordinal() - 1, tuple(out)


def _through(day: dt.date) -> int:
    """Working days from 1 January of its year up to and including `day`."""
    before, prefix = _year_prefix(day.year)
    return prefix[day.toordinal() - before]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    Counted from per-year running totals, so 50,000 cases cost lookups, not day-by-day walks.
    """
    if end <= start:
        return 0
    return _through(end) - _through(start) + sum(_year_prefix(year)[1][-1] for year in range(start.year, end.year))


def _clock(kind: str, due: dt.date, met_on: dt.date | None, today: dt.date) -> Deadline:
    end = met_on or today
    late = working_days_between(due, end) if end > due else 0
    left = working_days_between(today, due) if met_on is None and today <= due else 0
    return Deadline(kind, due, met_on, late, left)


def _met(text: str, fallback: dt.date) -> dt.date | None:
    """When a step was met from its stored value ('' = not met; unreadable but filled in = on `fallback`)."""
    if not (text or "").strip():
        return None
    return day_of(text) or fallback


def _stored(row, column: str) -> dt.date | None:
    """A due date fixed when the case came in or reopened (rows may predate the column)."""
    try:
        value = row[column]
    except (KeyError, IndexError):
        return None
    return dt.date.fromisoformat(value) if value else None


def first_contact_day(row, directory) -> dt.date:
    """The day by which the steward first contacts the resident: as stored when the case came in, else (a row
    from before the column) by the same rule from its category's limits, its urgency and its created_at."""
    return _stored(row, "first_contact_due") or first_contact_due(
        row["created_at"], is_urgent(row, directory), limits_for(directory, row["category_id"]))


def rehandle_day(row, directory) -> dt.date:
    """The day by which a reopened case is handled again: as stored when it reopened, else by the same rule
    (urgent: the day it reopened; otherwise its category's `rehandle` working days)."""
    return _stored(row, "rehandle_due") or (_moment(row["reopened_at"]).date() if is_urgent(row, directory)
                                            else rehandle_due(row["reopened_at"], limits_for(directory, row["category_id"])))


def clocks(row, directory, today: dt.date | None = None) -> list[Deadline]:
    """Every clock of a case that applies now, in order: first contact, resolution (or 落实), re-handling, 分工."""
    today = today or clock.now().date()
    limits = limits_for(directory, row["category_id"])
    created = row["created_at"]
    out = []
    settled = None
    if row["status"] in SETTLED:
        settled = _met(row["resolved_at"], today) or day_of(row["updated_at"]) or today
    first_due = first_contact_day(row, directory)
    contacted = _met(row["first_contact_at"], first_due)
    if contacted is None and row["status"] in CLOSED:  # closed without a stamp: not a first contact still owed
        contacted = settled
    out.append(_clock("first_contact", first_due, contacted, today))
    plan = _stored(row, "plan_due")
    if plan is not None:  # a plan agreed at a 会商: carried out by its latest 分工 date, met by resolution
        out.append(_clock("implement", plan, settled, today))
    else:
        out.append(_clock("resolve", _stored(row, "resolve_due") or resolve_due(created, limits), settled, today))
    if row["reopened_at"]:
        rehandled = _met(row["rehandled_at"], today)
        out.append(_clock("rehandle", rehandle_day(row, directory), rehandled, today))
    action = _stored(row, "action_due")
    if action is not None and row["status"] not in CLOSED:  # the earliest 分工 still open
        out.append(_clock("action", action, None, today))
    return out


def overdue(row, directory, today: dt.date | None = None) -> list[Deadline]:
    """The clocks of a case that are open and past their day."""
    return [d for d in clocks(row, directory, today) if d.overdue]


def late_days(row, directory, today: dt.date | None = None) -> int:
    """How many working days the most overdue clock is late (0: nothing overdue)."""
    return max((d.late_days for d in overdue(row, directory, today)), default=0)


def summary(row, directory, today: dt.date | None = None) -> str:
    """One line for the list, the digest and the sheet: what is overdue, else the next open clock."""
    if row["status"] in CLOSED and not (row["reopened_at"] and not row["rehandled_at"]):
        return ""  # every clock met (a closed case is never overdue): no need to count days (the .xlsx of 50,000)
    all_clocks = clocks(row, directory, today)
    late = [d.reason for d in all_clocks if d.overdue]
    if late:
        return "；".join(late)
    if row["status"] in CLOSED:
        return ""
    open_ = [d for d in all_clocks if d.met_on is None]
    return open_[0].reason if open_ else ""
