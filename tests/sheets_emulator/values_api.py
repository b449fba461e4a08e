"""The spreadsheets.values endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear."""
from __future__ import annotations

from .a1 import Rect, format_range
from .errors import bad_request
from .grid_io import WritePlan, parse_matrix, plan_update, read_block
from .model import Spreadsheet
from .options import check_major, flag, input_option, param, render_option
from .sheet import Sheet
from .tables import find_table


def _readable(sheet: Sheet, rect: Rect, range_text: str) -> Rect:
    """The rect clipped to the grid; a start outside the grid is an error."""
    if rect.start_row >= sheet.row_count or rect.start_col >= sheet.col_count:
        raise bad_request(f"Range ({range_text}) exceeds grid limits. "
                          f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
    return rect.clipped(sheet.row_count, sheet.col_count)


def value_range(book: Spreadsheet, range_text: str, major: str, rendering: str) -> dict:
    """One ValueRange as values.get returns it."""
    sheet, rect = book.resolve(range_text)
    rect = _readable(sheet, rect, range_text)
    result = {"range": format_range(sheet.title, rect), "majorDimension": major}
    values = read_block(sheet, rect, major, rendering)
    if values:
        result["values"] = values
    return result


def values_get(book: Spreadsheet, range_text: str, params: dict) -> dict:
    """GET .../values/{range}."""
    return value_range(book, range_text, check_major(param(params, "majorDimension")),
                       render_option(param(params, "valueRenderOption")))


def values_batch_get(book: Spreadsheet, params: dict) -> dict:
    """GET .../values:batchGet?ranges=...&ranges=..."""
    major = check_major(param(params, "majorDimension"))
    rendering = render_option(param(params, "valueRenderOption"))
    return {"spreadsheetId": book.spreadsheet_id,
            "valueRanges": [value_range(book, r, major, rendering) for r in params.get("ranges", [])]}


def _plan_value_range(book: Spreadsheet, range_text: str, data: dict, option: str, field: str) -> WritePlan:
    """Check one ValueRange write (update semantics) without applying it."""
    sheet, rect = book.resolve(range_text)
    cells = parse_matrix(data.get("values"), check_major(data.get("majorDimension")), option, field)
    return plan_update(sheet, rect, cells, range_text)


def _with_data(plan: WritePlan, summary: dict, include: bool, rendering: str) -> dict:
    """Add updatedData to an UpdateValuesResponse when asked to."""
    if include:
        summary["updatedData"] = plan.updated_data(rendering)
    return summary


def values_update(book: Spreadsheet, range_text: str, params: dict, body: dict) -> dict:
    """PUT .../values/{range}?valueInputOption=..."""
    option = input_option(param(params, "valueInputOption"))
    rendering = render_option(param(params, "responseValueRenderOption"))
    if body.get("range"):
        asked, sent = book.resolve(range_text), book.resolve(body["range"])
        if (asked[0].sheet_id, asked[1]) != (sent[0].sheet_id, sent[1]):
            raise bad_request(f"Requested range [{range_text}] and the range in the request body "
                              f"[{body['range']}] do not match.")
    plan = _plan_value_range(book, range_text, body, option, "data.values")
    plan.apply()
    return _with_data(plan, plan.summary(book.spreadsheet_id),
                      flag(param(params, "includeValuesInResponse")), rendering)


def values_batch_update(book: Spreadsheet, body: dict) -> dict:
    """POST .../values:batchUpdate; every range is checked before any is written."""
    option = input_option(body.get("valueInputOption"))
    rendering = render_option(body.get("responseValueRenderOption"))
    plans = [_plan_value_range(book, item.get("range", ""), item, option, f"data[{i}].values")
             for i, item in enumerate(body.get("data") or [])]
    for plan in plans:
        plan.apply()
    include = flag(body.get("includeValuesInResponse"))
    responses = [_with_data(p, p.summary(book.spreadsheet_id), include, rendering) for p in plans]
    rows = {(p.sheet.sheet_id, r) for p in plans for r in range(p.rect.start_row, p.rect.end_row)}
    cols = {(p.sheet.sheet_id, c) for p in plans for c in range(p.rect.start_col, p.rect.end_col)}
    result = {"spreadsheetId": book.spreadsheet_id}
    if plans:
        result.update({"totalUpdatedRows": len(rows), "totalUpdatedColumns": len(cols),
                       "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                       "totalUpdatedSheets": len({p.sheet.sheet_id for p in plans}),
                       "responses": responses})
    return result


def values_append(book: Spreadsheet, range_text: str, params: dict, body: dict) -> dict:
    """POST .../values/{range}:append: find the table, then write under it."""
    option = input_option(param(params, "valueInputOption"))
    rendering = render_option(param(params, "responseValueRenderOption"))
    insert = param(params, "insertDataOption") or "OVERWRITE"
    if insert not in ("OVERWRITE", "INSERT_ROWS"):
        raise bad_request(f"Invalid value at 'insert_data_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.InsertDataOption), \"{insert}\"")
    sheet, rect = book.resolve(range_text)
    rect = _readable(sheet, rect, range_text)
    cells = parse_matrix(body.get("values"), check_major(body.get("majorDimension")), option, "data.values")
    table = find_table(sheet, rect)
    row, col = (table.end_row, table.start_col) if table else (rect.start_row, rect.start_col)
    plan = WritePlan(sheet, row, col, cells)
    if insert == "INSERT_ROWS" and cells:
        sheet.insert_rows(row, len(cells))
    plan.apply()
    result = {"spreadsheetId": book.spreadsheet_id}
    if table:
        result["tableRange"] = format_range(sheet.title, table)
    result["updates"] = _with_data(plan, plan.summary(book.spreadsheet_id),
                                   flag(param(params, "includeValuesInResponse")), rendering)
    return result


def values_clear(book: Spreadsheet, range_text: str) -> dict:
    """POST .../values/{range}:clear."""
    sheet, rect = _clear_target(book, range_text)
    sheet.clear_values(rect)
    return {"spreadsheetId": book.spreadsheet_id, "clearedRange": format_range(sheet.title, rect)}


def values_batch_clear(book: Spreadsheet, body: dict) -> dict:
    """POST .../values:batchClear; all ranges are checked before any is cleared."""
    targets = [_clear_target(book, r) for r in body.get("ranges") or []]
    for sheet, rect in targets:
        sheet.clear_values(rect)
    return {"spreadsheetId": book.spreadsheet_id,
            "clearedRanges": [format_range(sheet.title, rect) for sheet, rect in targets]}


def _clear_target(book: Spreadsheet, range_text: str) -> tuple[Sheet, Rect]:
    """The sheet and grid-clipped rect a clear applies to."""
    sheet, rect = book.resolve(range_text)
    return sheet, _readable(sheet, rect, range_text)
