"""Reading what stewards type into the shared tables (dates, times, sessions), and the names the
rest of the code has always imported from here.

The tables themselves — headers, types, widths, who writes each column and how its value is made —
are specified once in delivery/columns.py; this module re-exports them for existing callers.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from forms_app.core.cases import STATUSES, STEWARD_FIELDS  # noqa: F401  (re-exported)
from forms_app.delivery.columns import (CELL_LIMIT, REPORTS, SESSIONS, SIGNUP_STATES, SIGNUPS, TABLES,  # noqa: F401
                                        Source, Table, behalf_cell, cell, column_letter, linked_ref,
                                        report_values, session_object_values, session_values, sheet_time,
                                        signup_values)

MAX_CAPACITY = 10_000  # seats in one joint reception; anything larger is a typing slip, the row unreadable
Layout = Table  # the old name
LAYOUTS = TABLES


def report_row(row, directory) -> list[str]:
    """A report as one 问题登记 row in display order (the .xlsx export; tests)."""
    return list(report_values(row, directory).values())


def signup_row(row, session, directory) -> list[str]:
    """A joint-reception sign-up as one 接待报名 row in display order."""
    return list(signup_values(row, session, directory).values())


def session_row(session) -> list[str]:
    """A reception.Session as one 接待场次 row in display order."""
    return list(session_object_values(session).values())


def session_record_row(row) -> list[str]:
    """A stored session as one 接待场次 row in display order."""
    return list(session_values(row).values())


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:：点]\s*(\d{2})?")
_NUMBER = re.compile(r"^\s*(\d+)")


def parse_day(text: str) -> dt.date | None:
    """A date as stewards type it: 2026-12-05, 2026/12/5, 2026年12月5日 (a time after it is ignored)."""
    found = _DATE.match(unicodedata.normalize("NFKC", str(text or "")))
    try:
        return dt.date(*(int(g) for g in found.groups())) if found else None
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    """A time of day as typed: 9:00, 9：00, 9:00:00, 9点, 9点30 → 'H:MM'."""
    found = _TIME.match(unicodedata.normalize("NFKC", str(text or "")))
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    return f"{hour}:{minute:02d}" if hour < 24 and minute < 60 else None


def parse_session(record: dict) -> dict | None:
    """A 接待场次 row typed by a steward → session fields; None when it cannot be used."""
    day = parse_day(record.get("日期", ""))
    capacity = _NUMBER.match(unicodedata.normalize("NFKC", str(record.get("名额", ""))))  # "12" or "12人"
    ident = str(record.get("场次编号", "")).strip()
    start, end = parse_time(record.get("开始", "")), parse_time(record.get("结束", ""))
    if not (day and capacity and ident and start and end):
        return None
    capacity = int(capacity.group(1)[:6])  # at most six digits are read: 99999999999999999999 stays a small int
    if capacity > MAX_CAPACITY or len(ident) > 100:
        return None
    return {"id": ident, "date": day.isoformat(), "start_time": start, "end_time": end,
            "place": str(record.get("地点", "")).strip(), "parties": str(record.get("参加单位", "")).strip(),
            "capacity": capacity, "is_open": int(str(record.get("开放报名", "是")).strip() not in ("否", "关闭", "no", "0")),
            "note": str(record.get("说明", "")).strip()}
