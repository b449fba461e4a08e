"""Injected faults and the write quota, seen the way the sync worker will see them: through gspread."""
from __future__ import annotations

import socket
import threading
import time
from types import SimpleNamespace

import pytest
import requests
from gspread.exceptions import APIError

from tests.sheets_emulator import quota, start_emulator
from tests.sheets_emulator.fixtures import emu, emulator, gc, key_file, service_account  # noqa: F401


def stored(emu, ws) -> list[list]:
    """What the emulator holds in the worksheet, read without going through HTTP."""
    return emu.state.dump_values(ws.spreadsheet_id, ws.title)["values"]


def eventually(check, timeout: float = 3.0) -> bool:
    """Poll until check() is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def ws(gc):
    """The first worksheet of a fresh spreadsheet."""
    return gc.create("faults").sheet1


@pytest.mark.parametrize("status, google_status",
                         [(429, "RESOURCE_EXHAUSTED"), (500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_status_fault_answers_like_google_and_applies_nothing(emu, ws, status, google_status):
    """429/500/503 carry Google's error body; the row is not written; the next call works."""
    emu.faults.add("status", op="values.append", status=status)
    with pytest.raises(APIError) as err:
        ws.append_row(["a"])
    assert (err.value.code, err.value.error["status"]) == (status, google_status)
    if status == 429:
        assert err.value.error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert stored(emu, ws) == []
    ws.append_row(["a"])
    assert stored(emu, ws) == [["a"]]


def test_502_is_an_html_page_not_json(emu, ws):
    """Google's front end answers 502 with HTML; gspread then reports code -1."""
    emu.faults.add("status", op="read", status=502)
    with pytest.raises(APIError) as err:
        ws.get_all_values()
    assert err.value.code == -1 and err.value.response.status_code == 502
    assert "<title>Error 502" in err.value.response.text


def test_after_and_times_choose_the_failing_requests(emu, ws):
    """after=1, times=2: the 1st write passes, the 2nd and 3rd fail, the 4th passes."""
    fault = emu.faults.add("status", op="write", after=1, times=2)
    outcomes = []
    for i in range(4):
        try:
            ws.append_row([str(i)])
            outcomes.append("ok")
        except APIError as e:
            outcomes.append(e.code)
    assert outcomes == ["ok", 503, 503, "ok"]
    assert (fault.seen, fault.fired) == (4, 2)
    assert stored(emu, ws) == [["0"], ["3"]]


def test_slow_answer_times_out_and_the_write_lands_later(emu, gc, ws):
    """A delay longer than the client's timeout: ReadTimeout now, the row appears afterwards."""
    emu.faults.add("delay", op="values.append", seconds=0.8)
    gc.set_timeout(0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.append_row(["late"])
    assert stored(emu, ws) == []
    assert eventually(lambda: stored(emu, ws) == [["late"]])


def test_slow_answer_after_applying(emu, gc, ws):
    """apply_first=True: the write is already in the sheet when the client gives up."""
    emu.faults.add("delay", op="values.append", seconds=0.8, apply_first=True)
    gc.set_timeout(0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.append_row(["early"])
    assert stored(emu, ws) == [["early"]]


def test_refused_connections_for_a_stretch(emu, ws):
    """While the emulator is not listening, connects are refused; afterwards calls work again."""
    emu.refuse_connections(1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.append_row(["x"])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", emu.port), timeout=1).close()
    assert eventually(lambda: emu.listening)
    ws.append_row(["x"])
    assert stored(emu, ws) == [["x"]]


def test_refuse_fault_cuts_the_request_and_goes_dark(emu, ws):
    """A 'refuse' fault drops the matching request, then refuses connections for `seconds`."""
    emu.faults.add("refuse", op="values.append", seconds=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.append_row(["x"])
    assert stored(emu, ws) == []
    assert eventually(lambda: not emu.listening, 1.0)
    assert eventually(lambda: emu.listening)
    ws.append_row(["y"])
    assert stored(emu, ws) == [["y"]]


def test_dropped_connection_applies_nothing(emu, ws):
    """'drop' closes the connection before doing anything."""
    emu.faults.add("drop", op="values.append")
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.append_row(["x"])
    assert stored(emu, ws) == []


@pytest.mark.parametrize("kind, error", [("applied_then_drop", requests.exceptions.ConnectionError),
                                         ("applied_then_status", APIError)])
def test_applied_but_the_answer_was_lost(emu, ws, kind, error):
    """The client sees a failure although the row is in the sheet: retries must be idempotent."""
    emu.faults.add(kind, op="values.append")
    with pytest.raises(error):
        ws.append_row(["S-0001", "张三"])
    assert stored(emu, ws) == [["S-0001", "张三"]]


def test_write_quota_answers_429_after_n_writes(emu, ws, monkeypatch):
    """With a quota of 3 writes per window the 4th write gets Google's RESOURCE_EXHAUSTED; reads go on."""
    now = [time.monotonic()]  # the quota's clock, moved by hand: however slow the writes, they share the window
    monkeypatch.setattr(quota, "time", SimpleNamespace(monotonic=lambda: now[0]))
    emu.state.configure(write_quota_per_minute=3, quota_window_seconds=0.5)
    for i in range(3):
        ws.append_row([str(i)])
    with pytest.raises(APIError) as err:
        ws.update_acell("B1", "x")
    assert (err.value.code, err.value.error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert err.value.error["details"][0]["metadata"]["quota_limit"] == "WriteRequestsPerMinutePerUser"
    assert ws.get_all_values() == [["0"], ["1"], ["2"]]
    stats = emu.state.stats.snapshot(window=60)
    assert (stats["write_requests"], stats["writes_applied"], stats["quota_rejections"]) == (4, 3, 1)
    assert stats["max_write_requests_per_window"] == 4
    now[0] += 0.55
    ws.append_row(["3"])


def test_stats_count_every_kind_of_write(emu, ws):
    """append, update, values batchUpdate, clear and batchUpdate each count as one write request."""
    ws.append_row(["a"])
    ws.update([["b"]], "B1")
    ws.batch_update([{"range": "C1", "values": [["c"]]}])
    ws.batch_clear(["A1"])
    ws.freeze(rows=1)
    stats = emu.state.stats.snapshot()
    writes = {op: n for op, n in stats["requests"].items() if op.startswith(("values.", "spreadsheets.batch"))
              and op != "values.get"}
    assert writes == {"values.append": 1, "values.update": 1, "values.batchUpdate": 1,
                      "values.batchClear": 1, "spreadsheets.batchUpdate": 1}
    assert stats["write_requests"] == stats["writes_applied"] == 5


def test_stop_does_not_wait_for_a_delayed_request():
    """Stopping the emulator cuts a long injected delay short."""
    outcome = []
    with start_emulator(require_auth=False) as other:
        other.faults.add("delay", op="any", seconds=30)

        def call():
            with requests.Session() as s:
                try:
                    outcome.append(s.get(f"{other.url}/v4/spreadsheets/x", timeout=10).status_code)
                except requests.exceptions.ConnectionError as e:
                    outcome.append(type(e).__name__)

        worker = threading.Thread(target=call)
        worker.start()
        assert eventually(lambda: other.faults.list()[0]["fired"] == 1)
        started = time.monotonic()
    worker.join(timeout=5)
    assert time.monotonic() - started < 3 and not worker.is_alive() and outcome
