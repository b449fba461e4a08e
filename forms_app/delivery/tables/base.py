"""The one interface every stewards' table service offers the delivery code (issue 16).

A table service holds the stewards' shared tables (问题登记, 接待报名, 接待场次): Google Sheets,
WeCom 智能表格 or Feishu 多维表格, one adapter file each in this package. The worker, read-back,
adoption and sheet-setup speak only this interface: records are addressed by field title, never by
column position, and every value is plain text both ways.

Exactly once is the worker's job, not the adapter's: after a TableError with ambiguous=True the
worker calls `records()` and skips the keys already present before sending again. An adapter only
classifies its errors honestly (retryable / ambiguous), refreshes its tokens on the documented
errcodes and keeps to the service's per-call limits (WeCom and Feishu: 500 records per call).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# A cell starting with one of these would be evaluated as a formula by a spreadsheet; such values
# are never sent where the service would evaluate them (Google writes RAW; the export prefixes ').
FORMULA_PREFIXES = ("=", "+", "-", "@")


class TableError(Exception):
    """A call to the table service failed — one exception family for every backend.

    status: the HTTP status, when there was one; code: the service's own errcode, when there was one.
    retryable: trying again later may succeed (rate limit, 5xx, timeout, dropped connection).
    ambiguous: a write whose outcome is unknown (timeout, dropped connection after the request was
    sent, 5xx on a write, an answer lost): the worker re-reads before sending again.
    """

    def __init__(self, message: str, *, status: int | None = None, code: int | str | None = None,
                 retryable: bool = True, ambiguous: bool = False):
        super().__init__(message)
        self.status, self.code, self.retryable, self.ambiguous = status, code, retryable, ambiguous


@dataclass(frozen=True)
class Field:
    """One column/field of a table as the stewards see it."""

    title: str                      # the column/field title shown to stewards, e.g. "状态"
    kind: str = "text"              # "text" | "select" (single select) | "number"
    options: tuple[str, ...] = ()   # for "select": the choices, in the order the steward pages list them
    width: int = 120                # hint (pixels) where the service supports it


@dataclass(frozen=True)
class TableSpec:
    """One table: its title, the title of its key field and its fields in display order."""

    title: str                      # "问题登记" | "接待报名" | "接待场次"
    key: str                        # title of the key field: "提交编号" / "报名编号" / "场次编号"
    fields: tuple[Field, ...]       # in display order; the first field is the primary/first column

    def field(self, title: str) -> Field:
        """The field with this title (KeyError when the table has none)."""
        for field in self.fields:
            if field.title == title:
                return field
        raise KeyError(title)

    @property
    def titles(self) -> tuple[str, ...]:
        """The field titles in display order."""
        return tuple(field.title for field in self.fields)


@dataclass
class Record:
    """One record as read: the service's own id and every field's value as plain text."""

    id: str                         # the service's own record id (Google: the row number as text)
    values: dict[str, str]          # field title -> cell shown as plain text ("" when empty)


@runtime_checkable
class TableService(Protocol):
    """What every backend offers the delivery code."""

    name: str                       # "google" | "wecom" | "feishu"

    def ensure(self, spec: TableSpec) -> None:
        """Create the table if missing and add missing fields; safe to run again; never deletes or renames.

        May return a list of lines (Chinese) saying what it changed, which `sheet-setup` prints.
        Optional capability, Google only today: `protect(spec, titles) -> list[str]` protects each of
        these (service) columns on its own; sheet-setup calls it when the adapter has it.
        """

    def records(self, spec: TableSpec) -> list[Record]:
        """Every record of the table, in table order (paged inside the adapter)."""

    def add(self, spec: TableSpec, rows: list[dict[str, str]]) -> None:
        """Append records ({field title: plain text}); chunked to the service's per-call limit inside."""

    def update(self, spec: TableSpec, changes: list[tuple[str, dict[str, str]]]) -> None:
        """Set the given fields of the given record ids ((record id, {field title: plain text}), ...)."""

    def close(self) -> None:
        """Release connections."""


# The A1 letter of a column (Google Sheets, the .xlsx export).
def column_letter(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
