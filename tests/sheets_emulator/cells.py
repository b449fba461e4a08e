"""Cell values: how input is stored (RAW or USER_ENTERED) and how it is rendered back."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import bad_request

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
SKIP = object()  # a JSON null in the input: leave the cell as it is


@dataclass
class Cell:
    """One cell: its user-entered value (kind, value) plus validation and format, if any."""

    kind: str | None = None  # "string" | "number" | "bool" | "formula" | None (blank)
    value: object = None
    validation: dict | None = None
    fmt: dict | None = None

    @property
    def has_value(self) -> bool:
        """True when the cell holds a value (validation or format alone do not count)."""
        return self.kind is not None

    @property
    def is_bare(self) -> bool:
        """True when nothing at all is stored in the cell."""
        return self.kind is None and self.validation is None and self.fmt is None


def parse_input(raw: object, option: str, where: str) -> tuple[str | None, object] | object:
    """Turn one JSON input value into (kind, value), or SKIP for null; '' clears the cell."""
    if raw is None:
        return SKIP
    if isinstance(raw, bool):
        return "bool", raw
    if isinstance(raw, (int, float)):
        return "number", raw
    if isinstance(raw, (list, dict)):
        kind = "list_value" if isinstance(raw, list) else "struct_value"
        raise bad_request(f"Invalid {where}: {kind} {{{raw!r}}}")
    text = str(raw)
    if text == "":
        return None, None
    if option == "RAW":
        return "string", text
    return _parse_user_entered(text)


def _parse_user_entered(text: str) -> tuple[str, object]:
    """A minimal version of what the Sheets UI does with typed text (no dates or currency)."""
    if text.startswith("'"):
        return "string", text[1:]
    if text.startswith("=") and len(text) > 1:
        return "formula", text
    if text.upper() in ("TRUE", "FALSE"):
        return "bool", text.upper() == "TRUE"
    stripped = text.strip()
    if _NUMBER.fullmatch(stripped):
        percent = stripped.endswith("%")
        number = float(stripped.rstrip("%"))
        if percent:
            number /= 100
        if number.is_integer() and not percent and "." not in stripped and "e" not in stripped.lower():
            number = int(number)
        return "number", number
    return "string", text


def format_number(number: float | int) -> str:
    """A number as the default 'Automatic' format shows it (close enough: no grouping)."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    if isinstance(number, int):
        return str(number)
    return format(number, ".15g").replace("e+", "E+").replace("e-", "E-")


def render(cell: Cell, option: str) -> object:
    """The cell's value under a ValueRenderOption; formulas are never evaluated, they render as text."""
    if cell.kind == "formula":
        return cell.value
    if option == "FORMATTED_VALUE":
        if cell.kind == "number":
            return format_number(cell.value)
        if cell.kind == "bool":
            return "TRUE" if cell.value else "FALSE"
        return cell.value
    if cell.kind == "number" and isinstance(cell.value, float) and cell.value.is_integer():
        return int(cell.value)
    return cell.value


def extended_value(cell: Cell) -> dict:
    """The cell's userEnteredValue as an ExtendedValue."""
    key = {"string": "stringValue", "number": "numberValue",
           "bool": "boolValue", "formula": "formulaValue"}[cell.kind]
    return {key: cell.value}


def cell_data(cell: Cell) -> dict:
    """The CellData object spreadsheets.get returns for a cell (without evaluation)."""
    data: dict = {}
    if cell.has_value:
        data["userEnteredValue"] = extended_value(cell)
        if cell.kind != "formula":
            data["effectiveValue"] = extended_value(cell)
        data["formattedValue"] = str(render(cell, "FORMATTED_VALUE"))
    if cell.fmt:
        data["userEnteredFormat"] = cell.fmt
    if cell.validation:
        data["dataValidation"] = cell.validation
    return data
