"""The WeCom emulator on one port: the documented API under /cgi-bin/, GET /_records and /_stats, and
its own /_emulator/ endpoints (expiring tokens, docs); the server and the common control endpoints
(health, reset, faults, config) are tests/emulator_kit's."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

from ..emulator_kit.faults import network_fault
from ..emulator_kit.server import Answer, Emulator
from . import api
from .faults import FaultPlan
from .state import ApiError, State

GATEWAY = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
           "<hr><center>stgw</center></body></html>")


def _err(code: int, msg: str) -> Answer:
    return Answer(200, {"errcode": code, "errmsg": msg})


class WeComEmulator(Emulator):
    """A running emulator: its URL (WECOM_API_BASE_URL), state and faults."""

    name, server_version, inspect_paths = "wecom", "WeComEmulator", ("/_records", "/_stats")
    json_type = "application/json; charset=UTF-8"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, docs: list[str] = (),
                 credentials: dict[str, str] | None = None, verbose: bool = False, **limits):
        self.state = State(credentials, **limits)
        self.initial_docs = list(docs)
        self.state.reset(self.initial_docs)
        self.faults = FaultPlan()
        super().__init__(host, port, verbose=verbose)

    def records(self, title: str) -> list[dict] | None:
        """What GET /_records?table=TITLE returns (None: no such table)."""
        return self.state.records_as_text(title)

    def reset(self) -> None:
        """Forget faults, tokens, documents (the --doc ones come back empty) and counters."""
        self.faults.clear()
        self.state.reset(self.initial_docs)

    # --- answering -------------------------------------------------------------------------

    def api(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        name = "gettoken" if path == "/cgi-bin/gettoken" else api.PATHS.get(path)
        if name is None:
            return Answer(404, {"errcode": 404, "errmsg": f"no such api {path}"})
        with self.state.lock:
            self.state.calls[name] += 1
        if name == "gettoken":
            return self._run("gettoken", lambda: self._token(params))
        if method != "POST":
            return Answer(405, {"errcode": 405, "errmsg": "the smartsheet API takes POST"})
        return self._call(name, params.get("access_token", ""), body)

    def _token(self, params) -> Answer:
        token, ttl = self.state.issue_token(params.get("corpid", ""), params.get("corpsecret", ""))
        return Answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": ttl})

    def _call(self, name: str, token: str, raw: bytes) -> Answer:
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return self._refused(ApiError(40058, "invalid Request Parameter, Warning: wrong json format."))

        def apply() -> Answer:
            with self.state.lock:
                result = api.HANDLERS[name](self.state, body)
            return Answer(200, {"errcode": 0, "errmsg": "ok", **result})

        try:
            corp = self.state.check_token(token)
            self.state.admit(corp, name)
        except ApiError as exc:
            return self._refused(exc)
        return self._run(name, apply)

    def _refused(self, exc: ApiError) -> Answer:
        with self.state.lock:
            self.state.errcodes[exc.code] += 1
        return _err(exc.code, exc.msg)

    def _run(self, name: str, apply) -> Answer:
        """Apply the call, or the fault that fires for it; errcode answers are counted."""

        def safe() -> Answer:
            try:
                return apply()
            except ApiError as exc:
                return self._refused(exc)

        fault = self.faults.take(name)
        if fault is None:
            return safe()
        if fault.kind == "errcode":
            return self._refused(ApiError(fault.errcode, _ERRMSG.get(fault.errcode, "error")))
        if fault.kind == "expire_token":
            self.state.expire_tokens()
            if name == "gettoken":   # it takes no token: the old ones expire, a new one is issued
                return safe()
            return self._refused(ApiError(42001, "access_token expired"))
        if fault.kind == "applied_then_errcode":   # the call took effect, its answer does not arrive
            safe()
            return self._refused(ApiError(fault.errcode, _ERRMSG.get(fault.errcode, "error")))
        return network_fault(fault, safe, self.sleep,
                             lambda f: Answer(f.status, GATEWAY.replace("502 Bad Gateway", f"{f.status} Error")))

    def control(self, method: str, path: str, parts: list[str], query: dict, data: dict) -> Answer | None:
        """GET /_records?table=TITLE, GET /_stats; /_emulator/{expire_tokens,docs}."""
        if path == "/_records":
            table = query.get("table", "")
            rows = self.records(table)
            if rows is None:
                return Answer(404, {"error": f"no table titled {table!r}"})
            return Answer(200, rows)
        if path == "/_stats":
            return Answer(200, self.state.stats())
        if parts == ["expire_tokens"] and method == "POST":
            return Answer(200, {"expired": self.state.expire_tokens()})
        if parts == ["docs"] and method == "POST":
            return Answer(200, {"docid": self.state.create_document(data.get("docid") or None).docid})
        return None


_ERRMSG = {-1: "system busy", 45009: "api freq out of limit", 45033: "api concurrent out of limit",
           6000: "data version conflict", 42001: "access_token expired", 40014: "invalid access_token"}


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> WeComEmulator:
    """Start an emulator in this process (options: docs, credentials, verbose, token_ttl, rate_per_minute,
    rate_per_hour, max_records_per_call, max_rows, max_cells)."""
    return WeComEmulator(host, port, **options)
