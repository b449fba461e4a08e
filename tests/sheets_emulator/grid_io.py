"""Reading blocks of values out of a sheet and writing blocks in, with Google's checks."""
from __future__ import annotations

from dataclasses import dataclass

from .a1 import Rect, column_letters, format_range
from .cells import SKIP, parse_input, render
from .errors import bad_request, invalid_value
from .sheet import Sheet

MAX_CELL_CHARS = 50_000


def read_block(sheet: Sheet, rect: Rect, major: str, render_option: str) -> list[list]:
    """Values in a bounded rect, trailing empty cells and rows trimmed as Google does."""
    found = {}
    for (r, c), cell in sheet.cells.items():
        if cell.has_value and rect.start_row <= r < rect.end_row and rect.start_col <= c < rect.end_col:
            key = (r - rect.start_row, c - rect.start_col)
            found[key if major == "ROWS" else key[::-1]] = render(cell, render_option)
    if not found:
        return []
    lines = [[] for _ in range(max(o for o, _ in found) + 1)]
    for (o, i), value in sorted(found.items()):
        line = lines[o]
        line.extend([""] * (i - len(line)))
        line.append(value)
    return lines


def parse_matrix(values: object, major: str, option: str, field: str) -> list[list]:
    """Validate a ValueRange's values and parse each cell; returns rows of (kind, value) or SKIP."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise invalid_value(field, values)
    for i, line in enumerate(values):
        if not isinstance(line, list):
            raise invalid_value(f"{field}[{i}]", line)
    if major == "COLUMNS":
        height = max((len(line) for line in values), default=0)
        values = [[line[r] if r < len(line) else None for line in values] for r in range(height)]
    parsed = []
    for i, line in enumerate(values):
        parsed.append([parse_input(v, option, f"values[{i}][{j}]") for j, v in enumerate(line)])
        for v in line:
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                raise bad_request(f"Your input contains more than the maximum of {MAX_CELL_CHARS} "
                                  "characters in a single cell.")
    return parsed


@dataclass
class WritePlan:
    """A checked write of parsed values at (row, col) of a sheet, ready to apply."""

    sheet: Sheet
    row: int
    col: int
    cells: list[list]

    @property
    def rect(self) -> Rect:
        """The block the values cover."""
        width = max((len(line) for line in self.cells), default=0)
        return Rect(self.row, self.col, self.row + len(self.cells), self.col + width)

    def apply(self) -> None:
        """Store the values, growing the grid if the write runs past its edge."""
        rect = self.rect
        if rect.end_row > self.sheet.row_count or rect.end_col > self.sheet.col_count:
            self.sheet.resize(max(rect.end_row, self.sheet.row_count), max(rect.end_col, self.sheet.col_count))
        for i, line in enumerate(self.cells):
            for j, parsed in enumerate(line):
                if parsed is not SKIP:
                    self.sheet.set_value(self.row + i, self.col + j, *parsed)

    def summary(self, spreadsheet_id: str) -> dict:
        """The UpdateValuesResponse for this write (without updatedData)."""
        rect = self.rect
        if rect.height == 0 or rect.width == 0:
            anchor = Rect(self.row, self.col, self.row + 1, self.col + 1)
            return {"spreadsheetId": spreadsheet_id, "updatedRange": format_range(self.sheet.title, anchor)}
        return {"spreadsheetId": spreadsheet_id,
                "updatedRange": format_range(self.sheet.title, rect),
                "updatedRows": sum(1 for line in self.cells if line),
                "updatedColumns": rect.width,
                "updatedCells": sum(len(line) for line in self.cells)}

    def updated_data(self, render_option: str) -> dict:
        """The updatedData block for includeValuesInResponse=true."""
        rect = self.rect
        data = {"range": format_range(self.sheet.title, rect), "majorDimension": "ROWS"}
        values = read_block(self.sheet, rect, "ROWS", render_option) if rect.width else []
        if values:
            data["values"] = values
        return data


def plan_update(sheet: Sheet, rect: Rect, cells: list[list], range_text: str) -> WritePlan:
    """Plan a values.update: a one-cell range is an anchor, a larger one must hold all the values."""
    plan = WritePlan(sheet, rect.start_row, rect.start_col, cells)
    written = plan.rect
    if not rect.is_single_cell:
        limit = rect.bounded(sheet.row_count, sheet.col_count)
        if written.end_row > limit.end_row:
            raise bad_request(f"Requested writing within range [{range_text}], "
                              f"but tried writing to row [{written.end_row}]")
        if written.end_col > limit.end_col:
            raise bad_request(f"Requested writing within range [{range_text}], "
                              f"but tried writing to column [{column_letters(written.end_col - 1)}]")
    last_row, last_col = max(written.end_row, rect.start_row + 1), max(written.end_col, rect.start_col + 1)
    if last_row > sheet.row_count or last_col > sheet.col_count:
        raise bad_request(f"Range ({range_text}) exceeds grid limits. "
                          f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
    return plan
