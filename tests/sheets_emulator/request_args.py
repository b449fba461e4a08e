"""Reading the parts of batchUpdate requests: GridRange, DimensionRange, field masks."""
from __future__ import annotations

from .a1 import Rect
from .model import Spreadsheet
from .sheet import Sheet


class RequestError(Exception):
    """A request in the batch is invalid; the whole batch is rolled back."""


def clean(value: object) -> object:
    """Drop nulls and false booleans, as proto3 JSON output leaves them out."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None and v is not False}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def sheet_for(book: Spreadsheet, sheet_id: object) -> Sheet:
    """The sheet with this id, or a RequestError."""
    sheet = book.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise RequestError(f"No grid with id: {sheet_id or 0}")
    return sheet


def grid_rect(book: Spreadsheet, grid_range: dict) -> tuple[Sheet, Rect]:
    """A GridRange as (sheet, bounded rect)."""
    sheet = sheet_for(book, grid_range.get("sheetId"))
    rect = Rect(grid_range.get("startRowIndex") or 0, grid_range.get("startColumnIndex") or 0,
                grid_range.get("endRowIndex"), grid_range.get("endColumnIndex"))
    return sheet, rect.bounded(sheet.row_count, sheet.col_count)


def field_paths(fields: str | None) -> list[list[str]]:
    """The 'fields' of an update request as split paths; Google requires at least one."""
    if not fields:
        raise RequestError("At least one field must be updated, but none were specified.")
    return [p.replace(".", "/").split("/") for p in fields.replace(" ", "").split(",") if p]


def copy_fields(target: dict, source: dict, paths: list[list[str]]) -> None:
    """Copy masked fields from source to target; unset, zero or false values delete the field."""
    for path in paths:
        if path == ["*"]:
            keep = {k: target[k] for k in ("sheetId",) if k in target}
            target.clear()
            target.update(keep, **clean(source))
            continue
        src, dst = source, target
        for seg in path[:-1]:
            src = (src or {}).get(seg)
            dst = dst.setdefault(seg, {})
        value = (src or {}).get(path[-1])
        if value in (None, 0, "", {}, []):
            dst.pop(path[-1], None)
        else:
            dst[path[-1]] = clean(value)


def dimension_range(book: Spreadsheet, dim_range: dict) -> tuple[Sheet, str, int, int]:
    """A DimensionRange as (sheet, 'ROWS'|'COLUMNS', start, end)."""
    sheet = sheet_for(book, dim_range.get("sheetId"))
    dimension = dim_range.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise RequestError(f"Invalid dimension: {dimension}")
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    start = dim_range.get("startIndex") or 0
    end = size if dim_range.get("endIndex") is None else dim_range["endIndex"]
    if not 0 <= start <= end <= size:
        raise RequestError(f"Invalid dimension range: {start} to {end} (size {size}).")
    return sheet, dimension, start, end
