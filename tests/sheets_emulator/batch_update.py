"""spreadsheets.batchUpdate: run the requests in order, all or nothing."""
from __future__ import annotations

from typing import Callable

from . import range_requests as cells
from . import sheet_requests as sheets
from .errors import bad_request
from .metadata import spreadsheet_get
from .model import Spreadsheet
from .request_args import RequestError

HANDLERS: dict[str, Callable[[Spreadsheet, dict, str], dict | None]] = {
    "addSheet": sheets.add_sheet,
    "deleteSheet": sheets.delete_sheet,
    "updateSheetProperties": sheets.update_sheet_properties,
    "updateSpreadsheetProperties": sheets.update_spreadsheet_properties,
    "updateDimensionProperties": sheets.update_dimension_properties,
    "appendDimension": sheets.append_dimension,
    "insertDimension": sheets.insert_dimension,
    "deleteDimension": sheets.delete_dimension,
    "autoResizeDimensions": sheets.auto_resize_dimensions,
    "setDataValidation": cells.set_data_validation,
    "repeatCell": cells.repeat_cell,
    "addProtectedRange": cells.add_protected_range,
    "deleteProtectedRange": cells.delete_protected_range,
}


def apply_batch(book: Spreadsheet, body: dict, requester: str) -> dict:
    """Apply every request in order; any failure raises (the caller restores the snapshot)."""
    replies = []
    for i, request in enumerate(body.get("requests") or []):
        kinds = [k for k, v in request.items() if v is not None]
        if len(kinds) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request must be set.")
        kind = kinds[0]
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                              "Cannot find field (the emulator does not support this request).")
        try:
            reply = handler(book, request[kind], requester)
        except RequestError as e:
            raise bad_request(f"Invalid requests[{i}].{kind}: {e}") from None
        replies.append({kind: reply} if reply is not None else {})
    result = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        result["updatedSpreadsheet"] = spreadsheet_get(book, {})
    return result
