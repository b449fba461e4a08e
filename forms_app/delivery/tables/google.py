"""Google Sheets through gspread — the only module that talks to Google.

A table is a worksheet; row 1 holds the field titles as the stewards have arranged them (they may
insert, move or add columns: records are written and found by title, never by position); a record's
id is its row number as text. Every failure becomes a TableError that says whether to retry and
whether the write may have been applied anyway (ambiguous), which is what the worker needs to stay
exactly-once. Every value is written RAW, so '=…' stays text.

Google Sheets cannot be opened from mainland China without a VPN, and residents' data sent there
leaves the country (manual/shared-table.md): prefer wecom or feishu.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager

import gspread
import requests
from google.oauth2.service_account import Credentials

from forms_app.delivery.google_session import make_session
from forms_app.delivery.tables.base import Record, TableError, TableSpec, column_letter

log = logging.getLogger(__name__)
RETRYABLE = {408, 429, 500, 502, 503, 504}
HEADER_TTL = 15.0  # seconds; a few header reads a minute stay well inside Google's read quota
# The mark on the protections we add, one per service column: "系统写入的列，请不要修改：状态". It names no
# street (another street runs the same code); sheets set up before may carry the street's name in front.
PROTECTION = "系统写入的列，请不要修改"
# Select fields stewards also type into by hand (adopt.py reads them by words): a warning, not a refusal.
LOOSE_SELECTS = frozenset({"来源", "问题类别"})
SheetError = TableError  # the old name



@contextmanager
def _translated(write: bool):
    """Turn gspread/requests failures into TableError; a write may have landed unless we know it didn't."""
    try:
        yield
    except gspread.exceptions.APIError as exc:
        status = exc.response.status_code
        # 429 is a quota refusal before anything is applied; a 5xx may come after the write.
        raise TableError(f"Sheets API {status}", status=status, retryable=status in RETRYABLE,
                         ambiguous=write and status >= 500) from None
    except requests.exceptions.ConnectionError as exc:
        refused = "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc)
        raise TableError("connection failed", retryable=True, ambiguous=write and not refused) from None
    except requests.exceptions.RequestException as exc:
        raise TableError(f"request failed: {type(exc).__name__}", retryable=True, ambiguous=write) from None
    except gspread.exceptions.GSpreadException as exc:
        raise TableError(f"gspread: {type(exc).__name__}", retryable=True, ambiguous=write) from None


class GoogleTables:
    """One spreadsheet, opened with a service account; worksheets looked up by title.

    The TableService methods (ensure, records, add, update, close) are what the worker uses; the
    lower-level ones (values, row, update_cells, metadata, batch_update…) stay for sheet-setup's
    formatting and for tests that play a steward editing cells.
    """

    name = "google"

    def __init__(self, key: str, credentials_file: str, base_url: str | None = None, timeout: float = 30,
                 monotonic=time.monotonic):
        creds = Credentials.from_service_account_file(credentials_file, scopes=gspread.auth.DEFAULT_SCOPES)
        self._session = make_session(creds, base_url or None)
        self.client = gspread.Client(auth=creds, session=self._session)
        self.client.set_timeout(timeout)
        self.key = key
        self._book = None
        self._sheets: dict[str, gspread.Worksheet] = {}
        self.headers: dict[str, tuple[tuple[str, ...], float]] = {}  # title -> (row 1, when read)
        self._setup: dict[str, tuple[dict, tuple[str, ...]]] = {}  # title -> (sheet metadata, row 1) from ensure()
        self.monotonic = monotonic

    @classmethod
    def from_config(cls, config) -> "GoogleTables":
        """Built from the app config (GOOGLE_SERVICE_ACCOUNT_FILE, SHEETS_SPREADSHEET_KEY, SHEETS_API_BASE_URL)."""
        return cls(config["SHEETS_SPREADSHEET_KEY"], config["GOOGLE_SERVICE_ACCOUNT_FILE"],
                   config.get("SHEETS_API_BASE_URL") or None, float(config.get("SHEETS_TIMEOUT", 30)))

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    # --- the TableService interface ----------------------------------------------------

    def records(self, spec: TableSpec) -> list[Record]:
        """Every data row as a Record (id: the row number), by the titles in row 1; one read request."""
        values = self.values(spec)
        header = tuple(values[0]) if values else ()
        self.headers[spec.title] = (header, self.monotonic())
        out = []
        for number, row in enumerate(values[1:], start=2):
            row = row + [""] * (len(header) - len(row))
            out.append(Record(str(number), {title: row[i] for i, title in enumerate(header) if title}))
        return out

    def add(self, spec: TableSpec, rows: list[dict[str, str]]) -> None:
        """Append rows in ONE request, laid out by row 1's titles, as plain text, after the table at A1."""
        if not rows:
            return
        header = self._header(spec, write=True)
        with self._forgetting(spec):
            self.append(spec, [[str(row.get(title, "")) if title else "" for title in header] for row in rows])

    def update(self, spec: TableSpec, changes: list[tuple[str, dict[str, str]]]) -> None:
        """Set the given fields of the given rows in ONE request, each cell by its own A1 range."""
        if not changes:
            return
        header = self._header(spec, write=True)
        where = {title: i + 1 for i, title in reversed(list(enumerate(header))) if title}
        cells = [(f"{column_letter(where[title])}{int(record_id)}", str(value))
                 for record_id, values in changes for title, value in values.items() if title in where]
        with self._forgetting(spec):
            self.update_cells(spec, cells)

    def ensure(self, spec: TableSpec) -> list[str]:
        """Create the worksheet, its missing headers, frozen row 1, widths and dropdowns; a line per change.

        Idempotent: it compares what the sheet has with what it should have and sends only the difference.
        """
        changes = []
        sheet = self._properties(self.metadata()).get(spec.title)
        if sheet is None:
            self.add_worksheet(spec)
            changes.append(f"新建工作表「{spec.title}」")
            sheet = {"properties": {"sheetId": self.worksheet(spec.title).id, "title": spec.title}}
        header, lines = self._ensure_headers(spec)
        changes += lines
        requests_ = self._format_requests(spec, header, sheet, new=bool(changes))
        if requests_:
            self.batch_update(requests_)
            changes.append(f"「{spec.title}」格式：{len(requests_)} 项")
        self._setup[spec.title] = (sheet, header)
        return changes

    def protect(self, spec: TableSpec, titles) -> list[str]:
        """Protect (warning only) each of these columns on its own, so a column added later between or
        beside them is never covered; the single range of older set-ups is replaced. A line per change."""
        sheet, header = self._setup.pop(spec.title, (None, None))
        if sheet is None:  # not right after ensure(): read what the sheet has now
            sheet = self._properties(self.metadata())[spec.title]
            header = self._header(spec, fresh=True)
        sheet_id = sheet["properties"]["sheetId"]
        ranges = sheet.get("protectedRanges", [])
        ours = [p for p in ranges if PROTECTION in p.get("description", "")]
        done = {p["description"].split(f"{PROTECTION}：", 1)[1] for p in ours if f"{PROTECTION}：" in p["description"]}
        # An older set-up's single protection over many columns (no column named) goes.
        out = [{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
               for p in ours if p["description"].endswith(PROTECTION)]
        for title in titles:
            if title in header and title not in done:
                index = header.index(title)
                out.append({"addProtectedRange": {"protectedRange": {
                    "range": {"sheetId": sheet_id, "startColumnIndex": index, "endColumnIndex": index + 1},
                    "description": f"{PROTECTION}：{title}", "warningOnly": True}}})
        if not out:
            return []
        self.batch_update(out)
        return [f"「{spec.title}」保护系统写入的列：{len(out)} 项"]

    # --- helpers -----------------------------------------------------------------------

    @contextmanager
    def _forgetting(self, spec: TableSpec):
        """After a failed write the columns may have moved: read row 1 again next time."""
        try:
            yield
        except TableError:
            self.headers.pop(spec.title, None)
            raise

    def _header(self, spec: TableSpec, *, write: bool = False, fresh: bool = False) -> tuple[str, ...]:
        """Row 1 as the stewards have it now: read again when older than HEADER_TTL seconds (a steward may
        have inserted a column). Before a write, a table without its key column stops loudly."""
        cached = self.headers.get(spec.title)
        if fresh or cached is None or self.monotonic() - cached[1] > HEADER_TTL:
            cached = self.headers[spec.title] = (tuple(self.row(spec, 1)), self.monotonic())
        header = cached[0]
        if write:
            if spec.key not in header:
                self.headers.pop(spec.title, None)
                raise TableError(f"「{spec.title}」第一行缺少表头：{spec.key}。请运行 flask sheet-setup 补上。",
                                 retryable=False)
            missing = [title for title in spec.titles if title not in header]
            if missing:
                log.warning("「%s」第一行没有这些列，它们的值没有写进表格：%s（run flask sheet-setup）",
                            spec.title, "、".join(missing))
        return header

    @staticmethod
    def _properties(meta: dict) -> dict[str, dict]:
        """Sheet title → that sheet's metadata."""
        return {s["properties"]["title"]: s for s in meta.get("sheets", [])}

    def _ensure_headers(self, spec: TableSpec) -> tuple[tuple[str, ...], list[str]]:
        """Write row 1 of a new worksheet; in one the stewards have rearranged, add only missing titles at the
        end. Row 1 as it is now, and a line per change."""
        row = self.row(spec, 1)
        self.headers.pop(spec.title, None)
        if not any(row):
            self.set_row(spec, 1, list(spec.titles))
            return spec.titles, [f"「{spec.title}」写入表头"]
        missing = [title for title in spec.titles if title not in row]
        if not missing:
            return tuple(row), []
        self.ensure_columns(spec, len(row) + len(missing))
        self.update_cells(spec, [(f"{column_letter(len(row) + i)}1", title) for i, title in enumerate(missing, start=1)])
        return (*row, *missing), [f"「{spec.title}」补上表头：{'、'.join(missing)}"]

    def _format_requests(self, spec: TableSpec, header: tuple[str, ...], sheet: dict, new: bool) -> list[dict]:
        """The batchUpdate requests that bring one worksheet's formatting in line (columns found by title)."""
        sheet_id = sheet["properties"]["sheetId"]
        out = []
        if sheet["properties"].get("gridProperties", {}).get("frozenRowCount", 0) != 1:
            out.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                                                  "fields": "gridProperties.frozenRowCount"}})
        widths = [c.get("pixelSize") for c in (sheet.get("data") or [{}])[0].get("columnMetadata", [])]
        for field in spec.fields:
            index = header.index(field.title)
            if (widths[index] if index < len(widths) else 100) != field.width:
                out.append({"updateDimensionProperties": {
                    "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1},
                    "properties": {"pixelSize": field.width}, "fields": "pixelSize"}})
        selects = [f for f in spec.fields if f.kind == "select" and f.options]
        if selects:
            cells = [f"'{spec.title}'!{column_letter(header.index(f.title) + 1)}2" for f in selects]
            # A worksheet just made (or given headers) has no rules yet: no need to ask.
            rules = [] if new else self._properties(self.metadata(cells))[spec.title].get("data") or []
            for field, data in zip(selects, rules + [{}] * (len(selects) - len(rules))):
                values = [v for row in data.get("rowData", []) for v in row.get("values", [])]
                rule = values[0].get("dataValidation") if values else None
                have = [v.get("userEnteredValue") for v in (rule or {}).get("condition", {}).get("values", [])]
                if have == list(field.options):
                    continue
                column = header.index(field.title)
                out.append({"setDataValidation": {
                    "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": column, "endColumnIndex": column + 1},
                    "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": o} for o in field.options]},
                             "strict": field.title not in LOOSE_SELECTS, "showCustomUi": True}}})
        return out

    # --- lower-level calls (gspread) ------------------------------------------------------

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

    def append(self, table, rows: list[list[str]]) -> None:
        """Append rows (lists in the sheet's column order) in ONE request, RAW, inserting rows after the table at A1."""
        with _translated(write=True):
            self.worksheet(table.title).append_rows(
                rows, value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1")

    def column(self, table, number: int) -> list[str]:
        """All values of one column (1-based), header included (row n is index n-1)."""
        with _translated(write=False):
            return self.worksheet(table.title).col_values(number)

    def values(self, table) -> list[list[str]]:
        """Every row as read (row n is index n-1, the header first), padded to equal length; one read request."""
        with _translated(write=False):
            return self.worksheet(table.title).get_all_values()

    def update_cells(self, table, cells: list[tuple[str, str]]) -> None:
        """Set many single cells (A1 → value) in ONE request, as plain text."""
        if not cells:
            return
        with _translated(write=True):
            self.worksheet(table.title).batch_update(
                [{"range": a1, "values": [[value]]} for a1, value in cells], value_input_option="RAW")

    def metadata(self, ranges: list[str] | None = None) -> dict:
        """Sheet properties, protected ranges, column widths; with ranges, also their validation rules."""
        fields = ("sheets(properties,protectedRanges,data(columnMetadata(pixelSize),rowData(values(dataValidation))))"
                  if ranges else "sheets(properties,protectedRanges,data(columnMetadata(pixelSize)))")
        params = {"fields": fields, "includeGridData": "true" if ranges else "false"}
        if ranges:
            params["ranges"] = ranges
        with _translated(write=False):
            return self.book().fetch_sheet_metadata(params=params)

    def row(self, table, number: int) -> list[str]:
        """The values of one row (trailing empty cells trimmed, as Google does)."""
        with _translated(write=False):
            return self.worksheet(table.title).row_values(number)

    def set_row(self, table, number: int, values: list[str]) -> None:
        """Write one row as plain text, from column A."""
        with _translated(write=True):
            self.worksheet(table.title).update([values], f"A{number}", value_input_option="RAW")

    def add_worksheet(self, spec: TableSpec) -> None:
        """Create a worksheet sized for its columns, with room for a few of the stewards' own."""
        with _translated(write=True):
            self._sheets[spec.title] = self.book().add_worksheet(spec.title, rows=1000, cols=len(spec.fields) + 6)

    def ensure_columns(self, table, count: int) -> None:
        """Grow the worksheet to at least `count` columns."""
        sheet = self.worksheet(table.title)
        if sheet.col_count < count:
            with _translated(write=True):
                sheet.add_cols(count - sheet.col_count)

    def batch_update(self, requests_: list[dict]) -> None:
        """Formatting/protection requests in ONE spreadsheets.batchUpdate."""
        if requests_:
            with _translated(write=True):
                self.book().batch_update({"requests": requests_})
