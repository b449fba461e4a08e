"""The stewards' list of reports on the embedded store: filters, overdue, counts per status."""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from forms_app.casework.overdue import is_overdue
from forms_app.core.cases import STATUSES



@dataclass(frozen=True)
class Filters:
    status: str = ""
    compound: str = ""
    category: str = ""
    overdue: bool = False

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.status or self.compound or self.category or self.overdue)


def reports(conn: sqlite3.Connection, filters: Filters, now: dt.datetime, working_days: int = 1) -> list[sqlite3.Row]:
    """Reports matching the filters, newest first."""
    where, params = [], []
    for column, value in (("status", filters.status), ("compound_id", filters.compound), ("category_id", filters.category)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = "SELECT * FROM reports" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY created_at DESC, id DESC"
    rows = conn.execute(sql, params).fetchall()
    if filters.overdue:
        rows = [r for r in rows if is_overdue(r, now, working_days)]
    return rows


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many reports have each status (every status listed, zeros included)."""
    found = dict(conn.execute("SELECT status, count(*) FROM reports GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in STATUSES}
