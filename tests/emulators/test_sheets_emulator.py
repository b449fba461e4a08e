"""The Sheets emulator answers like Google: recorded traffic replays, and gspread works end to end."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gspread
import pytest
import requests
from google.auth.exceptions import RefreshError

from forms_app.delivery.google_session import make_session
from tests.sheets_emulator.a1 import column_letters
from tests.sheets_emulator.credentials import service_account_info
from tests.sheets_emulator.fixtures import emu, emulator, gc, http, key_file, service_account  # noqa: F401
from tests.server import stop_process
from tests.sheets_emulator.replay import cassette_paths, replay
from tests import REPO_ROOT

ROOT = REPO_ROOT
HOSTILE = [
    '=HYPERLINK("http://x","y")', "+1", "-1", "@a", "=1+1", "'quoted", "x" * 5000,
    "ctl\x01\x07\x1b\x7f", "tab\there", "multi\nline\r\nrow", "emoji 🌵👨‍👩‍👧", "rtl \u202egnp.exe",
    "  padded  ", "0012", "TRUE", "3.0", "1e5", "居民区 楼号",
]


@pytest.mark.parametrize("cassette", cassette_paths(), ids=lambda p: p.stem)
def test_cassette_replays_like_google(emu, http, cassette):
    """Every recorded request sequence gets Google's status codes and bodies (ids mapped)."""
    assert replay(cassette, emu.url, http) == []


def test_replay_notices_a_wrong_answer(emu, http, tmp_path):
    """The replay really compares: a doctored recording produces a reported difference."""
    source = next(p for p in cassette_paths() if p.stem == "WorksheetTest.test_append_row")
    data = json.loads(source.read_text("utf-8"))
    data["interactions"] = data["interactions"][:8]
    body = data["interactions"][5]["response"]["body"]
    body["string"] = body["string"].replace("Sheet1!A1:J1", "Sheet1!A2:J2")
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(data), encoding="utf-8")
    problems = replay(doctored, emu.url, http)
    assert len(problems) == 1 and "updatedRange" in problems[0]


def test_service_account_file_works_through_the_token_endpoint(emu, key_file):
    """gspread.service_account(filename=...) gets its token from the emulator, signature checked."""
    client = gspread.service_account(filename=str(key_file))
    client.http_client.session = make_session(client.http_client.auth, emu.url)
    try:
        book = client.create("延吉社区大管家")
        assert client.open_by_key(book.id).title == "延吉社区大管家"
    finally:
        client.http_client.session.close()
    assert emu.state.stats.snapshot()["tokens_issued"] == 1


def test_a_key_the_emulator_does_not_trust_is_refused(emu, key_file, tmp_path):
    """A JWT signed by a different key than the registered one gets invalid_grant."""
    info = json.loads(key_file.read_text("utf-8"))
    other, _ = service_account_info(emu.token_uri, info["client_email"])
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(other), encoding="utf-8")
    client = gspread.service_account(filename=str(forged))
    client.http_client.session = make_session(client.http_client.auth, emu.url)
    try:
        with pytest.raises(RefreshError, match="Invalid JWT Signature"):
            client.create("x")
    finally:
        client.http_client.session.close()


def test_requests_without_a_token_get_google_401(emu, http):
    """No Authorization header: 401 UNAUTHENTICATED, in Google's error shape."""
    r = http.get(f"{emu.url}/v4/spreadsheets/abc", timeout=5)
    assert r.status_code == 401
    assert r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_open_by_key_add_and_delete_worksheet(emu, gc):
    """A spreadsheet made through the control API opens by key; worksheets come and go."""
    emu.state.create_spreadsheet("管家表", spreadsheet_id="steward-sheet-key")
    book = gc.open_by_key("steward-sheet-key")
    ws = book.add_worksheet("问题登记", rows=2, cols=23)
    assert [w.title for w in book.worksheets()] == ["Sheet1", "问题登记"]
    assert (ws.row_count, ws.col_count, ws.index) == (2, 23, 1)
    book.del_worksheet(ws)
    assert [w.title for w in book.worksheets()] == ["Sheet1"]
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("no-such-key")


def test_raw_append_keeps_hostile_strings_exactly(emu, gc):
    """RAW + INSERT_ROWS + table_range A1: formulas, signs, control chars and RTL marks stay text."""
    book = gc.create("hostile")
    ws = book.add_worksheet("问题登记", rows=1, cols=len(HOSTILE))
    ws.append_rows([[f"h{i}" for i in range(len(HOSTILE))]], value_input_option="RAW",
                   insert_data_option="INSERT_ROWS", table_range="A1")
    result = ws.append_rows([HOSTILE, HOSTILE[::-1]], value_input_option="RAW",
                            insert_data_option="INSERT_ROWS", table_range="A1")
    assert result["tableRange"] == "'问题登记'!A1:R1"
    assert result["updates"]["updatedRange"] == "'问题登记'!A2:R3"
    assert ws.get_all_values()[1:] == [HOSTILE, HOSTILE[::-1]]
    cells = emu.state.dump_values(book.id, "问题登记")["cells"]
    assert cells["A2"] == {"stringValue": '=HYPERLINK("http://x","y")'}
    assert cells["B2"] == {"stringValue": "+1"}
    assert cells[f"{column_letters(HOSTILE.index('0012'))}2"] == {"stringValue": "0012"}


def test_user_entered_parses_numbers_booleans_and_formulas(emu, gc):
    """USER_ENTERED stores numbers, booleans and formula text; a leading apostrophe forces text."""
    ws = gc.create("typed").sheet1
    ws.update([["12", "=SUM(A1:A2)", "'0012", "TRUE", "1.5", "-3"]], "A1", value_input_option="USER_ENTERED")
    assert ws.get("A1:F1", value_render_option="UNFORMATTED_VALUE") == [[12, "=SUM(A1:A2)", "0012", True, 1.5, -3]]
    assert ws.get("A1:F1") == [["12", "=SUM(A1:A2)", "0012", "TRUE", "1.5", "-3"]]
    cells = emu.state.dump_values(ws.spreadsheet_id, "Sheet1")["cells"]
    assert cells["B1"] == {"formulaValue": "=SUM(A1:A2)"} and cells["A1"] == {"numberValue": 12}


@pytest.mark.parametrize("table_range, table, written", [
    ("A1", "Sheet1!A1", "Sheet1!A2:C2"),   # recorded: gspread test_append_row_with_empty_value_and_table_range
    (None, "Sheet1!C1", "Sheet1!C2:E2"),   # recorded: gspread test_append_row_with_empty_value
])
def test_append_finds_the_table_as_google_does(emu, gc, table_range, table, written):
    """A gap in the first row splits the 'table': A1 finds A1, the whole sheet finds C1."""
    ws = gc.create("tables").sheet1
    ws.append_row(["x", "", "y"])
    result = ws.append_row(["x", "", "y"], table_range=table_range)
    assert (result["tableRange"], result["updates"]["updatedRange"]) == (table, written)


def test_insert_rows_pushes_rows_below_the_table_down(emu, gc):
    """INSERT_ROWS inserts under the table found from A1; rows after a blank row move down."""
    ws = gc.create("insert").sheet1
    ws.update([["编号", "状态"], ["1", "已受理"], [], ["note"]], "A1")
    result = ws.append_rows([["2", "处理中"]], insert_data_option="INSERT_ROWS", table_range="A1")
    assert result["tableRange"] == "Sheet1!A1:B2" and result["updates"]["updatedRange"] == "Sheet1!A3:B3"
    assert ws.get_all_values() == [["编号", "状态"], ["1", "已受理"], ["2", "处理中"], ["", ""], ["note", ""]]
    assert gc.open_by_key(ws.spreadsheet_id).sheet1.row_count == 1001


def test_setup_requests_show_in_metadata(emu, gc):
    """Frozen rows, ONE_OF_LIST validation, column widths and protected ranges read back as Google shows them."""
    book = gc.create("setup")
    ws = book.add_worksheet("问题登记", rows=100, cols=23)
    statuses = ["已受理", "处理中", "已形成方案", "已解决", "不予受理", "已转办"]
    reply = book.batch_update({"requests": [
        {"updateSheetProperties": {"properties": {"sheetId": ws.id, "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "gridProperties.frozenRowCount"}},
        {"setDataValidation": {"range": {"sheetId": ws.id, "startRowIndex": 1, "startColumnIndex": 15,
                                         "endColumnIndex": 16},
                               "rule": {"condition": {"type": "ONE_OF_LIST",
                                                      "values": [{"userEnteredValue": s} for s in statuses]},
                                        "strict": True, "showCustomUi": True}}},
        {"updateDimensionProperties": {"range": {"sheetId": ws.id, "dimension": "COLUMNS", "startIndex": 10,
                                                 "endIndex": 11},
                                       "properties": {"pixelSize": 320}, "fields": "pixelSize"}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": ws.id, "startRowIndex": 0, "endRowIndex": 1},
                                                  "description": "表头", "warningOnly": True}}},
    ]})
    protected_id = reply["replies"][3]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    sheet = next(s for s in book.fetch_sheet_metadata()["sheets"] if s["properties"]["sheetId"] == ws.id)
    assert sheet["properties"]["gridProperties"] == {"rowCount": 100, "columnCount": 23, "frozenRowCount": 1}
    assert sheet["protectedRanges"] == [{"protectedRangeId": protected_id, "description": "表头",
                                         "range": {"sheetId": ws.id, "startRowIndex": 0, "endRowIndex": 1},
                                         "warningOnly": True, "requestingUserCanEdit": True}]
    assert book.list_protected_ranges(ws.id)[0]["protectedRangeId"] == protected_id
    grid = book.fetch_sheet_metadata(params={"ranges": "'问题登记'!K1:P3", "includeGridData": "true"})
    data = grid["sheets"][0]["data"][0]
    assert data["columnMetadata"][0] == {"pixelSize": 320} and data["columnMetadata"][1] == {"pixelSize": 100}
    assert data["rowData"][0] == {}
    validation = data["rowData"][1]["values"][5]["dataValidation"]
    assert validation["condition"]["values"][0] == {"userEnteredValue": "已受理"} and validation["strict"] is True
    masked = book.fetch_sheet_metadata(params={"fields": "sheets(properties.title,data.columnMetadata)"})
    assert masked["sheets"][1]["properties"] == {"title": "问题登记"}
    assert set(masked["sheets"][1]["data"][0]) == {"columnMetadata"}
    book.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": protected_id}}]})
    assert book.list_protected_ranges(ws.id) == []


def test_a_failing_batch_update_changes_nothing(emu, gc):
    """batchUpdate is all or nothing: a bad second request undoes the first."""
    book = gc.create("atomic")
    with pytest.raises(gspread.exceptions.APIError) as err:
        book.batch_update({"requests": [{"addSheet": {"properties": {"title": "new"}}},
                                        {"deleteSheet": {"sheetId": 12345}}]})
    assert err.value.response.status_code == 400
    assert err.value.error["message"] == "Invalid requests[1].deleteSheet: No grid with id: 12345"
    assert [w.title for w in book.worksheets()] == ["Sheet1"]


@pytest.mark.parametrize("call, message", [
    (lambda ws: ws.update([["x"]], "A1001"),
     "Range ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"),
    (lambda ws: ws.update([["a", "b"]], "A1:A2"),
     "Requested writing within range ['Sheet1'!A1:A2], but tried writing to column [B]"),
    (lambda ws: ws.spreadsheet.values_get("Nope!A1"),
     "Unable to parse range: Nope!A1"),
    (lambda ws: ws.update([["x" * 50001]], "A1"),
     "Your input contains more than the maximum of 50000 characters in a single cell."),
    (lambda ws: ws.spreadsheet.values_update("Sheet1!A1", {}, {"values": [["x"]]}),
     "'valueInputOption' is required but not specified"),
], ids=["past-grid", "past-range", "unknown-sheet", "oversize-cell", "no-input-option"])
def test_bad_writes_get_google_400s(emu, gc, call, message):
    """Grid limits, overflowing ranges, unknown sheets, oversize cells: 400 with Google's message."""
    ws = gc.create("errors").sheet1
    with pytest.raises(gspread.exceptions.APIError) as err:
        call(ws)
    assert (err.value.code, err.value.error["status"], err.value.error["message"]) == (400, "INVALID_ARGUMENT", message)


def test_values_batch_get_batch_clear_and_columns(emu, gc):
    """batchGet, COLUMNS major dimension and batchClear behave like the API."""
    ws = gc.create("batch").sheet1
    ws.update([["a", "b"], ["c"]], "A1")
    got = ws.spreadsheet.values_batch_get(["Sheet1!A1:B2", "Sheet1!B:B"], params={"majorDimension": "COLUMNS"})
    assert [v.get("values") for v in got["valueRanges"]] == [[["a", "c"], ["b"]], [["b"]]]
    assert [v["range"] for v in got["valueRanges"]] == ["Sheet1!A1:B2", "Sheet1!B1:B1000"]
    cleared = ws.batch_clear(["A1", "A2:Z"])
    assert cleared["clearedRanges"] == ["Sheet1!A1", "Sheet1!A2:Z1000"]
    assert ws.get_all_values() == [["", "b"]]


def test_control_api_over_http(emu, http):
    """Other processes steer the emulator over /_emulator/: create, dump, faults, stats, config, reset."""
    made = http.post(f"{emu.url}/_emulator/spreadsheets", json={"id": "k1", "title": "t",
                                                              "sheets": [{"title": "问题登记", "rows": 5, "cols": 3}]},
                     timeout=5).json()
    assert made["sheets"] == [{"title": "问题登记", "sheetId": 0}]
    auth = {"Authorization": "Bearer anything"}
    http.put(f"{emu.url}/v4/spreadsheets/k1/values/%E9%97%AE%E9%A2%98%E7%99%BB%E8%AE%B0!A1?valueInputOption=RAW",
             json={"values": [["=1", 2]]}, headers=auth, timeout=5).raise_for_status()
    dump = http.get(f"{emu.url}/_emulator/spreadsheets/k1/values/问题登记", timeout=5).json()
    assert dump["values"] == [["=1", 2]] and dump["cells"]["A1"] == {"stringValue": "=1"}
    fault = http.post(f"{emu.url}/_emulator/faults", json={"kind": "status", "op": "values.get", "status": 500},
                      timeout=5).json()["fault"]
    assert http.get(f"{emu.url}/v4/spreadsheets/k1/values/A1", headers=auth, timeout=5).status_code == 500
    assert http.get(f"{emu.url}/_emulator/faults", timeout=5).json()["faults"][0]["fired"] == 1
    assert http.delete(f"{emu.url}/_emulator/faults/{fault['id']}", timeout=5).status_code == 200
    stats = http.get(f"{emu.url}/_emulator/stats", timeout=5).json()
    assert stats["requests"] == {"values.update": 1, "values.get": 1} and stats["write_requests"] == 1
    assert http.put(f"{emu.url}/_emulator/config", json={"write_quota_per_minute": 60},
                    timeout=5).json()["write_quota_per_minute"] == 60
    http.post(f"{emu.url}/_emulator/reset", timeout=5).raise_for_status()
    assert http.get(f"{emu.url}/_emulator/spreadsheets", timeout=5).json() == {"spreadsheets": []}


def test_runs_standalone(tmp_path):
    """python -m tests.sheets_emulator --port 0 serves until terminated."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.sheets_emulator", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        with requests.Session() as s:
            assert s.get(url + "/_emulator/health", timeout=5).json()["ok"] is True
    finally:
        stop_process(proc)
    assert proc.returncode == 0


CONSTRUCTED = REPO_ROOT / "tests" / "sheets_emulator" / "cassettes_constructed"


@pytest.mark.parametrize("cassette", sorted(CONSTRUCTED.glob("*.json")), ids=lambda p: p.stem)
def test_constructed_traffic_replays_like_google(emu, http, cassette):
    """Request sequences written in the recorded format (append at an empty first row) get Google's answers."""
    assert replay(cassette, emu.url, http) == []


@pytest.mark.parametrize("insert, expected", [
    ("OVERWRITE", [["W2", "s2"], ["编号", "提交编号"], ["W1", "s1"]]),
    ("INSERT_ROWS", [["W2", "s2"], ["", ""], ["编号", "提交编号"], ["W1", "s1"]]),
])
def test_append_at_a_blank_first_row_writes_into_it(emu, gc, insert, expected):
    """A steward inserted a blank row 1 above the header: an append at A1 lands there, not under the data."""
    ws = gc.create("blank-first-row").sheet1
    ws.update([["编号", "提交编号"], ["W1", "s1"]], "A1")
    ws.insert_row([], 1)
    result = ws.append_rows([["W2", "s2"]], table_range="A1", insert_data_option=insert)
    assert "tableRange" not in result and result["updates"]["updatedRange"] == "Sheet1!A1:B1"
    assert ws.get_all_values() == expected
