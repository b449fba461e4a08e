"""The Feishu emulator on one port: the token call and the bitable v1 calls, GET /_records and /_stats,
and its own /_emulator/ endpoints (expire tokens, apps); the server and the common control endpoints
(health, reset, faults, config) are tests/emulator_kit's."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from ..emulator_kit.faults import network_fault
from ..emulator_kit.server import Answer, Emulator
from . import bitable
from .faults import FaultPlan
from .state import ApiError, State

TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
GATEWAY_PAGE = "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>"


def ok(data: dict | None = None) -> Answer:
    return Answer(200, {"code": 0, "msg": "success", "data": data if data is not None else {}})


def error(exc: ApiError) -> Answer:
    return Answer(exc.status, {"code": exc.code, "msg": exc.msg, "error": {"log_id": "emulator"}}, headers=exc.headers)


class FeishuEmulator(Emulator):
    """A running emulator: its URL (FEISHU_API_BASE_URL, lark-oapi's `domain`), state and faults;
    reset() forgets bases, tokens, faults and counters (the --app-token bases come back empty)."""

    name, server_version, inspect_paths = "feishu", "FeishuEmulator", ("/_records", "/_stats")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, credentials: dict[str, str] | None = None,
                 app_tokens=(), token_ttl: int = 7200, rate_limits: bool = True, max_batch: int | None = None,
                 verbose: bool = False):
        self.state = State(credentials, app_tokens=app_tokens, token_ttl=token_ttl, rate_limits=rate_limits,
                           **({"max_batch": max_batch} if max_batch else {}))
        self.faults = FaultPlan()
        super().__init__(host, port, verbose=verbose)

    def records(self, title: str) -> list[dict[str, str]] | None:
        """What GET /_records?table=TITLE returns (None: no such table)."""
        return self.state.records_of(title)

    # --- answering -------------------------------------------------------------------------

    def api(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Route one call to the service."""
        if path == TOKEN_PATH and method == "POST":
            return self._run("token", lambda: self._token(body))
        found = bitable.route(method, path)
        if found is None:
            return Answer(404, {"code": 404, "msg": "404 page not found"})
        op, params = found
        try:
            app_id = self.state.check_token(headers.get("Authorization"))
        except ApiError as exc:
            self.state.count(op)
            return error(exc)
        params_query = dict(parse_qsl(query, keep_blank_values=True))
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            self.state.count(op)
            return error(ApiError(400, 9499, "Bad Request"))
        if not isinstance(data, dict):
            data = {}

        def apply() -> Answer:
            with self.state.lock:
                try:
                    return ok(bitable.HANDLERS[op](self.state, *params, params_query, data))
                except ApiError as exc:
                    return error(exc)
        return self._run(op, apply, app_id=app_id)

    def _token(self, body: bytes) -> Answer:
        try:
            data = json.loads(body or b"{}")
            token, expire = self.state.issue_token(str(data.get("app_id") or ""), str(data.get("app_secret") or ""))
        except ApiError as exc:
            return Answer(exc.status, {"code": exc.code, "msg": exc.msg})
        except ValueError:
            return Answer(400, {"code": 9499, "msg": "Bad Request"})
        return Answer(200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": expire})

    def _run(self, op: str, apply, *, app_id: str = "") -> Answer:
        """Count the call, then apply it, or the fault that fires for it, or the rate-limit answer."""
        self.state.count(op)
        fault = self.faults.take(op)
        if fault is None:
            refused = self.state.admit(app_id, op) if app_id else None
            return error(refused) if refused else apply()
        if fault.kind == "rate_limit":
            return error(ApiError(429, 99991400, "request trigger frequency limit",
                                  {"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": "1"}))
        if fault.kind == "code":
            return error(ApiError(fault.status, fault.code, fault.msg or CODE_MESSAGES.get(fault.code, "error")))
        if fault.kind == "token_expired":
            return error(ApiError(400, 99991663, "Invalid access token for authorization. Please make a request with token attached."))
        return network_fault(fault, apply, self.sleep, self._failed)

    @staticmethod
    def _failed(fault) -> Answer:
        if fault.body == "html":
            return Answer(fault.status, GATEWAY_PAGE.format(status=fault.status))
        return error(ApiError(fault.status, fault.code or 1255001, fault.msg or "InternalError"))

    def control(self, method: str, path: str, parts: list[str], query: dict, data: dict) -> Answer | None:
        """GET /_records?table=TITLE, GET/DELETE /_stats; /_emulator/{expire-tokens,apps}."""
        if path == "/_records":
            rows = self.records(query.get("table", ""))
            if rows is None:
                return Answer(404, {"error": f"no table titled {query.get('table', '')!r}"})
            return Answer(200, rows)
        if path == "/_stats":
            if method == "DELETE":
                self.state.clear_stats()
                return Answer(200, {"ok": True})
            return Answer(200, self.state.stats())
        if parts == ["expire-tokens"] and method == "POST":
            return Answer(200, {"expired": self.state.expire_tokens()})
        if parts == ["apps"]:
            if method == "POST":
                return Answer(200, {"app_token": self.state.create_app(data.get("app_token")).app_token})
            with self.state.lock:
                return Answer(200, {"apps": {token: [t.name for t in app.tables] for token, app in self.state.apps.items()}})
        return None


CODE_MESSAGES = {1254290: "TooManyRequest", 1254291: "Write conflict", 1254607: "Data not ready, please try again later",
                 1255001: "InternalError", 1255002: "RpcError", 1255040: "请求超时，请稍后重试"}


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> FeishuEmulator:
    """Start an emulator in this process (options: credentials, app_tokens, token_ttl, rate_limits, max_batch, verbose)."""
    return FeishuEmulator(host, port, **options)
