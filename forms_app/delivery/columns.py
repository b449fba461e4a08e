"""The stewards' shared tables, column by column: the one specification every backend, the .xlsx
export and `sheet-setup` read.

Each column says its header, its field type, its width, whether a table may lack it, how its value
is made from the store, and who writes it: the service (protected where the backend can protect a
column) or the stewards (the service writes only a starting value, then reads theirs back).
No list is kept in step with another by position: a row is a {header: text} dict made here.
Plain data, no outside system: `Table.spec(directory)` gives the backend-neutral TableSpec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from forms_app.core import clock, deadlines
from forms_app.core.cases import CHANNELS, STATUSES, STEWARD_FIELDS
from forms_app.core.phones import display_phone
from forms_app.delivery.tables.base import Field, TableSpec, column_letter

CELL_LIMIT = 50_000  # Google's characters-per-cell limit (the smallest of the three services' limits we rely on)
SERVICE, STEWARD = "service", "steward"
DEFAULT_WIDTH = 100  # pixels: Google's own default, so an unset width is never "changed" by sheet-setup
SIGNUP_STATES = {"confirmed": "已报名", "waiting": "候补", "cancelled": "已取消"}


@dataclass(frozen=True)
class Source:
    """What a row is made from: a store row, the directory, and (for a sign-up) its session."""

    row: Any
    directory: Any = None
    session: Any = None


@dataclass(frozen=True)
class Column:
    """One column of a shared table."""

    header: str                                   # the title stewards see
    make: Callable[[Source], Any]                 # how the value is made (from the store row)
    writer: str = SERVICE                         # SERVICE: protected; STEWARD: stewards fill it in
    kind: str = "text"                            # text | select | number (base.Field.kind)
    width: int = DEFAULT_WIDTH                    # pixels
    optional: bool = False                        # a table may lack it (added later; `sheet-setup` adds it)
    options: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = ()  # select: the choices, or directory -> choices

    def choices(self, directory) -> tuple[str, ...]:
        """The select options, the same lists the steward pages use."""
        if callable(self.options):
            return tuple(self.options(directory)) if directory is not None else ()
        return tuple(self.options)

    def field(self, directory=None) -> Field:
        """This column as a backend-neutral Field."""
        return Field(self.header, self.kind, self.choices(directory), self.width)


@dataclass(frozen=True)
class Table:
    """One shared table: its title, key column and columns in display order."""

    title: str
    key: str
    columns: tuple[Column, ...]
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def column(self, header: str) -> Column:
        """The column with this header."""
        if not self._index:
            self._index.update({c.header: c for c in self.columns})
        return self._index[header]

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header in display order (row 1 of a new worksheet)."""
        return tuple(c.header for c in self.columns)

    @property
    def service_columns(self) -> tuple[str, ...]:
        """The columns the service writes (protected)."""
        return tuple(c.header for c in self.columns if c.writer == SERVICE)

    @property
    def steward_columns(self) -> tuple[str, ...]:
        """The columns the stewards fill in."""
        return tuple(c.header for c in self.columns if c.writer == STEWARD)

    @property
    def optional(self) -> tuple[str, ...]:
        """Columns a table may lack."""
        return tuple(c.header for c in self.columns if c.optional)

    @property
    def widths(self) -> dict[str, int]:
        """Header -> pixels, for the columns wider or narrower than the default."""
        return {c.header: c.width for c in self.columns if c.width != DEFAULT_WIDTH}

    @property
    def id_column(self) -> str:
        """What makes a row unique (the key)."""
        return self.key

    def col(self, header: str) -> int:
        """1-based position of a header in a new worksheet."""
        return self.headers.index(header) + 1

    def letter(self, header: str) -> str:
        """A1 column letter(s) of a header in a new worksheet."""
        return column_letter(self.col(header))

    def spec(self, directory=None) -> TableSpec:
        """The backend-neutral description of this table (select options from the directory)."""
        return TableSpec(self.title, self.key, tuple(c.field(directory) for c in self.columns))

    def values(self, source: Source) -> dict[str, str]:
        """One row as {header: plain text}."""
        return {c.header: cell(c.make(source)) for c in self.columns}

    def row(self, source: Source) -> list[str]:
        """One row as a list in display order (the .xlsx export, a new worksheet)."""
        return list(self.values(source).values())


def cell(value) -> str:
    """Every cell is text (written as plain text, so '=…' stays text), within the size limit."""
    return ("" if value is None else str(value))[:CELL_LIMIT]


def sheet_time(iso: str) -> str:
    """'2026-11-28 14:05' in Shanghai time, as stewards read it."""
    return clock.parse(iso).strftime("%Y-%m-%d %H:%M") if iso else ""


def _keys(row) -> set:
    return set(row.keys() if hasattr(row, "keys") else row)


def behalf_cell(row) -> str:
    """代办关系: '女儿（本人已同意）；住户：王阿姨 139 1234 5678；先打给住户' ('' when not 代办)."""
    if not row["on_behalf"]:
        return ""
    parts = [row["behalf_relation"] + ("（本人已同意）" if row["behalf_consent"] else "")]
    keys = _keys(row)
    name = row["resident_name"] if "resident_name" in keys else ""
    phone = row["resident_phone"] if "resident_phone" in keys else ""
    if name or phone:
        parts.append("住户：" + " ".join(filter(None, [name, display_phone(phone) if phone else ""])))
    call_first = row["call_first"] if "call_first" in keys else ""
    if call_first:
        parts.append("先打给住户" if call_first == "resident" else "先打给代办人")
    return "；".join(p for p in parts if p)


def linked_ref(row) -> str:
    """The report number a resident linked, as typed; flagged for the steward when no report has it."""
    unknown = "linked_ref_unknown" in _keys(row) and row["linked_ref_unknown"]
    return row["linked_ref"] + ("（没有找到这个编号，请核对）" if unknown and row["linked_ref"] else "")


def _named(entries: str, id_key: str):
    """The directory entry's name for the row's id (the id itself when the directory lacks it)."""
    def make(s: Source):
        entry = getattr(s.directory, entries).get(s.row[id_key])
        return entry.name if entry else s.row[id_key]
    return make


def _steward_name(s: Source) -> str:
    """The steward in charge: as set on the case, else the compound's steward."""
    compound = s.directory.compounds.get(s.row["compound_id"])
    return s.row["steward_name"] or (compound.steward.name if compound else "")


def _field(name: str) -> Callable[[Source], Any]:
    return lambda s: s.row[name]


def category_names(directory) -> tuple[str, ...]:
    """问题类别's options: the directory's categories, as the steward pages list them."""
    return tuple(c.name for c in directory.categories.values())


_STEWARD_MAKERS = {"steward_name": _steward_name}
_STEWARD_EXTRA = {"状态": {"kind": "select", "options": STATUSES}, "处理记录": {"width": 320}, "公开进展": {"width": 280}}

REPORTS = Table("问题登记", "提交编号", (
    Column("编号", _field("ref")),
    Column("提交编号", _field("submission_id"), width=120),
    Column("提交时间", lambda s: sheet_time(s.row["created_at"]), width=150),
    Column("来源", _field("channel"), kind="select", options=CHANNELS),
    Column("居民区", _named("areas", "area_id")),
    Column("小区", _named("compounds", "compound_id")),
    Column("楼号", _field("building")),
    Column("室号", _field("room")),
    Column("问题类别", _named("categories", "category_id"), kind="select", options=category_names),
    Column("是否紧急", lambda s: "紧急" if deadlines.is_urgent(s.row, s.directory) else ""),
    Column("问题描述", _field("description"), width=360),
    Column("联系人", _field("contact_name")),
    Column("联系电话", lambda s: display_phone(s.row["phone"]), width=130),
    Column("希望联系时间", _field("best_time")),
    Column("愿意参加联合接待", lambda s: "愿意" if s.row["join_reception"] else ""),
    Column("代办关系", lambda s: behalf_cell(s.row)),
    Column("照片", lambda s: ""),  # a link to the stewards' page, written by photos.attach once the row is there
    Column("时限", lambda s: deadlines.summary(s.row, s.directory), width=200, optional=True),  # refreshed daily
    *(Column(header, _STEWARD_MAKERS.get(name, _field(name)), writer=STEWARD, **_STEWARD_EXTRA.get(header, {}))
      for name, header in STEWARD_FIELDS.items()),
))

SIGNUPS = Table("接待报名", "提交编号", (
    Column("报名编号", _field("ref")),
    Column("提交编号", _field("submission_id"), width=120),
    Column("报名时间", lambda s: sheet_time(s.row["created_at"])),
    Column("场次编号", _field("session_id")),
    Column("接待时间", lambda s: s.session.when if s.session else "", width=170),
    Column("地点", lambda s: s.session.place if s.session else "", width=220),
    Column("称呼", _field("name")),
    Column("联系电话", lambda s: display_phone(s.row["phone"])),
    Column("小区", _named("compounds", "compound_id")),
    Column("想谈的问题", _field("topic"), width=320),
    Column("关联问题编号", lambda s: linked_ref(s.row)),
    Column("报名状态", lambda s: SIGNUP_STATES[s.row["state"]], kind="select", options=tuple(SIGNUP_STATES.values())),
    Column("排队时间", lambda s: sheet_time(s.row["queued_at"])),
    Column("签到", _field("attended"), writer=STEWARD),
    Column("接待结果", _field("outcome"), writer=STEWARD, width=320),
))

# The stewards own 接待场次: the service seeds it and writes the sessions edited on its pages.
SESSIONS = Table("接待场次", "场次编号", (
    Column("场次编号", _field("id"), writer=STEWARD),
    Column("日期", _field("date"), writer=STEWARD),
    Column("开始", _field("start_time"), writer=STEWARD),
    Column("结束", _field("end_time"), writer=STEWARD),
    Column("地点", _field("place"), writer=STEWARD, width=260),
    Column("参加单位", _field("parties"), writer=STEWARD, width=260),
    Column("名额", _field("capacity"), writer=STEWARD),
    Column("开放报名", lambda s: "是" if s.row["is_open"] else "否", writer=STEWARD),
    Column("说明", _field("note"), writer=STEWARD, width=240),
))
TABLES = (REPORTS, SIGNUPS, SESSIONS)


def specs(directory) -> tuple[TableSpec, ...]:
    """Every table as a TableSpec, select options from this directory."""
    return tuple(t.spec(directory) for t in TABLES)


def report_values(row, directory) -> dict[str, str]:
    """A report as a 问题登记 record (the service columns, then the stewards' starting values)."""
    return REPORTS.values(Source(row, directory))


def signup_values(row, session, directory) -> dict[str, str]:
    """A joint-reception sign-up as a 接待报名 record."""
    return SIGNUPS.values(Source(row, directory, session))


def session_values(row) -> dict[str, str]:
    """A stored session (a sessions-table row, note included) as a 接待场次 record."""
    return SESSIONS.values(Source(row))


def session_object_values(session) -> dict[str, str]:
    """A reception.Session (sample/seeded sessions) as a 接待场次 record."""
    return session_values({"id": session.id, "date": session.date.isoformat(), "start_time": session.start_time,
                           "end_time": session.end_time, "place": session.place, "parties": "、".join(session.parties),
                           "capacity": session.capacity, "is_open": session.is_open, "note": ""})
