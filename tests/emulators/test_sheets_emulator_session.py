"""forms_app.delivery.google_session pointed at the emulator: every Google call lands there, nothing goes out."""
from __future__ import annotations

import time

import pytest

from forms_app.delivery.google_session import redirect
from tests.sheets_emulator.fixtures import emu, emulator, gc, key_file, service_account  # noqa: F401


@pytest.mark.parametrize("url, expected", [
    ("https://sheets.googleapis.com/v4/spreadsheets/k?includeGridData=false",
     "http://127.0.0.1:9/v4/spreadsheets/k?includeGridData=false"),
    ("https://www.googleapis.com/drive/v3/files/k", "http://127.0.0.1:9/drive/v3/files/k"),
    ("https://oauth2.googleapis.com/token", "http://127.0.0.1:9/token"),
    ("https://example.com/drive/v3/files", "https://example.com/drive/v3/files"),
])
def test_redirect_rewrites_only_google_api_hosts(url, expected):
    """Scheme and host change for Google API hosts; anything else is left alone."""
    assert redirect(url, "http://127.0.0.1:9") == expected


def test_no_base_url_means_google_itself():
    """Without a base URL the session talks to Google."""
    url = "https://sheets.googleapis.com/v4/spreadsheets/k"
    assert redirect(url, None) == url


def test_google_auth_side_calls_reach_the_emulator(emu, gc):
    """The token and google-auth's background access-boundary lookup go to the emulator too."""
    gc.create("x")
    deadline = time.monotonic() + 3
    while "iam.allowedLocations" not in emu.state.stats.snapshot()["requests"] and time.monotonic() < deadline:
        time.sleep(0.02)
    requests_seen = emu.state.stats.snapshot()["requests"]
    assert requests_seen["token"] == 1 and requests_seen["iam.allowedLocations"] == 1
