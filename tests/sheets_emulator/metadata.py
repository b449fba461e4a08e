"""spreadsheets.get: the Spreadsheet resource, with grid data when asked for."""
from __future__ import annotations

import copy

from .a1 import Rect
from .cells import cell_data
from .fieldmask import apply_mask, parse_fields, wants
from .model import DEFAULT_COL_PIXELS, DEFAULT_ROW_PIXELS, Spreadsheet
from .sheet import Sheet


def spreadsheet_get(book: Spreadsheet, params: dict) -> dict:
    """GET /v4/spreadsheets/{id}: includeGridData, ranges and fields as Google reads them."""
    fields = params.get("fields", [None])[0]
    mask = parse_fields(fields) if fields else None
    # Google ignores includeGridData when a field mask is given; the mask decides.
    include_grid = wants(mask, "sheets", "data") if mask else \
        params.get("includeGridData", ["false"])[0].lower() == "true"
    wanted: dict[int, list[Rect]] = {}
    for text in params.get("ranges", []):
        sheet, rect = book.resolve(text)
        wanted.setdefault(sheet.sheet_id, []).append(rect)
    sheets = [s for s in book.sheets if not wanted or s.sheet_id in wanted]
    resource = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": copy.deepcopy(book.properties),
        "sheets": [sheet_json(s, include_grid, wanted.get(s.sheet_id)) for s in sheets],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
    }
    return apply_mask(resource, mask)


def sheet_json(sheet: Sheet, include_grid: bool, rects: list[Rect] | None) -> dict:
    """One Sheet resource."""
    result: dict = {"properties": copy.deepcopy(sheet.properties)}
    if include_grid:
        result["data"] = [grid_data(sheet, r.clipped(sheet.row_count, sheet.col_count))
                          for r in (rects or [Rect()])]
    if sheet.protected_ranges:
        result["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
    return result


def grid_data(sheet: Sheet, rect: Rect) -> dict:
    """A GridData block: rowData up to the last stored cell, plus row and column metadata."""
    by_row: dict[int, dict[int, dict]] = {}
    for (r, c), cell in sheet.cells.items():
        if rect.start_row <= r < rect.end_row and rect.start_col <= c < rect.end_col:
            by_row.setdefault(r, {})[c] = cell_data(cell)
    data: dict = {}
    if rect.start_row:
        data["startRow"] = rect.start_row
    if rect.start_col:
        data["startColumn"] = rect.start_col
    if by_row:
        row_data = []
        for r in range(rect.start_row, max(by_row) + 1):
            cols = by_row.get(r, {})
            if cols:
                row_data.append({"values": [cols.get(c, {}) for c in range(rect.start_col, max(cols) + 1)]})
            else:
                row_data.append({})
        data["rowData"] = row_data
    data["rowMetadata"] = [{"pixelSize": DEFAULT_ROW_PIXELS, **sheet.row_meta.get(r, {})}
                           for r in range(rect.start_row, rect.end_row)]
    data["columnMetadata"] = [{"pixelSize": DEFAULT_COL_PIXELS, **sheet.col_meta.get(c, {})}
                              for c in range(rect.start_col, rect.end_col)]
    return data
