"""`flask sheet-setup`: create or update the stewards' worksheets. Idempotent: it compares what
the sheet has with what it should have and sends only the difference (nothing, the second time)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.residents import reception
from forms_app.delivery.sheet_layout import LAYOUTS, REPORTS, SESSIONS, STATUSES, Columns, Layout, column_letter, session_row
from forms_app.delivery.sheets import Sheets
from forms_app.core.store import get_db

PROTECTION = "延吉社区大管家：系统写入的列，请不要修改"


def _properties(meta: dict) -> dict[str, dict]:
    """Sheet title → that sheet's metadata."""
    return {s["properties"]["title"]: s for s in meta.get("sheets", [])}


def _layout_requests(columns: Columns, sheet: dict, has_validation: bool) -> list[dict]:
    """The batchUpdate requests that bring one worksheet's formatting in line (columns found by header)."""
    layout = columns.layout
    sheet_id = sheet["properties"]["sheetId"]
    grid = sheet["properties"].get("gridProperties", {})
    out = []
    if grid.get("frozenRowCount", 0) != 1:
        out.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                                              "fields": "gridProperties.frozenRowCount"}})
    widths = [c.get("pixelSize") for c in (sheet.get("data") or [{}])[0].get("columnMetadata", [])]
    for name, pixels in layout.widths.items():
        index = columns.number(name) - 1
        if index >= len(widths) or widths[index] != pixels:
            out.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1},
                "properties": {"pixelSize": pixels}, "fields": "pixelSize"}})
    if layout is REPORTS and not has_validation:
        column = columns.number("状态") - 1
        out.append({"setDataValidation": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": column, "endColumnIndex": column + 1},
            "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": s} for s in STATUSES]},
                     "strict": True, "showCustomUi": True}}})
    protected = any(p.get("description") == PROTECTION for p in sheet.get("protectedRanges", []))
    if layout.service_columns and not protected:
        span = [columns.number(name) - 1 for name in layout.service_columns]
        out.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id, "startColumnIndex": min(span), "endColumnIndex": max(span) + 1},
            "description": PROTECTION, "warningOnly": True}}})
    return out


def _headers(sheets: Sheets, layout: Layout) -> list[str]:
    """Write row 1 of a new worksheet; in one the stewards have rearranged, add only missing headers at the end."""
    row = sheets.row(layout, 1)
    if not any(row):
        sheets.set_row(layout, 1, list(layout.headers))
        return [f"「{layout.title}」写入表头"]
    missing = Columns(layout, tuple(row)).missing(layout.headers)
    if not missing:
        return []
    sheets.ensure_columns(layout, len(row) + len(missing))
    sheets.update_cells(layout, [(f"{column_letter(len(row) + i)}1", name) for i, name in enumerate(missing, start=1)])
    return [f"「{layout.title}」补上表头：{'、'.join(missing)}"]


def setup(sheets: Sheets, sessions=()) -> list[str]:
    """Bring the spreadsheet in line with LAYOUTS; return a line per change made."""
    changes = []
    existing = _properties(sheets.metadata())
    for layout in LAYOUTS:
        if layout.title not in existing:
            sheets.add_worksheet(layout)
            changes.append(f"新建工作表「{layout.title}」")
    for layout in LAYOUTS:
        changes += _headers(sheets, layout)
    columns = {layout.title: sheets.columns(layout) for layout in LAYOUTS}
    status_cell = f"'{REPORTS.title}'!{columns[REPORTS.title].letter('状态')}2"
    validated = _properties(sheets.metadata([status_cell]))[REPORTS.title]
    cells = [v for row in (validated.get("data") or [{}])[0].get("rowData", []) for v in row.get("values", [])]
    has_validation = any("dataValidation" in v for v in cells)
    existing = _properties(sheets.metadata())
    requests_ = [r for layout in LAYOUTS
                 for r in _layout_requests(columns[layout.title], existing[layout.title], has_validation)]
    if requests_:
        sheets.batch_update(requests_)
        changes.append(f"格式和保护：{len(requests_)} 项")
    if sessions and not sheets.records(SESSIONS):
        sheets.append(SESSIONS, [session_row(s) for s in sessions])
        changes.append(f"「{SESSIONS.title}」写入 {len(sessions)} 个场次")
    return changes


@click.command("sheet-setup")
@with_appcontext
def sheet_setup_command() -> None:
    """Create or update the worksheets 问题登记, 接待报名 and 接待场次."""
    if not current_app.config["SHEETS_ENABLED"]:
        raise click.ClickException("未配置 Google 表格（GOOGLE_SERVICE_ACCOUNT_FILE, SHEETS_SPREADSHEET_KEY）。")
    sheets = Sheets.from_config(current_app.config)
    try:
        changes = setup(sheets, reception.open_sessions(get_db()))
    finally:
        sheets.close()
    click.echo("\n".join(changes) if changes else "表格已是最新，没有改动。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(sheet_setup_command)
