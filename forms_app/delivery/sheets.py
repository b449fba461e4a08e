"""The stewards' Google Sheet through gspread — the only module that talks to Google.

Every failure becomes a SheetError that says whether to retry and whether the write may
have been applied anyway (ambiguous), which is what the sync worker needs to stay exactly-once.
"""
from __future__ import annotations

from contextlib import contextmanager

import gspread
import requests
from google.oauth2.service_account import Credentials

from forms_app.delivery.google_session import make_session
from forms_app.delivery.sheet_layout import Columns, Layout

RETRYABLE = {408, 429, 500, 502, 503, 504}


class SheetError(Exception):
    """A call to the sheet failed."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True, ambiguous: bool = False):
        super().__init__(message)
        self.status, self.retryable, self.ambiguous = status, retryable, ambiguous


@contextmanager
def _translated(write: bool):
    """Turn gspread/requests failures into SheetError; a write may have landed unless we know it didn't."""
    try:
        yield
    except gspread.exceptions.APIError as exc:
        status = exc.response.status_code
        # 429 is a quota refusal before anything is applied; a 5xx may come after the write.
        raise SheetError(f"Sheets API {status}", status=status, retryable=status in RETRYABLE,
                         ambiguous=write and status >= 500) from None
    except requests.exceptions.ConnectionError as exc:
        refused = "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc)
        raise SheetError("connection failed", retryable=True, ambiguous=write and not refused) from None
    except requests.exceptions.RequestException as exc:
        raise SheetError(f"request failed: {type(exc).__name__}", retryable=True, ambiguous=write) from None
    except gspread.exceptions.GSpreadException as exc:
        raise SheetError(f"gspread: {type(exc).__name__}", retryable=True, ambiguous=write) from None


class Sheets:
    """One spreadsheet, opened with a service account; worksheets looked up by title."""

    def __init__(self, key: str, credentials_file: str, base_url: str | None = None, timeout: float = 30):
        creds = Credentials.from_service_account_file(credentials_file, scopes=gspread.auth.DEFAULT_SCOPES)
        self._session = make_session(creds, base_url or None)
        self.client = gspread.Client(auth=creds, session=self._session)
        self.client.set_timeout(timeout)
        self.key = key
        self._book = None
        self._sheets: dict[str, gspread.Worksheet] = {}

    @classmethod
    def from_config(cls, config) -> "Sheets":
        """Built from the app config (GOOGLE_SERVICE_ACCOUNT_FILE, SHEETS_SPREADSHEET_KEY, SHEETS_API_BASE_URL)."""
        return cls(config["SHEETS_SPREADSHEET_KEY"], config["GOOGLE_SERVICE_ACCOUNT_FILE"],
                   config["SHEETS_API_BASE_URL"] or None, float(config.get("SHEETS_TIMEOUT", 30)))

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def book(self) -> gspread.Spreadsheet:
        """The spreadsheet (opened once)."""
        if self._book is None:
            with _translated(write=False):
                self._book = self.client.open_by_key(self.key)
        return self._book

    def worksheet(self, title: str) -> gspread.Worksheet:
        """A worksheet by title (looked up once)."""
        if title not in self._sheets:
            with _translated(write=False):
                self._sheets[title] = self.book().worksheet(title)
        return self._sheets[title]

    def append(self, layout: Layout, rows: list[list[str]]) -> None:
        """Append rows in ONE request, as plain text (RAW), inserting rows after the table at A1."""
        with _translated(write=True):
            self.worksheet(layout.title).append_rows(
                rows, value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1")

    def column(self, layout: Layout, number: int) -> list[str]:
        """All values of one column (1-based), header included (row n is index n-1)."""
        with _translated(write=False):
            return self.worksheet(layout.title).col_values(number)

    def columns(self, layout: Layout) -> Columns:
        """Row 1 as the stewards have it now: where each header stands."""
        return Columns(layout, tuple(self.row(layout, 1)))

    def values(self, layout: Layout) -> list[list[str]]:
        """Every row as read (row n is index n-1, the header first), padded to equal length; one read request."""
        with _translated(write=False):
            return self.worksheet(layout.title).get_all_values()

    def records(self, layout: Layout) -> list[dict]:
        """Every data row as {header: value}; one read request."""
        values = self.values(layout)
        if not values:
            return []
        header = values[0]
        return [dict(zip(header, row + [""] * (len(header) - len(row)))) for row in values[1:]]

    def update_cells(self, layout: Layout, cells: list[tuple[str, str]]) -> None:
        """Set many single cells (A1 → value) in ONE request, as plain text."""
        if not cells:
            return
        with _translated(write=True):
            self.worksheet(layout.title).batch_update(
                [{"range": a1, "values": [[value]]} for a1, value in cells], value_input_option="RAW")

    def metadata(self, ranges: list[str] | None = None) -> dict:
        """Sheet properties, protected ranges, column widths; with ranges, also their validation rules."""
        fields = "sheets(properties,protectedRanges,data(columnMetadata(pixelSize),rowData(values(dataValidation))))"
        params = {"fields": fields, "includeGridData": "true" if ranges else "false"}
        if ranges:
            params["ranges"] = ranges
        with _translated(write=False):
            return self.book().fetch_sheet_metadata(params=params)

    def row(self, layout: Layout, number: int) -> list[str]:
        """The values of one row (trailing empty cells trimmed, as Google does)."""
        with _translated(write=False):
            return self.worksheet(layout.title).row_values(number)

    def set_row(self, layout: Layout, number: int, values: list[str]) -> None:
        """Write one row as plain text, from column A."""
        with _translated(write=True):
            self.worksheet(layout.title).update([values], f"A{number}", value_input_option="RAW")

    def add_worksheet(self, layout: Layout) -> None:
        """Create a worksheet sized for its columns, with room for a few of the stewards' own."""
        with _translated(write=True):
            self._sheets[layout.title] = self.book().add_worksheet(layout.title, rows=1000, cols=len(layout.headers) + 6)

    def ensure_columns(self, layout: Layout, count: int) -> None:
        """Grow the worksheet to at least `count` columns."""
        sheet = self.worksheet(layout.title)
        if sheet.col_count < count:
            with _translated(write=True):
                sheet.add_cols(count - sheet.col_count)

    def batch_update(self, requests_: list[dict]) -> None:
        """Formatting/protection requests in ONE spreadsheets.batchUpdate."""
        if requests_:
            with _translated(write=True):
                self.book().batch_update({"requests": requests_})
