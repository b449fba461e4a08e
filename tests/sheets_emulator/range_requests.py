"""batchUpdate requests on ranges of cells: data validation, formats, protected ranges."""
from __future__ import annotations

import copy
import pickle

from .model import Spreadsheet
from .request_args import RequestError, clean, field_paths, grid_rect, sheet_for


def set_data_validation(book: Spreadsheet, req: dict, _requester: str) -> None:
    """setDataValidation: put (or, without a rule, remove) a rule on every cell of a range."""
    sheet, rect = grid_rect(book, req.get("range") or {})
    rule = clean(req.get("rule")) or None
    frozen = pickle.dumps(rule)  # each cell its own copy of the rule (pickle: deepcopy's result, made in C)
    for r in range(rect.start_row, rect.end_row):
        for c in range(rect.start_col, rect.end_col):
            if rule is None and (r, c) not in sheet.cells:
                continue
            sheet.cell(r, c).validation = pickle.loads(frozen)
            if sheet.cells[(r, c)].is_bare:
                del sheet.cells[(r, c)]


def repeat_cell(book: Spreadsheet, req: dict, _requester: str) -> None:
    """repeatCell: apply the masked parts of one CellData (format, validation) to a range."""
    sheet, rect = grid_rect(book, req.get("range") or {})
    cell = req.get("cell") or {}
    tops = {p[0] for p in field_paths(req.get("fields"))}
    unsupported = tops - {"userEnteredFormat", "dataValidation"}
    if unsupported:
        raise RequestError("The emulator only repeats userEnteredFormat and dataValidation, "
                           f"not {sorted(unsupported)}.")
    for r in range(rect.start_row, rect.end_row):
        for c in range(rect.start_col, rect.end_col):
            target = sheet.cell(r, c)
            if "userEnteredFormat" in tops:
                target.fmt = clean(cell.get("userEnteredFormat")) or None
            if "dataValidation" in tops:
                target.validation = clean(cell.get("dataValidation")) or None
            if target.is_bare:
                del sheet.cells[(r, c)]


def add_protected_range(book: Spreadsheet, req: dict, requester: str) -> dict:
    """addProtectedRange: a protected range on a sheet; the requester (owner) is always an editor."""
    protected = clean(req.get("protectedRange") or {})
    grid_range = protected.get("range")
    if grid_range is None:
        raise RequestError("A protected range needs a range (named ranges are not emulated).")
    sheet = sheet_for(book, grid_range.get("sheetId"))
    if protected.get("warningOnly") and protected.get("editors"):
        raise RequestError("A warning-only protected range cannot have editors.")
    range_id = protected.get("protectedRangeId") or book.new_protected_range_id()
    if book.protected_range(range_id) is not None:
        raise RequestError(f"A protected range with id {range_id} already exists.")
    stored = {"protectedRangeId": range_id, "range": grid_range}
    for key in ("description", "warningOnly", "unprotectedRanges"):
        if key in protected:
            stored[key] = protected[key]
    stored["requestingUserCanEdit"] = True
    if not protected.get("warningOnly"):
        editors = protected.get("editors") or {}
        users = sorted(set(editors.get("users") or []) | {requester})
        stored["editors"] = {**editors, "users": users}
    sheet.protected_ranges.append(stored)
    return {"protectedRange": copy.deepcopy(stored)}


def delete_protected_range(book: Spreadsheet, req: dict, _requester: str) -> None:
    """deleteProtectedRange: remove a protected range by id."""
    range_id = req.get("protectedRangeId")
    found = book.protected_range(int(range_id or 0))
    if found is None:
        raise RequestError(f"No protected range with id: {range_id}")
    sheet, stored = found
    sheet.protected_ranges.remove(stored)
