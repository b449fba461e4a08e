"""Everything the emulator remembers: spreadsheets, issued tokens, keys, quota and counters."""
from __future__ import annotations

import hashlib
import threading

from .a1 import Rect, format_rect
from .cells import extended_value
from .errors import ApiError
from .grid_io import read_block
from .model import DEFAULT_COLS, DEFAULT_ROWS, Spreadsheet, new_spreadsheet_id
from .quota import RollingQuota
from .stats import Stats

DEFAULT_OWNER = "owner@emulator.invalid"


class EmulatorState:
    """The emulator's memory; API calls run under `lock`, one at a time."""

    def __init__(self, write_quota_per_minute: int | None = None, quota_window_seconds: float = 60.0,
                 require_auth: bool = True):
        self.lock = threading.RLock()
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.tokens: dict[str, str] = {}
        self.public_keys: dict[str, str] = {}
        self.require_auth = require_auth
        self.quota = RollingQuota(write_quota_per_minute, quota_window_seconds)
        self.stats = Stats()

    def create_spreadsheet(self, title: str, sheets: list[dict] | None = None,
                           spreadsheet_id: str | None = None, owner: str = DEFAULT_OWNER) -> Spreadsheet:
        """Create a spreadsheet; sheets are [{'title', 'rows', 'cols'}], default one 'Sheet1' 1000x26."""
        with self.lock:
            spreadsheet_id = spreadsheet_id or new_spreadsheet_id()
            if spreadsheet_id in self.spreadsheets:
                raise ValueError(f"spreadsheet {spreadsheet_id} already exists")
            book = Spreadsheet(spreadsheet_id, title, owner)
            for spec in sheets or [{"title": "Sheet1"}]:
                book.add_sheet(spec["title"], spec.get("rows", DEFAULT_ROWS), spec.get("cols", DEFAULT_COLS))
            self.spreadsheets[spreadsheet_id] = book
            return book

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """The spreadsheet with this id, or Google's 404."""
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise ApiError(404)
        return book

    def dump_values(self, spreadsheet_id: str, title: str) -> dict:
        """A sheet's stored values: 'values' as UNFORMATTED_VALUE rows, 'cells' as typed userEnteredValues."""
        with self.lock:
            sheet = self.spreadsheet(spreadsheet_id).sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            rect = Rect(0, 0, sheet.row_count, sheet.col_count)
            cells = {format_rect(Rect(r, c, r + 1, c + 1)): extended_value(cell)
                     for (r, c), cell in sorted(sheet.cells.items()) if cell.has_value}
            return {"title": sheet.title, "rowCount": sheet.row_count, "columnCount": sheet.col_count,
                    "values": read_block(sheet, rect, "ROWS", "UNFORMATTED_VALUE"), "cells": cells}

    def register_service_account(self, client_email: str, public_key_pem: str) -> None:
        """Remember a service account's public key so its token requests are signature-checked."""
        with self.lock:
            self.public_keys[client_email] = public_key_pem

    def user_for(self, token: str) -> str:
        """The account behind an access token; any other token is accepted as a user of its own."""
        known = self.tokens.get(token)
        return known or f"token-{hashlib.sha256(token.encode()).hexdigest()[:12]}@emulator.invalid"

    def configure(self, **options) -> dict:
        """Change write_quota_per_minute, quota_window_seconds or require_auth at run time."""
        unknown = set(options) - {"write_quota_per_minute", "quota_window_seconds", "require_auth"}
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}")
        if "require_auth" in options:
            self.require_auth = bool(options["require_auth"])
        if "write_quota_per_minute" in options or "quota_window_seconds" in options:
            self.quota.configure(options.get("write_quota_per_minute", self.quota.limit),
                                 options.get("quota_window_seconds"))
        return self.config()

    def config(self) -> dict:
        """The current run-time options."""
        return {"write_quota_per_minute": self.quota.limit, "quota_window_seconds": self.quota.window,
                "require_auth": self.require_auth}

    def reset(self) -> None:
        """Forget spreadsheets, tokens, keys, quota history and counters (options stay)."""
        with self.lock:
            self.spreadsheets.clear()
            self.tokens.clear()
            self.public_keys.clear()
            self.quota.reset()
            self.stats.reset()
