"""The stewards' list of cases: search, filters, pages, counts — all in SQL, so 50,000 cases stay fast.

Every filter becomes a WHERE clause over indexed columns (migration 0011); the deadline filter
(超时) compares the due dates fixed when a case came in (core/deadlines.py) with the last working
day up to today, which is exactly when deadlines.clocks() calls a clock late. Only the rows of
the page shown are turned into words (deadlines.summary) in Python.
"""
from __future__ import annotations

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
_DIGITS = re.compile(r"^[\d\s+\-]+$")


@dataclass(frozen=True)
class Filters:
    q: str = ""              # reference, phone digits or building
    status: str = ""
    compound: str = ""
    category: str = ""
    channel: str = ""
    mine: bool = False       # 我负责的
    urgent: bool = False     # 紧急: the resident's tick or an urgent category
    reopened: bool = False   # 重新打开
    overdue: bool = False    # 超时: a clock past its day

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any((self.q, self.status, self.compound, self.category, self.channel, self.mine, self.urgent,
                    self.reopened, self.overdue))


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
    """What the search box finds: a reference (any spelling, whole or its first digits), phone digits, a building.

    Four or more digits search phone numbers (the reporter's, and the resident's on a 代办 report) and references (2604 1937 or its first four);
    fewer digits, or any other text, search buildings (12号); an old-style reference (W7K3-M9P) finds its case.
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
    return "(building LIKE ? ESCAPE '\\' OR ref LIKE ? ESCAPE '\\')", [_like(text), _like(text.upper())]


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
    if filters.overdue:
        cutoff = last_working_day(today).isoformat()
        closed, settled = deadlines.CLOSED, deadlines.SETTLED
        clauses.append(
            "((first_contact_at = '' AND status NOT IN ({c}) AND first_contact_due != '' AND first_contact_due < ?)"
            " OR (status NOT IN ({s}) AND resolve_due != '' AND resolve_due < ?)"
            " OR (reopened_at != '' AND rehandled_at = '' AND rehandle_due != '' AND rehandle_due < ?))".format(
                c=", ".join("?" * len(closed)), s=", ".join("?" * len(settled))))
        params += [*closed, cutoff, *settled, cutoff, cutoff]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def is_late(row, cutoff: str) -> bool:
    """The 超时 filter's rule for one row (cutoff: last_working_day(today), ISO) — the same as deadlines.overdue."""
    if row["first_contact_at"] == "" and row["status"] not in deadlines.CLOSED and "" < row["first_contact_due"] < cutoff:
        return True
    if row["status"] not in deadlines.SETTLED and "" < row["resolve_due"] < cutoff:
        return True
    return row["reopened_at"] != "" and row["rehandled_at"] == "" and "" < row["rehandle_due"] < cutoff


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


def page(conn: sqlite3.Connection, filters: Filters, directory, today: dt.date, me: Me = Me(),
         number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of matching cases, newest first, with each row's urgency and deadline in words."""
    sql, params = where(filters, directory, today, me)
    rows, total = None, 0
    number = max(1, number)
    if filters.q:  # a search matches few cases but reads every row: count them in the same single pass
        rows = conn.execute(f"SELECT *, count(*) OVER () AS matching FROM reports{sql} "
                            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                            [*params, per_page, (number - 1) * per_page]).fetchall()
        total = rows[0]["matching"] if rows else 0
        if not rows and number > 1:  # past the last page: count, then show the last page
            rows = None
    if rows is None:
        total = conn.execute(f"SELECT count(*) FROM reports{sql}", params).fetchone()[0]
        number = min(number, max(1, math.ceil(total / per_page)))
        rows = conn.execute(f"SELECT * FROM reports{sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                            [*params, per_page, (number - 1) * per_page]).fetchall()
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


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many reports have each status (every status listed, zeros included)."""
    found = dict(conn.execute("SELECT status, count(*) FROM reports GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in STATUSES}
