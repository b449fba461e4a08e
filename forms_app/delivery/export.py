"""Everything in the local store as one .xlsx: the same columns as the stewards' shared table.

Headers, widths and values come from delivery/columns.py, the one specification every table
backend reads, so the workbook and the table never diverge. Every cell is written as text:
'=HYPERLINK(…)' typed into a form stays a string.

Written by xlsx_stream (SpreadsheetML straight into the zip) into a temporary file, row by row from
the store's cursor, so memory does not grow with the number of cases; the view streams that file.
"""
from __future__ import annotations

import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from forms_app.delivery import xlsx_stream
from forms_app.residents import reception
from forms_app.delivery.columns import REPORTS, SIGNUPS, Table, report_values, signup_values

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell


def text_cell(value) -> str:
    """A value Excel accepts as text: no XML-illegal control characters, within Excel's cell size."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:EXCEL_CELL_LIMIT]


def _sheet(writer: xlsx_stream.Writer, table: Table, rows: Iterable[dict[str, str]]) -> int:
    """One worksheet: bold frozen header with filter buttons, then rows by header, every cell text; how many rows."""
    headers = list(table.headers)
    return writer.sheet(table.title, headers, [column.width / 7 for column in table.columns],
                        ([row.get(h, "") for h in headers] for row in rows))


def signup_rows(conn: sqlite3.Connection, directory, compounds: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    """Every sign-up (of these compounds, when given: the list's filters) as a 接待报名 record, with the
    attendance and outcome recorded after the session."""
    sessions: dict = {}
    rows = []
    where = f" WHERE compound_id IN ({', '.join('?' * len(compounds))})" if compounds is not None else ""
    for signup in conn.execute(f"SELECT * FROM signups{where} ORDER BY id", compounds or ()):
        sid = signup["session_id"]
        if sid not in sessions:
            sessions[sid] = reception.get_session(conn, sid)
        rows.append(signup_values(signup, sessions[sid], directory))
    return rows


def write(conn: sqlite3.Connection, directory, target, rows=None, compounds=None) -> tuple[int, int]:
    """Write the workbook to `target` (a path or a binary file); (number of reports, number of sign-ups).
    `rows`: the reports to include (a cursor; default: all); `compounds`: whose sign-ups (default: all)."""
    if rows is None:
        rows = conn.execute("SELECT * FROM reports ORDER BY id")
    writer = xlsx_stream.Writer(target)
    n_reports = _sheet(writer, REPORTS, (report_values(r, directory) for r in rows))
    n_signups = _sheet(writer, SIGNUPS, signup_rows(conn, directory, compounds))
    writer.close()
    return n_reports, n_signups


def workbook(conn: sqlite3.Connection, directory, rows=None) -> tuple[bytes, int, int]:
    """(xlsx bytes, number of reports, number of sign-ups) — in memory: for small workbooks and tests."""
    out = io.BytesIO()
    counts = write(conn, directory, out, rows)
    return (out.getvalue(), *counts)


CHUNK = 64 * 1024


def spooled(conn: sqlite3.Connection, directory, rows=None, compounds=None) -> tuple[Iterator[bytes], int, int, int]:
    """The workbook in a temporary file: (its bytes in chunks — the file is removed once read or closed —,
    its size, number of reports, number of sign-ups)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        counts = write(conn, directory, path, rows, compounds)
        size = os.path.getsize(path)
        stream = open(path, "rb")
    finally:
        os.unlink(path)  # the open file stays readable until closed (POSIX)

    def chunks() -> Iterator[bytes]:
        with stream:
            while block := stream.read(CHUNK):
                yield block

    return chunks(), size, *counts
