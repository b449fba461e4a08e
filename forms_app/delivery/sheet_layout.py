"""The stewards' spreadsheet: its worksheets, columns, and the rows we write into them.

Plain data, no Google: the sync worker and `sheet-setup` both read it, and the README's
"stewards' sheet" section describes the same columns.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from forms_app.core import clock, deadlines
from forms_app.core.cases import STATUSES, STEWARD_FIELDS  # noqa: F401  (STATUSES: the sheet's dropdown)
from forms_app.core.phones import PhoneError, normalise_phone

CELL_LIMIT = 50_000  # Google's characters-per-cell limit
MAX_CAPACITY = 10_000  # seats in one joint reception; anything larger is a typing slip, the row unreadable


@dataclass(frozen=True)
class Layout:
    title: str
    service_columns: tuple[str, ...]   # the service writes these; protected (warning only)
    steward_columns: tuple[str, ...]   # stewards fill these in
    widths: dict[str, int]             # pixel widths of the wider columns
    id_column: str = "提交编号"         # what makes a row unique: looked up before re-appending
    optional: tuple[str, ...] = ()     # service columns a sheet may lack (added later; `sheet-setup` adds them)

    @property
    def headers(self) -> tuple[str, ...]:
        """Row 1."""
        return self.service_columns + self.steward_columns

    def col(self, name: str) -> int:
        """1-based column number of a header."""
        return self.headers.index(name) + 1

    def letter(self, name: str) -> str:
        """A1 column letter(s) of a header."""
        return column_letter(self.col(name))


@dataclass(frozen=True)
class Columns:
    """Where our headers stand in a worksheet as the stewards have arranged it (row 1 as read).

    Stewards may insert, move or add columns; rows are written and found by header, never by position.
    """

    layout: Layout
    header: tuple[str, ...]

    def missing(self, names=None) -> list[str]:
        """Which of these headers (default: the service columns and the id column) row 1 lacks."""
        wanted = names if names is not None else (
            *(c for c in self.layout.service_columns if c not in self.layout.optional), self.layout.id_column)
        return [name for name in dict.fromkeys(wanted) if name not in self.header]

    def number(self, name: str) -> int:
        """1-based column of a header."""
        return self.header.index(name) + 1

    def letter(self, name: str) -> str:
        """A1 letter(s) of a header."""
        return column_letter(self.number(name))

    def arrange(self, values: list[str]) -> list[str]:
        """One of our rows (in layout.headers order) laid out in the sheet's column order."""
        by_name = dict(zip(self.layout.headers, values))
        return [by_name.get(name, "") for name in self.header]


def column_letter(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


REPORTS = Layout(
    "问题登记",
    ("编号", "提交编号", "提交时间", "来源", "居民区", "小区", "楼号", "室号", "问题类别", "是否紧急",
     "问题描述", "联系人", "联系电话", "希望联系时间", "愿意参加联合接待", "代办关系", "照片", "时限"),
    ("状态", "负责大管家", "协调单位", "处理记录", "公开进展", "首次联系时间", "办结时间", "回访满意度"),
    {"问题描述": 360, "处理记录": 320, "公开进展": 280, "提交编号": 120, "提交时间": 150, "联系电话": 130, "时限": 200},
    optional=("时限",),  # deadlines.summary, refreshed daily by the digest and the 督办 run
)
SIGNUPS = Layout(
    "接待报名",
    ("报名编号", "提交编号", "报名时间", "场次编号", "接待时间", "地点", "称呼", "联系电话", "小区",
     "想谈的问题", "关联问题编号", "报名状态", "排队时间"),
    ("签到", "接待结果"),
    {"想谈的问题": 320, "接待结果": 320, "地点": 220, "接待时间": 170, "提交编号": 120},
)
SESSIONS = Layout(
    "接待场次",
    (),
    ("场次编号", "日期", "开始", "结束", "地点", "参加单位", "名额", "开放报名", "说明"),
    {"地点": 260, "参加单位": 260, "说明": 240},
    id_column="场次编号",
)
LAYOUTS = (REPORTS, SIGNUPS, SESSIONS)
SIGNUP_STATES = {"confirmed": "已报名", "waiting": "候补", "cancelled": "已取消"}


def cell(value) -> str:
    """Every cell is text (written RAW, so '=…' stays text), within Google's size limit."""
    return ("" if value is None else str(value))[:CELL_LIMIT]


def sheet_time(iso: str) -> str:
    """'2026-11-28 14:05' in Shanghai time, as stewards read it."""
    return clock.parse(iso).strftime("%Y-%m-%d %H:%M")


def report_row(row, directory) -> list[str]:
    """A report as one 问题登记 row (service columns, then the stewards' starting values)."""
    compound = directory.compounds.get(row["compound_id"])
    area = directory.areas.get(row["area_id"])
    category = directory.categories.get(row["category_id"])
    values = [
        row["ref"], row["submission_id"], sheet_time(row["created_at"]), row["channel"],
        area.name if area else row["area_id"], compound.name if compound else row["compound_id"],
        row["building"], row["room"], category.name if category else row["category_id"],
        "紧急" if deadlines.is_urgent(row, directory) else "", row["description"], row["contact_name"],
        display_phone(row["phone"]), row["best_time"], "愿意" if row["join_reception"] else "", behalf_cell(row),
        "",  # 照片: a link to the stewards' page, written by photos.attach once the row is there
        deadlines.summary(row, directory),
        *(row[field] or (compound.steward.name if field == "steward_name" and compound else "")
          for field in STEWARD_FIELDS),
    ]
    return [cell(v) for v in values]


def behalf_cell(row) -> str:
    """代办关系: '女儿（本人已同意）；住户：王阿姨 139 1234 5678；先打给住户' ('' when not 代办)."""
    if not row["on_behalf"]:
        return ""
    parts = [row["behalf_relation"] + ("（本人已同意）" if row["behalf_consent"] else "")]
    keys = row.keys() if hasattr(row, "keys") else row
    name = row["resident_name"] if "resident_name" in keys else ""
    phone = row["resident_phone"] if "resident_phone" in keys else ""
    if name or phone:
        parts.append("住户：" + " ".join(filter(None, [name, display_phone(phone) if phone else ""])))
    call_first = row["call_first"] if "call_first" in keys else ""
    if call_first:
        parts.append("先打给住户" if call_first == "resident" else "先打给代办人")
    return "；".join(p for p in parts if p)


def signup_row(row, session, directory) -> list[str]:
    """A joint-reception sign-up as one 接待报名 row."""
    compound = directory.compounds.get(row["compound_id"])
    values = [
        row["ref"], row["submission_id"], sheet_time(row["created_at"]), row["session_id"],
        session.when if session else "", session.place if session else "", row["name"], display_phone(row["phone"]),
        compound.name if compound else row["compound_id"], row["topic"], linked_ref(row),
        SIGNUP_STATES[row["state"]], sheet_time(row["queued_at"]), row["attended"], row["outcome"],
    ]
    return [cell(v) for v in values]


def linked_ref(row) -> str:
    """The report number a resident linked, as typed; flagged for the steward when no report has it."""
    unknown = "linked_ref_unknown" in row.keys() and row["linked_ref_unknown"]
    return row["linked_ref"] + ("（没有找到这个编号，请核对）" if unknown and row["linked_ref"] else "")


def session_row(session) -> list[str]:
    """A local session as one 接待场次 row (used once, to seed an empty worksheet)."""
    return [cell(v) for v in (session.id, session.date.isoformat(), session.start_time, session.end_time,
                              session.place, "、".join(session.parties), session.capacity,
                              "是" if session.is_open else "否", "")]


def session_record_row(row) -> list[str]:
    """A stored session (its sessions-table row, note included) as one 接待场次 row."""
    return [cell(v) for v in (row["id"], row["date"], row["start_time"], row["end_time"], row["place"],
                              row["parties"], row["capacity"], "是" if row["is_open"] else "否", row["note"])]


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


def display_phone(e164: str) -> str:
    """+8613812345678 -> 138 1234 5678; +862165430001 -> 021 6543 0001."""
    if len(e164) == 14 and e164.startswith("+861") and e164[1:].isdigit():  # a mobile: no parsing (50,000 rows)
        return f"{e164[3:6]} {e164[6:10]} {e164[10:]}"
    try:
        return normalise_phone(e164).display
    except PhoneError:
        return e164
