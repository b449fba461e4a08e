"""pytest fixtures for tests that talk to the emulator; import the ones you use into a test module."""
from __future__ import annotations

import json

import gspread
import pytest
import requests
from google.oauth2.service_account import Credentials

from forms_app.delivery.google_session import make_session

from ..emulator_kit.fixtures import emulator_fixtures
from .credentials import DEFAULT_CLIENT_EMAIL, service_account_info
from .server import start_emulator


def listening_with_default_options(emu) -> None:
    """Listen again (after refuse_connections) with no quota and auth required."""
    emu.resume_connections()
    emu.state.configure(write_quota_per_minute=None, quota_window_seconds=60.0, require_auth=True)


# emulator: one per test module; emu: made fresh for each test, and put back afterwards
emulator, emu = emulator_fixtures("emulator", "emu", start_emulator, listening_with_default_options)


@pytest.fixture(scope="module")
def service_account(emulator):
    """A service-account JSON (fresh RSA key) pointing at the emulator, and its public key."""
    return service_account_info(emulator.token_uri)


@pytest.fixture
def key_file(emu, service_account, tmp_path):
    """The service-account JSON written to disk, its key registered so signatures are checked."""
    info, public_pem = service_account
    emu.state.register_service_account(info["client_email"], public_pem)
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


@pytest.fixture
def gc(emu, key_file):
    """A real gspread client whose traffic goes to the emulator through make_session."""
    creds = Credentials.from_service_account_file(key_file, scopes=gspread.auth.DEFAULT_SCOPES)
    session = make_session(creds, emu.url)
    yield gspread.Client(auth=creds, session=session)
    session.close()


@pytest.fixture
def http():
    """A plain requests session (closed after the test)."""
    with requests.Session() as s:
        yield s


__all__ = ["DEFAULT_CLIENT_EMAIL", "emu", "emulator", "gc", "http", "key_file", "service_account"]
