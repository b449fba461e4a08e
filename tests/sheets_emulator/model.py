"""Spreadsheets: properties, ordered sheets, Drive facts, and resolving A1 ranges to cells."""
from __future__ import annotations

import copy
import json
import secrets
import string
from datetime import datetime, timezone
from pathlib import Path

from .a1 import Rect, parse_cells, split_sheet
from .errors import bad_request
from .sheet import Sheet

DEFAULT_PROPERTIES = json.loads((Path(__file__).parent / "default_properties.json").read_text("utf-8"))
DEFAULT_ROWS, DEFAULT_COLS = 1000, 26
DEFAULT_ROW_PIXELS, DEFAULT_COL_PIXELS = 21, 100
_ID_CHARS = string.ascii_letters + string.digits + "-_"


def new_spreadsheet_id() -> str:
    """A 44-character id shaped like Google's."""
    return "1" + "".join(secrets.choice(_ID_CHARS) for _ in range(43))


def new_sheet_id() -> int:
    """A random positive 31-bit sheet id, as Google hands out."""
    return secrets.randbelow(2**31 - 2) + 1


def now_rfc3339() -> str:
    """The current UTC time as Drive writes it, e.g. 2023-08-17T10:52:36.993Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Spreadsheet:
    """A spreadsheet: its properties, its ordered sheets and its Drive file facts."""

    def __init__(self, spreadsheet_id: str, title: str, owner: str):
        self.spreadsheet_id = spreadsheet_id
        self.properties = {"title": title, **copy.deepcopy(DEFAULT_PROPERTIES)}
        self.sheets: list[Sheet] = []
        self.owner = owner
        self.created_time = self.modified_time = now_rfc3339()

    @property
    def title(self) -> str:
        """The spreadsheet's title (also its Drive file name)."""
        return self.properties["title"]

    def touch(self) -> None:
        """Record a modification (Drive's modifiedTime)."""
        self.modified_time = now_rfc3339()

    def add_sheet(self, title: str, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLS,
                  sheet_id: int | None = None, index: int | None = None) -> Sheet:
        """Add a sheet; raises ValueError on a duplicate title or id."""
        if self.sheet_by_title(title) is not None:
            raise ValueError(f'A sheet with the name "{title}" already exists. Please enter another name.')
        if sheet_id is None:
            sheet_id = 0 if not self.sheets else new_sheet_id()
            while self.sheet_by_id(sheet_id) is not None:
                sheet_id = new_sheet_id()
        elif self.sheet_by_id(sheet_id) is not None:
            raise ValueError(f"A sheet with the id {sheet_id} already exists.")
        sheet = Sheet({"sheetId": sheet_id, "title": title, "index": 0, "sheetType": "GRID",
                       "gridProperties": {"rowCount": rows, "columnCount": cols}})
        position = len(self.sheets) if index is None else max(0, min(index, len(self.sheets)))
        self.sheets.insert(position, sheet)
        self.reindex()
        return sheet

    def move_sheet(self, sheet: Sheet, index: int) -> None:
        """Move a sheet to a new position (Google's index semantics: position before the move)."""
        old = self.sheets.index(sheet)
        self.sheets.remove(sheet)
        if index > old:
            index -= 1
        self.sheets.insert(max(0, min(index, len(self.sheets))), sheet)
        self.reindex()

    def reindex(self) -> None:
        """Renumber sheets[].properties.index after a change in order."""
        for i, s in enumerate(self.sheets):
            s.properties["index"] = i

    def sheet_by_title(self, title: str) -> Sheet | None:
        """The sheet with this exact title, if any."""
        return next((s for s in self.sheets if s.title == title), None)

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """The sheet with this id, if any."""
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def first_visible_sheet(self) -> Sheet:
        """The sheet a range without a sheet name refers to."""
        return next((s for s in self.sheets if not s.properties.get("hidden")), self.sheets[0])

    def protected_range(self, range_id: int) -> tuple[Sheet, dict] | None:
        """The sheet and protected range with this id, if any."""
        for sheet in self.sheets:
            for pr in sheet.protected_ranges:
                if pr["protectedRangeId"] == range_id:
                    return sheet, pr
        return None

    def new_protected_range_id(self) -> int:
        """A random protectedRangeId not used yet."""
        while True:
            candidate = new_sheet_id()
            if self.protected_range(candidate) is None:
                return candidate

    def resolve(self, text: str) -> tuple[Sheet, Rect]:
        """Resolve an A1 range ('Sheet1', 'Sheet1!A1:B2', 'A1:B2') to a sheet and a rectangle."""
        whole = self.sheet_by_title(text)
        if whole is not None:
            return whole, Rect()
        try:
            title, cells = split_sheet(text)
            sheet = self.first_visible_sheet() if title is None else self.sheet_by_title(title)
            if sheet is None:
                raise ValueError(text)
            return sheet, Rect() if cells is None else parse_cells(cells)
        except ValueError:
            raise bad_request(f"Unable to parse range: {text}") from None
