"""values.append's table detection: which block of data the new rows go under.

Google's rule, as recorded traffic shows it: a one-cell range (table_range="A1") takes the
region of data around that cell; a larger range (a whole sheet) takes the region around the
last non-empty cell in it. The region grows like a spreadsheet's "current region": while any
cell touching its border (diagonals included) holds a value, the border moves out to take it in.
With [x, '', y] in row 1, "A1" finds A1 alone and a whole-sheet range finds C1.

One exception to the growing: a one-cell range in a row that is entirely empty (say a steward
inserted a blank row 1 above the header) finds no table at all, and Google writes the new rows
into that very row — not under the data below it.
"""
from __future__ import annotations

from .a1 import Rect
from .sheet import Sheet


def find_table(sheet: Sheet, rect: Rect) -> Rect | None:
    """The table the append range points at (bounded rect in, None when there is no data)."""
    rows: dict[int, list[int]] = {}
    for (r, c), cell in sheet.cells.items():
        if cell.has_value:
            rows.setdefault(r, []).append(c)
    if rect.is_single_cell:
        if not rows.get(rect.start_row):
            return None  # the range's row is empty: the rows are written right there
        seed = rect
        limit = Rect(0, 0, sheet.row_count, sheet.col_count)
    else:
        inside = [(r, c) for r, cols in rows.items() for c in cols
                  if rect.start_row <= r < rect.end_row and rect.start_col <= c < rect.end_col]
        if not inside:
            return None
        r, c = max(inside)
        seed, limit = Rect(r, c, r + 1, c + 1), rect
    region = _grow(rows, seed, limit)
    has_data = any(region.start_row <= r < region.end_row and region.start_col <= c < region.end_col
                   for r, cols in rows.items() for c in cols)
    return region if has_data else None


def _grow(rows: dict[int, list[int]], seed: Rect, limit: Rect) -> Rect:
    """Expand seed while a value touches its border, staying inside limit."""
    r0, c0, r1, c1 = seed.start_row, seed.start_col, seed.end_row, seed.end_col
    changed = True
    while changed:
        changed = False
        r = max(r0 - 1, limit.start_row)
        while r < min(r1 + 1, limit.end_row):
            lo, hi = max(c0 - 1, limit.start_col), min(c1 + 1, limit.end_col)
            for c in rows.get(r, ()):
                if lo <= c < hi and not (r0 <= r < r1 and c0 <= c < c1):
                    if r < r0 or c < c0 or c >= c1:
                        changed = True
                    r0, r1 = min(r0, r), max(r1, r + 1)
                    c0, c1 = min(c0, c), max(c1, c + 1)
            r += 1
    return Rect(r0, c0, r1, c1)
