"""A running emulator: one port for Sheets v4, Drive v3, the token endpoint and /_emulator/ control
(the server and the common control endpoints are tests/emulator_kit's)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

from ..emulator_kit.server import Answer, Emulator
from . import control
from .faults import FaultPlan
from .pipeline import respond
from .routes import ApiRequest
from .state import EmulatorState


class EmulatorHandle(Emulator):
    """A running emulator: its URL, state and faults, and the switches to refuse or stop
    (refuse_connections, resume_connections, stop); reset() forgets spreadsheets, tokens, counters and faults."""

    name, server_version = "sheets", "ESF"          # answers are written the way Google's front end does
    json_type, html_type = "application/json; charset=UTF-8", "text/html; charset=UTF-8"
    headers = {"Vary": "Origin, X-Origin, Referer"}

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, write_quota_per_minute: int | None = None,
                 quota_window_seconds: float = 60.0, require_auth: bool = True, verbose: bool = False):
        self.state = EmulatorState(write_quota_per_minute, quota_window_seconds, require_auth)
        self.faults = FaultPlan()
        super().__init__(host, port, verbose=verbose)

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint to put in a service-account file."""
        return self.url + "/token"

    def api(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Answer one API request the way Google would, unless a fault says otherwise."""
        req = ApiRequest(method, path, parse_qs(query, keep_blank_values=True), headers.get("Content-Type", ""), body)
        return respond(self.state, self.faults, req, headers.get("Authorization"), self.sleep)

    def control(self, method: str, path: str, parts: list[str], query: dict, data: dict) -> Answer | None:
        return control.respond(self.state, method, parts, query, data)

    def encode_json(self, body) -> bytes:
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> EmulatorHandle:
    """Start an emulator in this process; options: write_quota_per_minute, quota_window_seconds,
    require_auth, verbose. Use as a context manager or call .stop()."""
    return EmulatorHandle(host, port, **options)
