"""pytest fixtures for tests that send texts through the emulator; import the ones you use."""
from __future__ import annotations

from ..emulator_kit.fixtures import emulator_fixtures
from .server import start_emulator
from .state import DEFAULT_KEYS

KEY_ID, KEY_SECRET = next(iter(DEFAULT_KEYS.items()))
TEMPLATES = {"aliyun": {"accepted": "SMS_480001", "status": "SMS_480002", "followup": "SMS_480003",
                        "promoted": "SMS_480004", "reminder": "SMS_480005"},
             "tencent": {"accepted": "2100001", "status": "2100002", "followup": "2100003",
                         "promoted": "2100004", "reminder": "2100005"}}


# sms_emulator: one per test module; sms_emu: made fresh for each test, with the default daily cap and no receipt delay
sms_emulator, sms_emu = emulator_fixtures("sms_emulator", "sms_emu", start_emulator,
                                          lambda emu: emu.state.configure(daily_limit=40, receipt_delay=0.0))


def sms_settings(provider: str, emu) -> dict:
    """App settings sending every notice through `provider` on the emulator."""
    return {"SMS_PROVIDER": provider, "SMS_ACCESS_KEY_ID": KEY_ID, "SMS_ACCESS_KEY_SECRET": KEY_SECRET,
            "SMS_SIGN_NAME": "延吉新村街道", "SMS_SDK_APP_ID": "1400000001" if provider == "tencent" else "",
            "SMS_ENDPOINT": f"http://{emu.endpoint}",
            **{f"SMS_TEMPLATE_{kind.upper()}": code for kind, code in TEMPLATES[provider].items()}}
