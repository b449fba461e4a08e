"""The emulator's building blocks without HTTP: A1 notation, cell input, table detection, field masks."""
from __future__ import annotations

import pytest

from tests.sheets_emulator.a1 import Rect, format_range, parse_cells, quote_title, split_sheet
from tests.sheets_emulator.cells import SKIP, parse_input
from tests.sheets_emulator.errors import ApiError
from tests.sheets_emulator.fieldmask import apply_mask, parse_fields
from tests.sheets_emulator.model import Spreadsheet
from tests.sheets_emulator.tables import find_table


@pytest.mark.parametrize("text, rect", [
    ("A1", Rect(0, 0, 1, 1)),
    ("B2:C3", Rect(1, 1, 3, 3)),
    ("C3:B2", Rect(1, 1, 3, 3)),
    ("A:B", Rect(0, 0, None, 2)),
    ("2:3", Rect(1, 0, 3, None)),
    ("A1:1", Rect(0, 0, 1, None)),
    ("A2:B", Rect(1, 0, None, 2)),
    ("$A$1:$b$2", Rect(0, 0, 2, 2)),
    ("AA10", Rect(9, 26, 10, 27)),
])
def test_parse_cells(text, rect):
    """A1 forms Google accepts, unbounded ends as None."""
    assert parse_cells(text) == rect


@pytest.mark.parametrize("text", ["", "A", "1", "A0", "A1:B2:C3", "A1-B2", "ABCD1"])
def test_parse_cells_rejects(text):
    """Things that are not A1 ranges."""
    with pytest.raises(ValueError):
        parse_cells(text)


@pytest.mark.parametrize("text, parts", [
    ("'Sheet1'!A1", ("Sheet1", "A1")),
    ("'It''s'!A1:B2", ("It's", "A1:B2")),
    ("'问题登记'", ("问题登记", None)),
    ("🌵 test_values_get 1!A1", ("🌵 test_values_get 1", "A1")),
    ("A1:B2", (None, "A1:B2")),
])
def test_split_sheet(text, parts):
    """Quoted and bare sheet names, with or without cells."""
    assert split_sheet(text) == parts


@pytest.mark.parametrize("title, shown", [
    ("Sheet1", "Sheet1"), ("my_sheet", "my_sheet"), ("D3", "'D3'"), ("R1C1", "'R1C1'"),
    ("问题登记", "'问题登记'"), ("Лист2", "'Лист2'"), ("a b", "'a b'"), ("It's", "'It''s'"),
])
def test_quote_title(title, shown):
    """Google quotes titles that are not plain ASCII names or look like cells."""
    assert quote_title(title) == shown


def test_format_range_single_cell_and_block():
    """One cell is written as A2, a block as A1:Z1000."""
    assert format_range("Sheet1", Rect(1, 0, 2, 1)) == "Sheet1!A2"
    assert format_range("Sheet1", Rect(0, 0, 1000, 26)) == "Sheet1!A1:Z1000"


@pytest.mark.parametrize("raw, option, parsed", [
    ("=1+1", "RAW", ("string", "=1+1")),
    ("+1", "RAW", ("string", "+1")),
    (5, "RAW", ("number", 5)),
    (True, "RAW", ("bool", True)),
    ("", "RAW", (None, None)),
    ("=1+1", "USER_ENTERED", ("formula", "=1+1")),
    ("+1", "USER_ENTERED", ("number", 1)),
    ("1.50", "USER_ENTERED", ("number", 1.5)),
    ("12%", "USER_ENTERED", ("number", 0.12)),
    ("true", "USER_ENTERED", ("bool", True)),
    ("'007", "USER_ENTERED", ("string", "007")),
    ("@a", "USER_ENTERED", ("string", "@a")),
    ("=", "USER_ENTERED", ("string", "=")),
])
def test_parse_input(raw, option, parsed):
    """RAW keeps strings as strings; USER_ENTERED parses numbers, booleans and formulas."""
    assert parse_input(raw, option, "values[0][0]") == parsed


def test_parse_input_null_skips_and_lists_fail():
    """null leaves the cell alone; a nested list is Google's 'Invalid values[i][j]' 400."""
    assert parse_input(None, "RAW", "values[0][0]") is SKIP
    with pytest.raises(ApiError) as err:
        parse_input([1], "RAW", "values[0][1]")
    assert err.value.body["error"]["message"].startswith("Invalid values[0][1]: list_value")


def _sheet(rows: list[list[str]]):
    """A spreadsheet whose first sheet holds these rows."""
    book = Spreadsheet("id", "t", "owner@x")
    sheet = book.add_sheet("Sheet1")
    for r, line in enumerate(rows):
        for c, value in enumerate(line):
            if value:
                sheet.set_value(r, c, "string", value)
    return sheet


@pytest.mark.parametrize("rows, range_rect, table", [
    ([], Rect(0, 0, 1, 1), None),
    ([["x", "", "y"]], Rect(0, 0, 1, 1), Rect(0, 0, 1, 1)),
    ([["x", "", "y"]], Rect(0, 0, 1000, 26), Rect(0, 2, 1, 3)),
    ([["h1", "h2"], ["a", ""], ["", "b"]], Rect(0, 0, 1, 1), Rect(0, 0, 3, 2)),
    ([["h1", "h2"], ["a", "b"], [], ["c"]], Rect(0, 0, 1, 1), Rect(0, 0, 2, 2)),
    ([["h1", "h2"], ["a", "b"], [], ["c"]], Rect(0, 0, 1000, 26), Rect(3, 0, 4, 1)),
    ([[], ["", "a"], ["", "b", "c"]], Rect(0, 0, 1, 1), None),  # row 1 empty: the rows are written into row 1
    ([["", "", "x"], ["", "a"]], Rect(0, 0, 1, 1), Rect(0, 0, 2, 3)),  # row 1 not empty: the region grows
])
def test_find_table(rows, range_rect, table):
    """The 'current region' around the range's cell (one cell) or its last value (larger ranges)."""
    assert find_table(_sheet(rows), range_rect) == table


def test_field_mask_paths_and_groups():
    """Dotted paths, slash paths and parenthesised groups select the same things."""
    resource = {"sheets": [{"properties": {"title": "a", "sheetId": 1}, "protectedRanges": [{"x": 1}], "data": []}],
                "spreadsheetId": "id"}
    expected = {"sheets": [{"properties": {"title": "a"}, "protectedRanges": [{"x": 1}]}]}
    for mask in ("sheets.properties.title,sheets.protectedRanges", "sheets(properties/title,protectedRanges)"):
        assert apply_mask(resource, parse_fields(mask)) == expected
    assert apply_mask(resource, parse_fields("*")) == resource
