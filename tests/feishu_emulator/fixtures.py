"""pytest fixtures for tests that talk to the Feishu emulator; import the ones you use."""
from __future__ import annotations

from ..emulator_kit.fixtures import emulator_fixtures
from .server import start_emulator
from .state import DEFAULT_CREDENTIALS

APP_ID, APP_SECRET = next(iter(DEFAULT_CREDENTIALS.items()))
APP_TOKEN = "bascnTestBase0001"


# feishu_emulator: one per test module, with the empty base APP_TOKEN; feishu_emu: made fresh for each test
feishu_emulator, feishu_emu = emulator_fixtures("feishu_emulator", "feishu_emu",
                                                lambda: start_emulator(app_tokens=[APP_TOKEN]))


def feishu_settings(emu, app_token: str = APP_TOKEN) -> dict:
    """App settings delivering to the emulator's base through the Feishu backend."""
    return {"SHEET_BACKEND": "feishu", "FEISHU_APP_ID": APP_ID, "FEISHU_APP_SECRET": APP_SECRET,
            "FEISHU_APP_TOKEN": app_token, "FEISHU_API_BASE_URL": emu.url}


def sdk_client(emu, app_id: str = APP_ID, app_secret: str = APP_SECRET, timeout: float = 5.0):
    """The unmodified lark-oapi client, pointed at the emulator. The SDK caches tenant tokens per app_id
    for the whole process, so a token another (or a reset) emulator issued is dropped first."""
    import lark_oapi as lark
    from lark_oapi.core.token import TokenManager
    TokenManager.cache.set(f"self_tenant_token:{app_id}", "", 0)
    return lark.Client.builder().app_id(app_id).app_secret(app_secret).domain(emu.url).timeout(timeout).build()
