"""pytest fixtures for tests that send texts through the emulator; import the ones you use."""
from __future__ import annotations

import pytest

from .server import start_emulator
from .state import DEFAULT_KEYS

KEY_ID, KEY_SECRET = next(iter(DEFAULT_KEYS.items()))
TEMPLATES = {"aliyun": {"accepted": "SMS_480001", "status": "SMS_480002", "followup": "SMS_480003",
                        "promoted": "SMS_480004", "reminder": "SMS_480005"},
             "tencent": {"accepted": "2100001", "status": "2100002", "followup": "2100003",
                         "promoted": "2100004", "reminder": "2100005"}}


@pytest.fixture(scope="module")
def sms_emulator():
    """One SMS emulator per test module (port chosen by the OS)."""
    with start_emulator() as emu:
        yield emu


@pytest.fixture
def sms_emu(sms_emulator):
    """The module's emulator, empty and fault-free for each test."""
    sms_emulator.reset()
    sms_emulator.state.configure(daily_limit=40, receipt_delay=0.0)
    yield sms_emulator
    sms_emulator.reset()


def sms_settings(provider: str, emu) -> dict:
    """App settings sending every notice through `provider` on the emulator."""
    return {"SMS_PROVIDER": provider, "SMS_ACCESS_KEY_ID": KEY_ID, "SMS_ACCESS_KEY_SECRET": KEY_SECRET,
            "SMS_SIGN_NAME": "延吉新村街道", "SMS_SDK_APP_ID": "1400000001" if provider == "tencent" else "",
            "SMS_ENDPOINT": f"http://{emu.endpoint}",
            **{f"SMS_TEMPLATE_{kind.upper()}": code for kind, code in TEMPLATES[provider].items()}}
