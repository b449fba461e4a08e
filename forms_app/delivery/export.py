"""Everything in the local store as one .xlsx: the same columns as the stewards' shared table.

Headers, widths and values come from delivery/columns.py, the one specification every table
backend reads, so the workbook and the table never diverge. Every cell is written as text: '=HYPERLINK(…)' typed into a form stays a string.
"""
from __future__ import annotations

import io
import sqlite3

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from forms_app.residents import reception
from forms_app.delivery.columns import REPORTS, SIGNUPS, Table, column_letter, report_values, signup_values

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell


def text_cell(value) -> str:
    """A value Excel accepts as text: no XML-illegal control characters, within Excel's cell size."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:EXCEL_CELL_LIMIT]


def _sheet(workbook: Workbook, table: Table, rows: list[dict[str, str]]) -> None:
    """One worksheet: bold frozen header, then rows by header, every cell typed as a string."""
    ws = workbook.create_sheet(table.title)
    for r, values in enumerate([list(table.headers), *([row.get(h, "") for h in table.headers] for row in rows)], start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=text_cell(value))
            cell.data_type = "s"  # openpyxl would make '=…' a formula
    for number, column in enumerate(table.columns, start=1):
        ws.column_dimensions[column_letter(number)].width = column.width / 7
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{column_letter(len(table.columns))}{len(rows) + 1}"  # Excel's filter buttons


def signup_rows(conn: sqlite3.Connection, directory) -> list[dict[str, str]]:
    """Every sign-up as a 接待报名 record, with the attendance and outcome recorded after the session."""
    sessions: dict = {}
    rows = []
    for signup in conn.execute("SELECT * FROM signups ORDER BY id"):
        sid = signup["session_id"]
        if sid not in sessions:
            sessions[sid] = reception.get_session(conn, sid)
        rows.append(signup_values(signup, sessions[sid], directory))
    return rows


def workbook(conn: sqlite3.Connection, directory, rows=None) -> tuple[bytes, int, int]:
    """(xlsx bytes, number of reports, number of sign-ups); `rows`: the reports to include (default: all)."""
    if rows is None:
        rows = conn.execute("SELECT * FROM reports ORDER BY id")
    reports = [report_values(r, directory) for r in rows]
    signups = signup_rows(conn, directory)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, REPORTS, reports)
    _sheet(book, SIGNUPS, signups)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(reports), len(signups)
