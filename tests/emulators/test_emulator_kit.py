"""The parts the four service emulators share (tests/emulator_kit/) behave alike on each of them."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from tests.feishu_emulator import start_emulator as start_feishu
from tests.sheets_emulator import start_emulator as start_sheets
from tests.sms_emulator import start_emulator as start_sms
from tests.wecom_emulator import start_emulator as start_wecom

STARTERS = {"sheets": start_sheets, "wecom": start_wecom, "feishu": start_feishu, "sms": start_sms}
# One call per emulator that reaches its fault plan unsigned (the SMS providers' calls must be signed:
# tests/emulators/test_sms_emulator.py plays its faults through the SDKs).
CALLS = {"sheets": ("GET", "/v4/spreadsheets/abc", {"Authorization": "Bearer t"}),
         "wecom": ("GET", "/cgi-bin/gettoken?corpid=x&corpsecret=y", {}),
         "feishu": ("POST", "/open-apis/auth/v3/tenant_access_token/internal", {})}


@pytest.fixture(params=sorted(STARTERS))
def emu(request):
    with STARTERS[request.param]() as running:
        yield running


@pytest.fixture(params=sorted(CALLS))
def emu_and_call(request):
    with STARTERS[request.param]() as running:
        method, path, headers = CALLS[request.param]
        yield running, lambda timeout=5: requests.request(method, running.url + path, headers=headers, timeout=timeout)


def test_faults_are_added_listed_and_removed_one_by_one_over_http(emu):
    control = emu.url + "/_emulator/faults"
    first = requests.post(control, json={"kind": "drop", "op": "any", "times": None}, timeout=5).json()["fault"]
    second = requests.post(control, json={"kind": "delay", "op": "any", "seconds": 0.1}, timeout=5).json()["fault"]
    assert first["id"] != second["id"] and {"seen", "fired", "times", "after"} <= set(first)
    assert requests.delete(f"{control}/{first['id']}", timeout=5).status_code == 200
    assert [f["id"] for f in requests.get(control, timeout=5).json()["faults"]] == [second["id"]]
    assert requests.delete(f"{control}/{first['id']}", timeout=5).status_code == 404
    assert requests.delete(control, timeout=5).json() == {"ok": True} and emu.faults.list() == []


@pytest.mark.parametrize("method, path, body, status", [
    ("GET", "/_emulator/health", b"", 200),
    ("GET", "/_emulator/config", b"", 200),
    ("POST", "/_emulator/reset", b"", 200),
    ("POST", "/_emulator/faults", b"{not json", 400),
    ("POST", "/_emulator/faults", b'{"kind": "nonsense"}', 400),
    ("POST", "/_emulator/faults", b'{"kind": "drop", "op": "no-such-op"}', 400),
    ("GET", "/_emulator/no-such-endpoint", b"", 404),
])
def test_the_common_control_endpoints_answer_json_alike(emu, method, path, body, status):
    answer = requests.request(method, emu.url + path, data=body, timeout=5)
    assert answer.status_code == status and isinstance(answer.json(), dict)
    if status >= 400:
        assert "error" in answer.json()


def test_a_dropped_connection_gets_no_answer_and_the_next_call_does(emu_and_call):
    emu, call = emu_and_call
    emu.faults.add("drop", "any")
    with pytest.raises(requests.ConnectionError):
        call()
    assert call().status_code < 500 and emu.faults.list()[0]["fired"] == 1


def test_refused_connections_come_back_on_the_same_port(emu):
    emu.refuse_connections(1.0)  # long enough that a stalled test still meets the refusal
    assert not emu.listening
    with pytest.raises(OSError), socket.create_connection((emu.host, emu.port), timeout=1):
        pass
    deadline = time.monotonic() + 5
    while not emu.listening and time.monotonic() < deadline:
        time.sleep(0.05)
    assert requests.get(emu.url + "/_emulator/health", timeout=5).json()["ok"] is True


def test_stopping_cuts_a_delay_short(emu_and_call):
    emu, call = emu_and_call
    emu.faults.add("delay", "any", seconds=30)
    outcome = []
    waiting = threading.Thread(target=lambda: outcome.append(_quietly(call)))
    waiting.start()
    deadline = time.monotonic() + 5
    while not emu.faults.list()[0]["fired"] and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    emu.stop()
    waiting.join(10)
    assert time.monotonic() - started < 5 and not waiting.is_alive() and outcome


def _quietly(call):
    try:
        return call(timeout=10).status_code
    except requests.RequestException as exc:
        return type(exc).__name__
