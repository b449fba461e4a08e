"""pytest fixtures for tests that use the WeCom smartsheet emulator; import the ones you use."""
from __future__ import annotations

import pytest

from .server import start_emulator
from .state import DEFAULT_CREDENTIALS

CORP_ID, CORP_SECRET = next(iter(DEFAULT_CREDENTIALS.items()))
DOC_ID = "dcTESTDOC"


@pytest.fixture(scope="module")
def wecom_emulator():
    """One emulator per test module (port chosen by the OS), with the empty document DOC_ID."""
    with start_emulator(docs=[DOC_ID]) as emu:
        yield emu


@pytest.fixture
def wecom_emu(wecom_emulator):
    """The module's emulator, empty, fault-free and with the documented limits, for each test."""
    wecom_emulator.reset()
    wecom_emulator.state.configure(token_ttl=7200, rate_per_minute=10_000, rate_per_hour=150_000,
                                   max_records_per_call=500, max_rows=100_000, max_cells=15_000_000)
    yield wecom_emulator
    wecom_emulator.reset()


def wecom_settings(emu) -> dict:
    """App settings delivering to the emulator's document."""
    return {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": CORP_ID, "WECOM_CORP_SECRET": CORP_SECRET,
            "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": emu.url}
