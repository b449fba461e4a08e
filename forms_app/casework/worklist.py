"""The stewards' list of cases: search, filters, pages, counts — all in SQL, so 50,000 cases stay fast.

Every filter becomes a WHERE clause over indexed columns (migration 0011); the deadline filters
(超时, 今天到期, 即将到期) compare the case's next due date (NEXT_DUE: the earliest open clock of
core/deadlines.py, from the dates fixed when it came in, reopened or got a plan) with the last
working day up to today, which is exactly when deadlines.clocks() calls a clock late. The list is
sorted by what is due: overdue first, then due today, urgent first within each, then by date.
Only the rows of the page shown are turned into words (deadlines.summary) in Python.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from forms_app.core import clock, deadlines
from forms_app.core.cases import STATUSES
from forms_app.core.references import normalise

PER_PAGE = 50
SOON_WORKING_DAYS = 2    # 即将到期: due within this many working days after today
_DIGITS = re.compile(r"^[\d\s+\-]+$")
# The statuses whose clocks still run; a closed case has none open (deadlines: met, or never overdue).
OPEN_STATUSES = tuple(s for s in STATUSES if s not in deadlines.CLOSED)
OPEN = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))  # narrows by the status index first
# The earliest open clock of a case as an ISO date ('9999' when none is open) — deadlines.clocks() in SQL:
# the virtual column `next_due` of migration 0115 (with its index), whose expression is this one.
NEXT_DUE_SQL = (f"CASE WHEN {OPEN} THEN min("
                "CASE WHEN first_contact_at = '' AND first_contact_due != '' THEN first_contact_due ELSE '9999' END, "
                "CASE WHEN plan_due != '' THEN plan_due WHEN resolve_due != '' THEN resolve_due ELSE '9999' END, "
                "CASE WHEN reopened_at != '' AND rehandled_at = '' AND rehandle_due != '' THEN rehandle_due ELSE '9999' END, "
                "CASE WHEN action_due != '' THEN action_due ELSE '9999' END) ELSE '9999' END")
NEXT_DUE = "next_due"
# 待回访 without waiting: the resident gets no text to answer online (no phone, a landline, no consent).
NO_TEXT = "(phone NOT LIKE '+861%' OR sms_consent = 0)"
SORTS = ("due", "new")


@dataclass(frozen=True)
class Filters:
    q: str = ""              # reference, phone digits, building, a name or words of the description
    status: str = ""
    compound: str = ""
    category: str = ""
    channel: str = ""
    mine: bool = False       # 我负责的
    urgent: bool = False     # 紧急: the resident's tick or an urgent category
    reopened: bool = False   # 重新打开
    overdue: bool = False    # 超时: a clock past its day
    today: bool = False      # 今天到期: the next clock is due today
    soon: bool = False       # 即将到期: due within SOON_WORKING_DAYS working days
    followup: bool = False   # 待回访: resolved, no answer yet, and time to call (at once when no text goes out)
    sort: str = "due"        # due: what is due first; new: newest first

    @property
    def active(self) -> bool:
        """Whether any filter is set (the order is not a filter)."""
        return any((self.q, self.status, self.compound, self.category, self.channel, self.mine, self.urgent,
                    self.reopened, self.overdue, self.today, self.soon, self.followup))


@dataclass(frozen=True)
class Me:
    """Whose cases 我负责的 means: a name as written in 负责大管家, and the compounds that default to them."""

    name: str = ""
    compounds: tuple[str, ...] = ()


def me_for(account, directory) -> Me:
    """The signed-in account's cases: a directory steward's name and compounds, or the account's own name."""
    steward = directory.stewards.get(getattr(account, "steward_id", ""))
    if steward is None:
        return Me(getattr(account, "name", ""))
    return Me(steward.name, tuple(c.id for c in directory.compounds.values() if c.steward.id == steward.id))


def last_working_day(today: dt.date) -> dt.date:
    """The latest working day up to today: a clock due before it is late by at least one working day."""
    day = today
    for _ in range(40):
        if clock.is_working_day(day):
            return day
        day -= dt.timedelta(days=1)
    return day


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_clause(q: str) -> tuple[str, list]:
    """What the search box finds: a reference (any spelling, whole or its first digits), phone digits, a building,
    a resident's name, words of the description.

    Four or more digits search phone numbers (the reporter's, and the resident's on a 代办 report) and references (2604 1937 or its first four);
    fewer digits, or any other text, search buildings (12号), names and descriptions (every word must be found);
    an old-style reference (W7K3-M9P) finds its case.
    """
    text = " ".join(unicodedata.normalize("NFKC", q).split())
    if not text:
        return "", []
    digits = re.sub(r"\D", "", text)
    if _DIGITS.match(text) and len(digits) >= 4:  # a building number is shorter
        return ("(phone LIKE ? ESCAPE '\\' OR resident_phone LIKE ? ESCAPE '\\' OR ref LIKE ? ESCAPE '\\')",
                [_like(digits), _like(digits), digits + "%"])
    ref = normalise(text)
    if ref:
        return "ref = ?", [ref]
    clauses, params = [], []
    for word in text.split(" "):
        clauses.append("(building LIKE ? ESCAPE '\\' OR ref LIKE ? ESCAPE '\\' OR contact_name LIKE ? ESCAPE '\\' "
                       "OR resident_name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')")
        params += [_like(word), _like(word.upper()), _like(word), _like(word), _like(word)]
    return "(" + " AND ".join(clauses) + ")", params


def followup_after(directory) -> int:
    """待回访: working days after 已解决 before a steward calls a resident who has not answered online
    (street.followup_call_after in the directory; default 3)."""
    return int((directory.street.get("followup") or {}).get("call_after", 3))


def where(filters: Filters, directory, today: dt.date, me: Me = Me()) -> tuple[str, list]:
    """The WHERE clause (with its parameters) that selects the cases the filters ask for."""
    clauses, params = [], []
    for column, value in (("status", filters.status), ("compound_id", filters.compound),
                          ("category_id", filters.category), ("channel", filters.channel)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql, found = search_clause(filters.q)
    if sql:
        clauses.append(sql)
        params += found
    if filters.mine:
        mine = ["steward_name = ?"]
        params.append(me.name)
        if me.compounds:
            mine.append(f"(steward_name = '' AND compound_id IN ({', '.join('?' * len(me.compounds))}))")
            params += me.compounds
        clauses.append("(" + " OR ".join(mine) + ")")
    if filters.urgent:
        urgent_ids = [c.id for c in directory.categories.values() if c.urgent]
        clauses.append(f"(urgent = 1 OR category_id IN ({', '.join('?' * len(urgent_ids)) or 'NULL'}))")
        params += urgent_ids
    if filters.reopened:
        clauses.append("reopened > 0")
    cutoff = last_working_day(today).isoformat()
    if filters.overdue:
        clauses.append(f"{NEXT_DUE} < ?")
        params.append(cutoff)
    if filters.today:
        clauses.append(f"{NEXT_DUE} BETWEEN ? AND ?")
        params += [cutoff, today.isoformat()]
    if filters.soon:
        clauses.append(f"{NEXT_DUE} BETWEEN ? AND ?")
        params += [(today + dt.timedelta(days=1)).isoformat(), clock.add_working_days(today, SOON_WORKING_DAYS).isoformat()]
    if filters.followup:
        called_by = _working_days_back(today, followup_after(directory)).isoformat()
        clauses.append(f"(status = '已解决' AND followup_due = 1 AND ({NO_TEXT} OR substr(resolved_at, 1, 10) <= ?))")
        params.append(called_by)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _working_days_back(day: dt.date, working: int) -> dt.date:
    """The day `working` working days before `day`."""
    while working > 0:
        day -= dt.timedelta(days=1)
        working -= clock.is_working_day(day)
    return day


def is_late(row, cutoff: str) -> bool:
    """The 超时 filter's rule for one row (cutoff: last_working_day(today), ISO) — the same as deadlines.overdue.
    The row must carry `next_due` (NEXT_DUE), as page() selects it."""
    return row["next_due"] < cutoff


@dataclass
class Page:
    rows: list
    total: int
    number: int
    pages: int
    per_page: int = PER_PAGE
    reasons: dict = field(default_factory=dict)   # case id -> deadline summary in words
    late: set = field(default_factory=set)        # case ids with a clock past its day
    urgent: set = field(default_factory=set)      # case ids that are urgent (tick or category)

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.per_page, self.total)


def order(filters: Filters, directory, today: dt.date) -> tuple[str, list]:
    """ORDER BY: newest first, or what is due — overdue, then due today (urgent first in each), then by date."""
    if filters.sort == "new":
        return " ORDER BY created_at DESC, id DESC", []
    urgent_ids = [c.id for c in directory.categories.values() if c.urgent]
    return (f" ORDER BY CASE WHEN next_due < ? THEN 0 WHEN next_due <= ? THEN 1 ELSE 2 END, "
            f"(urgent = 1 OR category_id IN ({', '.join('?' * len(urgent_ids)) or 'NULL'})) DESC, "
            "next_due, created_at DESC, id DESC",
            [last_working_day(today).isoformat(), today.isoformat(), *urgent_ids])


def _hint(filters: Filters) -> str:
    """Sorted by what is due with no filter but the due ones: walk the index that holds the order's columns
    (SQLite's planner would read and sort every row: 300 ms instead of 45 at 50,000 cases)."""
    others = (filters.q, filters.status, filters.compound, filters.category, filters.channel, filters.mine,
              filters.urgent, filters.reopened, filters.followup)
    return " INDEXED BY reports_by_next_due" if filters.sort == "due" and not any(others) else ""


def page(conn: sqlite3.Connection, filters: Filters, directory, today: dt.date, me: Me = Me(),
         number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of matching cases in the filters' order, with each row's urgency and deadline in words."""
    sql, params = where(filters, directory, today, me)
    by, by_params = order(filters, directory, today)
    rows, total = None, 0
    number = max(1, number)
    if filters.q:  # a search matches few cases but reads every row: count them in the same single pass
        rows = conn.execute(f"SELECT *, count(*) OVER () AS matching FROM reports{sql}{by} "
                            "LIMIT ? OFFSET ?", [*params, *by_params, per_page, (number - 1) * per_page]).fetchall()
        total = rows[0]["matching"] if rows else 0
        if not rows and number > 1:  # past the last page: count, then show the last page
            rows = None
    if rows is None:
        total = conn.execute(f"SELECT count(*) FROM reports{sql}", params).fetchone()[0]
        number = min(number, max(1, math.ceil(total / per_page)))
        # The page's ids first (the order's columns are in an index: no row is read to sort), then its rows.
        ids = [r[0] for r in conn.execute(f"SELECT id FROM reports{_hint(filters)}{sql}{by} LIMIT ? OFFSET ?",
                                          [*params, *by_params, per_page, (number - 1) * per_page])]
        found = {r["id"]: r for r in conn.execute(
            f"SELECT * FROM reports WHERE id IN ({', '.join('?' * len(ids)) or 'NULL'})", ids)}
        rows = [found[i] for i in ids]
    pages = max(1, math.ceil(total / per_page))
    result = Page(rows, total, number, pages, per_page)
    cutoff = last_working_day(today).isoformat()
    for row in rows:
        result.reasons[row["id"]] = deadlines.summary(row, directory, today)
        if is_late(row, cutoff):
            result.late.add(row["id"])
        if deadlines.is_urgent(row, directory):
            result.urgent.add(row["id"])
    return result


def matching(conn: sqlite3.Connection, filters: Filters, directory, today: dt.date, me: Me = Me()):
    """Every matching case, oldest first (a cursor: the .xlsx export reads it row by row)."""
    sql, params = where(filters, directory, today, me)
    return conn.execute(f"SELECT * FROM reports{sql} ORDER BY id", params)


def counts(conn: sqlite3.Connection, filters: Filters | None = None, directory=None, today: dt.date | None = None,
           me: Me = Me()) -> dict[str, int]:
    """How many reports have each status (every status listed, zeros included), among those the other
    filters select (the status filter itself aside); no filters: the whole street."""
    sql, params = ("", []) if filters is None else where(dataclasses.replace(filters, status=""), directory, today, me)
    found = dict(conn.execute(f"SELECT status, count(*) FROM reports{sql} GROUP BY status", params).fetchall())
    return {status: found.get(status, 0) for status in STATUSES}
