"""A1 notation: parsing ranges like 'Sheet1'!A1:B2 and writing them back the way Google does."""
from __future__ import annotations

import re
from dataclasses import dataclass

_ENDPOINT = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*")


@dataclass(frozen=True)
class Rect:
    """A zero-based, half-open block of cells; None on an end means 'to the edge of the grid'."""

    start_row: int = 0
    start_col: int = 0
    end_row: int | None = None
    end_col: int | None = None

    def bounded(self, rows: int, cols: int) -> "Rect":
        """This rectangle with unbounded ends pinned to a grid of rows x cols."""
        return Rect(self.start_row, self.start_col,
                    rows if self.end_row is None else self.end_row,
                    cols if self.end_col is None else self.end_col)

    def clipped(self, rows: int, cols: int) -> "Rect":
        """This rectangle cut down to a grid of rows x cols."""
        b = self.bounded(rows, cols)
        return Rect(b.start_row, b.start_col, min(b.end_row, rows), min(b.end_col, cols))

    @property
    def height(self) -> int:
        """Number of rows (the rectangle must be bounded)."""
        return self.end_row - self.start_row

    @property
    def width(self) -> int:
        """Number of columns (the rectangle must be bounded)."""
        return self.end_col - self.start_col

    @property
    def is_single_cell(self) -> bool:
        """True for a one-cell rectangle such as A1."""
        return self.end_row == self.start_row + 1 and self.end_col == self.start_col + 1


def column_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def quote_title(title: str) -> str:
    """The sheet title as Google writes it in a range: bare when plain ASCII, else quoted."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_rect(rect: Rect) -> str:
    """'A2' for one cell, else 'A1:Z1000' (the rectangle must be bounded)."""
    first = f"{column_letters(rect.start_col)}{rect.start_row + 1}"
    if rect.is_single_cell:
        return first
    return f"{first}:{column_letters(rect.end_col - 1)}{rect.end_row}"


def format_range(title: str, rect: Rect) -> str:
    """'Sheet1!A1:B2' with the title quoted when needed."""
    return f"{quote_title(title)}!{format_rect(rect)}"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split "'My sheet'!A1:B2" into ('My sheet', 'A1:B2'); either part may be None."""
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            if text[i] == "'":
                if text[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == "":
                    return "".join(title), None
                if rest.startswith("!"):
                    return "".join(title), rest[1:]
                raise ValueError(text)
            title.append(text[i])
            i += 1
        raise ValueError(text)
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def parse_cells(text: str) -> Rect:
    """Parse 'A1', 'A1:B2', 'A:B', '1:2', 'A2:B' or 'A1:1' into a Rect; raise ValueError if invalid."""
    parts = text.split(":")
    if len(parts) > 2 or not text:
        raise ValueError(text)
    ends = []
    for part in parts:
        m = _ENDPOINT.fullmatch(part.strip())
        if not m or not (m.group(1) or m.group(2)):
            raise ValueError(text)
        col = column_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            raise ValueError(text)
        ends.append((row, col))
    if len(ends) == 1:
        row, col = ends[0]
        if row is None or col is None:
            raise ValueError(text)
        return Rect(row, col, row + 1, col + 1)
    (r0, c0), (r1, c1) = ends
    if r0 is not None and r1 is not None and r1 < r0:
        r0, r1 = r1, r0
    if c0 is not None and c1 is not None and c1 < c0:
        c0, c1 = c1, c0
    return Rect(r0 or 0, c0 or 0,
                None if r1 is None else r1 + 1,
                None if c1 is None else c1 + 1)
