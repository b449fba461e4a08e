"""Reading the stewards' Sheet back: which typed cells are a change, and what a steward typed, checked
like the web form. One job, no I/O: pull.py asks `check()` for each row it reads back.

- An unchanged read-back is not a change: the cell as the service wrote it (负责大管家 pre-filled with
  the compound's steward, a 首次联系时间 in another spelling of the same minute) changes nothing — no
  history row, no version bump, no false "这条问题被别人改过".
- 首次联系时间 typed as '12/7 16:30' or '12月7日 16:30' is read (this year; never later than today) and
  written back as '2026-12-07 16:30'; one that cannot be read ('已联系') or lies in the future is
  refused: the cell goes back to what the case has, and a 【系统】 line in 处理记录 says why — it is
  never counted as a contact on time.
- A 状态 outside the list gets the same: the cell back, and a 【系统】 line.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from forms_app.core.cases import STATUSES, STEWARD_FIELDS

NOTE_MARK = "【系统】"
_MONTH_DAY = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*(?:(\d{1,2})\s*[:：点时]\s*(\d{1,2})?\s*分?)?$")


@dataclass
class Outcome:
    """What one read-back row means: the changes to store, cells to write back, 【系统】 lines to add."""

    changes: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def contact_time(text: str, today: dt.date) -> str | None:
    """A typed 首次联系时间 as stored ('2026-12-07 16:30' or '2026-12-07'); None when it cannot be read or
    is later than today. Without a year: this year (last year when that would be in the future)."""
    typed = " ".join(unicodedata.normalize("NFKC", str(text or "")).replace("T", " ").split())
    match = _MONTH_DAY.match(typed)
    if not match:
        return None
    year, month, day, hour, minute = match.groups()
    try:
        when = dt.date(int(year) if year else today.year, int(month), int(day))
        if not year and when > today:
            when = when.replace(year=today.year - 1)
        clock_part = dt.time(int(hour), int(minute or 0)) if hour is not None else None
    except ValueError:
        return None
    if when > today:
        return None
    return f"{when.isoformat()} {clock_part:%H:%M}" if clock_part else when.isoformat()


def check(row, rec: dict, default_steward: str, today: dt.date, stamp: str) -> Outcome:
    """The stewards' columns of one sheet row against its case (row: the case's stewards' fields).

    default_steward: the name the sheet row was pre-filled with; stamp: '2026-12-07' for the note lines.
    """
    out = Outcome()
    for column, header in STEWARD_FIELDS.items():
        stored = row[column] or ""
        typed = rec.get(header, "")
        typed = "" if typed is None else str(typed)
        if typed == stored:
            continue
        if column == "steward_name" and not stored and typed.strip() == default_steward:
            continue  # the pre-filled name, not a choice
        if column == "status":
            if not typed.strip():
                continue  # a hand-typed row's empty 状态 keeps the case's status
            if typed.strip() not in STATUSES:
                out.cells[header] = stored
                out.notes.append(f"状态「{typed.strip()[:20]}」不在列表里，已改回「{stored}」，请从下拉列表里选")
                continue
            typed = typed.strip()
            if typed == stored:
                continue
        if column == "first_contact_at" and typed.strip():
            read = contact_time(typed, today)
            if read is None:
                out.cells[header] = stored
                out.notes.append(f"首次联系时间「{typed.strip()[:20]}」看不懂或晚于今天，没有记下，"
                                 "请写成 2026-12-07 16:30 这样的时间")
                continue
            if read != typed:
                out.cells[header] = read
            if read == stored:
                continue
            typed = read
        out.changes[column] = typed
    if out.notes:
        base = out.changes.get("notes", row["notes"] or "")
        out.changes["notes"] = "\n".join(filter(None, [base, f"{stamp} {NOTE_MARK}" + "；".join(out.notes) + "。"]))
        out.cells["处理记录"] = out.changes["notes"]
    return out
