"""The Drive v3 file calls gspread makes: create, get, list and delete a spreadsheet file."""
from __future__ import annotations

import re

from .errors import ApiError, bad_request, drive_not_found
from .fieldmask import apply_mask, parse_fields
from .model import Spreadsheet

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
_DEFAULT_FIELDS = "kind,id,name,mimeType"
_CLAUSE = re.compile(r"""\s*(\w+)\s*(=|!=|contains)\s*(?:"([^"]*)"|'([^']*)'|(true|false))\s*""")


def file_resource(book: Spreadsheet) -> dict:
    """The full Drive file resource for a spreadsheet."""
    return {"kind": "drive#file", "id": book.spreadsheet_id, "name": book.title, "mimeType": SHEETS_MIME,
            "createdTime": book.created_time, "modifiedTime": book.modified_time}


def _masked(resource: dict, params: dict) -> dict:
    """A file resource cut down to the `fields` parameter (Drive's default set otherwise)."""
    return apply_mask(resource, parse_fields(params.get("fields", [_DEFAULT_FIELDS])[0]))


def create(state, params: dict, body: dict, user: str) -> dict:
    """POST /drive/v3/files: only Google Sheets files can be created here."""
    if body.get("mimeType") != SHEETS_MIME:
        raise bad_request(f"The emulator only creates {SHEETS_MIME} files, not {body.get('mimeType')!r}.")
    book = state.create_spreadsheet(body.get("name") or "Untitled spreadsheet", owner=user)
    return _masked(file_resource(book), params)


def get(state, file_id: str, params: dict) -> dict:
    """GET /drive/v3/files/{id}."""
    return _masked(file_resource(_book(state, file_id)), params)


def delete(state, file_id: str) -> None:
    """DELETE /drive/v3/files/{id}."""
    _book(state, file_id)
    del state.spreadsheets[file_id]


def list_files(state, params: dict) -> dict:
    """GET /drive/v3/files?q=...: the subset of the query language gspread uses."""
    tests = [_clause(c) for c in re.split(r"\s+and\s+", params.get("q", [""])[0]) if c.strip()]
    files = [file_resource(b) for b in state.spreadsheets.values()
             if all(test(file_resource(b)) for test in tests)]
    listing = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
    fields = params.get("fields", [None])[0]
    if fields:
        return apply_mask(listing, parse_fields(fields))
    listing["files"] = [apply_mask(f, parse_fields(_DEFAULT_FIELDS)) for f in files]
    return listing


def _clause(text: str):
    """One `field op value` test from a Drive query."""
    m = _CLAUSE.fullmatch(text)
    if not m:
        raise ApiError(400, body={"error": {"code": 400, "message": "Invalid Value", "errors": [
            {"message": "Invalid Value", "domain": "global", "reason": "invalid",
             "location": "q", "locationType": "parameter"}]}})
    field, op, *values = m.groups()
    value = next(v for v in values if v is not None)
    if field == "trashed":
        return lambda f: (value == "false") == (op == "=")
    if op == "contains":
        return lambda f: value in str(f.get(field, ""))
    if op == "!=":
        return lambda f: str(f.get(field)) != value
    return lambda f: str(f.get(field)) == value


def _book(state, file_id: str) -> Spreadsheet:
    """The spreadsheet behind a file id, or Drive's 404."""
    book = state.spreadsheets.get(file_id)
    if book is None:
        raise drive_not_found(file_id)
    return book
