"""One fixture for every table backend: `backend` (parametrized google / wecom / feishu) starts that
service's emulator with an empty container, and `table_service` builds the real adapter from the
settings an operator would write. Tests written against them run on all three backends; a backend
whose adapter or emulator is not in this checkout is skipped with the reason.

The emulators are used only through their documented contracts: `python -m tests.wecom_emulator
--port 0 --doc DOCID`, `python -m tests.feishu_emulator --port 0 --app-token TOKEN` (each prints the
URL it listens on), default credentials, and `GET /_records?table=TITLE`. Google's is the in-process
Sheets emulator of conftest.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

import pytest

from tests.server import ROOT, stop_process

BACKENDS = ("google", "wecom", "feishu")
ADAPTERS = {"google": "forms_app.delivery.tables.google", "wecom": "forms_app.delivery.tables.wecom",
            "feishu": "forms_app.delivery.tables.feishu"}
EMULATORS = {"wecom": "tests.wecom_emulator", "feishu": "tests.feishu_emulator"}
DOC_ID = "dcSharedTableDoc"
APP_TOKEN = "bascnSharedTable01"
SHEET_KEY = "SHARED-TABLE"
TIMEOUT = 5.0  # seconds per call: the machine running the tests may be busy


def missing_parts(name: str) -> str:
    """Why this backend cannot be tested here ('' when it can)."""
    wanted = [ADAPTERS[name]] + ([EMULATORS[name]] if name in EMULATORS else [])
    try:
        absent = [module for module in wanted if importlib.util.find_spec(module) is None]
    except ModuleNotFoundError as exc:
        absent = [exc.name]
    return f"{name}: not in this checkout ({', '.join(absent)})" if absent else ""


@dataclass
class Backend:
    """A running emulator and the settings that point an app at its empty container."""

    name: str
    url: str
    settings: dict
    shown: Callable[[str], list[dict]]           # table title -> records as {title: plain text}, table order
    extra: dict = field(default_factory=dict)    # backend-specific handles (Google: the emulator object)


def _spawn(module: str, args: list[str]) -> tuple[subprocess.Popen, str]:
    """Start an emulator process on a free port; (process, url) once it says where it listens."""
    proc = subprocess.Popen([sys.executable, "-m", module, "--port", "0", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"https?://[\w.\-]+:\d+", line)
        if found:
            return proc, found.group(0)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"{module} did not start: {line!r} {proc.stderr.read()[-2000:]!r}")


def http_records(url: str, title: str) -> list[dict]:
    """GET /_records?table=TITLE: every record of that table as {field title: plain text}."""
    query = urllib.parse.urlencode({"table": title})
    with urllib.request.urlopen(f"{url}/_records?{query}", timeout=TIMEOUT) as answer:
        return json.loads(answer.read().decode("utf-8"))


def _google(request) -> Backend:
    from tests.conftest import sheet_values

    emu = request.getfixturevalue("emu")
    key_file = request.getfixturevalue("key_file")
    emu.state.create_spreadsheet("延吉社区大管家", spreadsheet_id=SHEET_KEY)

    def shown(title: str) -> list[dict]:
        values = [row for row in emu.state.dump_values(SHEET_KEY, title)["values"]]
        header = values[0] if values else []
        rows = [row for row in values[1:] if any(row)]
        return [{h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h} for row in rows]

    settings = {"SHEET_BACKEND": "google", "GOOGLE_SERVICE_ACCOUNT_FILE": str(key_file),
                "SHEETS_SPREADSHEET_KEY": SHEET_KEY, "SHEETS_API_BASE_URL": emu.url, "SHEETS_TIMEOUT": TIMEOUT}
    return Backend("google", emu.url, settings, shown, {"emu": emu, "values": sheet_values})


def _forget_feishu_tokens(app_id: str) -> None:
    """lark-oapi caches tenant tokens per app id for the whole process: one from an earlier emulator is void."""
    try:
        from lark_oapi.core.token import TokenManager
    except ImportError:
        return
    TokenManager.cache.set(f"self_tenant_token:{app_id}", "", 0)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each backend in turn: its emulator with an empty container, and the settings pointing at it."""
    name = request.param
    reason = missing_parts(name)
    if reason:
        pytest.skip(reason)
    if name == "google":
        yield _google(request)
        return
    if name == "wecom":
        proc, url = _spawn(EMULATORS[name], ["--doc", DOC_ID])
        settings = {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "test-corp", "WECOM_CORP_SECRET": "test-secret",
                    "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": url, "SHEETS_TIMEOUT": TIMEOUT}
    else:
        proc, url = _spawn(EMULATORS[name], ["--app-token", APP_TOKEN])
        _forget_feishu_tokens("cli_test")
        settings = {"SHEET_BACKEND": "feishu", "FEISHU_APP_ID": "cli_test", "FEISHU_APP_SECRET": "test-secret",
                    "FEISHU_APP_TOKEN": APP_TOKEN, "FEISHU_API_BASE_URL": url, "SHEETS_TIMEOUT": TIMEOUT}
    try:
        yield Backend(name, url, settings, lambda title: http_records(url, title), {"process": proc})
    finally:
        stop_process(proc)


@pytest.fixture
def table_service(backend):
    """The real adapter for this backend, built as the app builds it (service_from_config)."""
    from forms_app.delivery.tables import service_from_config

    service = service_from_config(backend.settings)
    yield service
    service.close()


@pytest.fixture
def table_app(backend, app_config):
    """An app delivering to this backend, its tables set up (sheet-setup) — sessions not seeded."""
    from forms_app import create_app
    from forms_app.delivery.sheet_setup import setup
    from forms_app.delivery.tables import service_from_config

    app = create_app({**app_config, **backend.settings})
    service = service_from_config(app.config)
    with app.app_context():
        setup(service)
    service.close()
    return app
