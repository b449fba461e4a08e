"""One sheet (tab): its properties as the API shows them, its cells, row/column sizes, protections."""
from __future__ import annotations

from .a1 import Rect
from .cells import Cell


class Sheet:
    """One sheet (tab): properties as the API shows them, plus its cells."""

    def __init__(self, properties: dict):
        self.properties = properties
        self.cells: dict[tuple[int, int], Cell] = {}
        self.row_meta: dict[int, dict] = {}
        self.col_meta: dict[int, dict] = {}
        self.protected_ranges: list[dict] = []

    @property
    def sheet_id(self) -> int:
        """The sheet's numeric id."""
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        """The sheet's title."""
        return self.properties["title"]

    @property
    def grid(self) -> dict:
        """The gridProperties dict (rowCount, columnCount, frozen counts...)."""
        return self.properties["gridProperties"]

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return self.grid["rowCount"]

    @property
    def col_count(self) -> int:
        """Columns in the grid."""
        return self.grid["columnCount"]

    def cell(self, row: int, col: int) -> Cell:
        """The cell at (row, col), created if missing."""
        return self.cells.setdefault((row, col), Cell())

    def set_value(self, row: int, col: int, kind: str | None, value: object) -> None:
        """Store a value (kind None clears it)."""
        c = self.cell(row, col)
        c.kind, c.value = kind, value
        self._forget_if_bare(row, col)

    def clear_values(self, rect: Rect) -> None:
        """Clear the values (not validation or format) inside a bounded rectangle."""
        for (r, c) in list(self.cells):
            if rect.start_row <= r < rect.end_row and rect.start_col <= c < rect.end_col:
                self.set_value(r, c, None, None)

    def _forget_if_bare(self, row: int, col: int) -> None:
        """Drop the cell record when nothing is left in it."""
        if self.cells[(row, col)].is_bare:
            del self.cells[(row, col)]

    def resize(self, rows: int, cols: int) -> None:
        """Change the grid size, dropping cells that fall outside."""
        self.grid["rowCount"], self.grid["columnCount"] = rows, cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < cols}
        self.row_meta = {k: v for k, v in self.row_meta.items() if k < rows}
        self.col_meta = {k: v for k, v in self.col_meta.items() if k < cols}

    def insert_rows(self, at: int, count: int) -> None:
        """Insert blank rows before row index `at`, shifting the rest down."""
        self.cells = {((r + count if r >= at else r), c): v for (r, c), v in self.cells.items()}
        self.row_meta = {(r + count if r >= at else r): v for r, v in self.row_meta.items()}
        self.grid["rowCount"] += count

    def insert_cols(self, at: int, count: int) -> None:
        """Insert blank columns before column index `at`, shifting the rest right."""
        self.cells = {(r, (c + count if c >= at else c)): v for (r, c), v in self.cells.items()}
        self.col_meta = {(c + count if c >= at else c): v for c, v in self.col_meta.items()}
        self.grid["columnCount"] += count

    def delete_rows(self, start: int, end: int) -> None:
        """Delete rows [start, end), shifting the rest up."""
        n = end - start
        self.cells = {((r - n if r >= end else r), c): v for (r, c), v in self.cells.items()
                      if not start <= r < end}
        self.row_meta = {(r - n if r >= end else r): v for r, v in self.row_meta.items()
                         if not start <= r < end}
        self.grid["rowCount"] -= n

    def delete_cols(self, start: int, end: int) -> None:
        """Delete columns [start, end), shifting the rest left."""
        n = end - start
        self.cells = {(r, (c - n if c >= end else c)): v for (r, c), v in self.cells.items()
                      if not start <= c < end}
        self.col_meta = {(c - n if c >= end else c): v for c, v in self.col_meta.items()
                         if not start <= c < end}
        self.grid["columnCount"] -= n
