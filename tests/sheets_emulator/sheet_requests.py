"""batchUpdate requests on sheets and their rows and columns."""
from __future__ import annotations

import copy

from .model import DEFAULT_COLS, DEFAULT_ROWS, Spreadsheet
from .request_args import RequestError, clean, copy_fields, dimension_range, field_paths, sheet_for


def add_sheet(book: Spreadsheet, req: dict, _requester: str) -> dict:
    """addSheet: a new sheet, 1000x26 unless gridProperties say otherwise."""
    props = clean(req.get("properties") or {})
    grid = props.get("gridProperties", {})
    title = props.get("title")
    if title is None:
        n = len(book.sheets) + 1
        while book.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    try:
        sheet = book.add_sheet(title, grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLS),
                               sheet_id=props.get("sheetId"), index=props.get("index"))
    except ValueError as e:
        raise RequestError(str(e)) from None
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "sheetType"):
            if key == "gridProperties":
                sheet.grid.update(value)
            else:
                sheet.properties[key] = value
    return {"properties": copy.deepcopy(sheet.properties)}


def delete_sheet(book: Spreadsheet, req: dict, _requester: str) -> None:
    """deleteSheet: remove a sheet (never the last one)."""
    sheet = sheet_for(book, req.get("sheetId"))
    if len(book.sheets) == 1:
        raise RequestError("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()


def update_sheet_properties(book: Spreadsheet, req: dict, _requester: str) -> None:
    """updateSheetProperties: title, index, hidden, grid size, frozen rows/columns..."""
    props = req.get("properties") or {}
    sheet = sheet_for(book, props.get("sheetId"))
    paths = field_paths(req.get("fields"))
    updated = copy.deepcopy(sheet.properties)
    copy_fields(updated, props, paths)
    title = updated.get("title")
    if not title:
        raise RequestError("The sheet title must not be empty.")
    other = book.sheet_by_title(title)
    if other is not None and other is not sheet:
        raise RequestError(f'A sheet with the name "{title}" already exists. Please enter another name.')
    grid = updated.setdefault("gridProperties", {})
    rows, cols = grid.get("rowCount", sheet.row_count), grid.get("columnCount", sheet.col_count)
    grid["rowCount"], grid["columnCount"] = rows, cols
    index = updated.get("index", 0)
    updated["index"] = sheet.properties["index"]
    sheet.properties = updated
    sheet.resize(rows, cols)
    if index != sheet.properties["index"]:
        book.move_sheet(sheet, index)


def update_spreadsheet_properties(book: Spreadsheet, req: dict, _requester: str) -> None:
    """updateSpreadsheetProperties: title, locale, timeZone..."""
    copy_fields(book.properties, req.get("properties") or {}, field_paths(req.get("fields")))
    if not book.properties.get("title"):
        raise RequestError("The spreadsheet title must not be empty.")


def update_dimension_properties(book: Spreadsheet, req: dict, _requester: str) -> None:
    """updateDimensionProperties: pixelSize (column widths, row heights) or hiddenByUser."""
    sheet, dimension, start, end = dimension_range(book, req.get("range") or {})
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    paths = field_paths(req.get("fields"))
    for i in range(start, end):
        entry = meta.setdefault(i, {})
        copy_fields(entry, req.get("properties") or {}, paths)
        if not entry:
            del meta[i]


def append_dimension(book: Spreadsheet, req: dict, _requester: str) -> None:
    """appendDimension: add rows or columns at the end."""
    sheet = sheet_for(book, req.get("sheetId"))
    length = req.get("length") or 0
    if length <= 0:
        raise RequestError("length must be greater than 0.")
    if req.get("dimension") == "ROWS":
        sheet.insert_rows(sheet.row_count, length)
    elif req.get("dimension") == "COLUMNS":
        sheet.insert_cols(sheet.col_count, length)
    else:
        raise RequestError(f"Invalid dimension: {req.get('dimension')}")


def insert_dimension(book: Spreadsheet, req: dict, _requester: str) -> None:
    """insertDimension: blank rows or columns before startIndex."""
    sheet, dimension, start, end = dimension_range(book, req.get("range") or {})
    (sheet.insert_rows if dimension == "ROWS" else sheet.insert_cols)(start, end - start)


def delete_dimension(book: Spreadsheet, req: dict, _requester: str) -> None:
    """deleteDimension: remove rows or columns (never all of them)."""
    sheet, dimension, start, end = dimension_range(book, req.get("range") or {})
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    if end - start >= size:
        raise RequestError("You can't delete all the rows on the sheet." if dimension == "ROWS"
                           else "You can't delete all the columns on the sheet.")
    (sheet.delete_rows if dimension == "ROWS" else sheet.delete_cols)(start, end)


def auto_resize_dimensions(book: Spreadsheet, req: dict, _requester: str) -> None:
    """autoResizeDimensions: accepted; the emulator cannot measure text, so sizes stay."""
    dimension_range(book, req.get("dimensions") or {})
