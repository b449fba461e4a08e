"""pytest fixtures for tests that use the WeCom smartsheet emulator; import the ones you use."""
from __future__ import annotations

from ..emulator_kit.fixtures import emulator_fixtures
from .server import start_emulator
from .state import DEFAULT_CREDENTIALS

CORP_ID, CORP_SECRET = next(iter(DEFAULT_CREDENTIALS.items()))
DOC_ID = "dcTESTDOC"


def documented_limits(emu) -> None:
    """Put back the documented token lifetime, rate and table limits a test may have changed."""
    emu.state.configure(token_ttl=7200, rate_per_minute=10_000, rate_per_hour=150_000,
                        max_records_per_call=500, max_rows=100_000, max_cells=15_000_000)


# wecom_emulator: one per test module, with the empty document DOC_ID; wecom_emu: made fresh for each test
wecom_emulator, wecom_emu = emulator_fixtures("wecom_emulator", "wecom_emu", lambda: start_emulator(docs=[DOC_ID]),
                                              documented_limits)


def wecom_settings(emu) -> dict:
    """App settings delivering to the emulator's document."""
    return {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": CORP_ID, "WECOM_CORP_SECRET": CORP_SECRET,
            "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": emu.url}
