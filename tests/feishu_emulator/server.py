"""HTTP plumbing: the token call and the bitable v1 calls on one port, GET /_records and /_stats,
and the /_emulator/ control API (faults, expire tokens, config, reset) for tests in other processes."""
from __future__ import annotations

import json
import socket
import sys
import threading
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import bitable
from .faults import FaultPlan
from .state import ApiError, State

TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
JSON_TYPE = "application/json; charset=utf-8"
GATEWAY_PAGE = "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>"


@dataclass
class Answer:
    status: int = 200
    body: object = None          # dict/list → JSON; str → HTML
    drop: bool = False           # close the connection without answering
    headers: dict = field(default_factory=dict)


def ok(data: dict | None = None) -> Answer:
    return Answer(200, {"code": 0, "msg": "success", "data": data if data is not None else {}})


def error(exc: ApiError) -> Answer:
    return Answer(exc.status, {"code": exc.code, "msg": exc.msg, "error": {"log_id": "emulator"}}, headers=exc.headers)


class FeishuEmulator:
    """A running emulator: its URL (FEISHU_API_BASE_URL), state and faults."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, credentials: dict[str, str] | None = None,
                 app_tokens=(), token_ttl: int = 7200, rate_limits: bool = True, max_batch: int | None = None,
                 verbose: bool = False):
        self.state = State(credentials, app_tokens=app_tokens, token_ttl=token_ttl, rate_limits=rate_limits,
                           **({"max_batch": max_batch} if max_batch else {}))
        self.faults = FaultPlan()
        self.verbose = verbose
        self.host = host
        self._stopping = threading.Event()
        self._server = _Server((host, port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"feishu-emulator-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """What FEISHU_API_BASE_URL is set to (lark-oapi's `domain`)."""
        return f"http://{self.host}:{self.port}"

    def records(self, title: str) -> list[dict[str, str]] | None:
        """What GET /_records?table=TITLE returns (None: no such table)."""
        return self.state.records_of(title)

    def reset(self) -> None:
        """Forget bases, tokens, faults and counters (the --app-token bases come back empty)."""
        self.faults.clear()
        self.state.reset()

    def sleep(self, seconds: float) -> None:
        """A delay fault's wait, cut short when the emulator stops."""
        self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "FeishuEmulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- answering -------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Route one request."""
        if path in ("/_records", "/_stats") or path.startswith("/_emulator/"):
            return self._control(method, path, dict(parse_qsl(query)), body)
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
        if fault.kind == "status":
            return self._failed(fault)
        if fault.kind == "drop":
            return Answer(drop=True)
        if fault.kind == "delay":
            result = apply() if fault.apply_first else None
            self.sleep(fault.seconds)
            return result or apply()
        apply()  # applied_then_drop / applied_then_status: applied, but the answer is lost
        return Answer(drop=True) if fault.kind == "applied_then_drop" else self._failed(fault)

    @staticmethod
    def _failed(fault) -> Answer:
        if fault.body == "html":
            return Answer(fault.status, GATEWAY_PAGE.format(status=fault.status))
        return error(ApiError(fault.status, fault.code or 1255001, fault.msg or "InternalError"))

    def _control(self, method: str, path: str, query: dict, body: bytes) -> Answer:
        """GET /_records?table=TITLE, GET/DELETE /_stats; /_emulator/{health,reset,faults,expire-tokens,config,apps}."""
        try:
            data = json.loads(body) if body.strip() else {}
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
            parts = path[len("/_emulator/"):].strip("/").split("/")
            if parts == ["health"]:
                return Answer(200, {"ok": True, "url": self.url})
            if parts == ["reset"] and method == "POST":
                self.reset()
                return Answer(200, {"ok": True})
            if parts == ["expire-tokens"] and method == "POST":
                return Answer(200, {"expired": self.state.expire_tokens()})
            if parts == ["apps"]:
                if method == "POST":
                    return Answer(200, {"app_token": self.state.create_app(data.get("app_token")).app_token})
                with self.state.lock:
                    return Answer(200, {"apps": {token: [t.name for t in app.tables] for token, app in self.state.apps.items()}})
            if parts == ["config"]:
                if method == "PUT":
                    with self.state.lock:
                        for key in ("token_ttl", "max_batch"):
                            if key in data:
                                setattr(self.state, key, int(data[key]))
                        if "rate_limits" in data:
                            if isinstance(data["rate_limits"], dict):
                                self.state.rate_limits.update({k: int(v) for k, v in data["rate_limits"].items()})
                            else:
                                self.state.rate_limits_on = bool(data["rate_limits"])
                with self.state.lock:
                    return Answer(200, {"token_ttl": self.state.token_ttl, "max_batch": self.state.max_batch,
                                        "rate_limits_on": self.state.rate_limits_on, "rate_limits": self.state.rate_limits})
            if parts == ["faults"]:
                if method == "POST":
                    return Answer(200, {"fault": asdict(self.faults.add(**data))})
                if method == "DELETE":
                    self.faults.clear()
                    return Answer(200, {"ok": True})
                return Answer(200, {"faults": self.faults.list()})
        except (ValueError, TypeError, KeyError) as exc:
            return Answer(400, {"error": f"{type(exc).__name__}: {exc}"})
        return Answer(404, {"error": f"no control endpoint {method} {path}"})


CODE_MESSAGES = {1254290: "TooManyRequest", 1254291: "Write conflict", 1254607: "Data not ready, please try again later",
                 1255001: "InternalError", 1255002: "RpcError", 1255040: "请求超时，请稍后重试"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FeishuEmulator"
    sys_version = ""

    def log_message(self, format, *args):
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def _dispatch(self):
        path = self.path
        try:  # http.server reads the request line as Latin-1; a client may send UTF-8 unescaped (curl '…?table=问题登记')
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        split = urlsplit(path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.server.emulator.answer(self.command, split.path, split.query, self.headers, body)
        if answer.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if isinstance(answer.body, str):
            data, ctype = answer.body.encode("utf-8"), "text/html"
        else:
            data, ctype = json.dumps(answer.body, ensure_ascii=False).encode("utf-8"), JSON_TYPE
        self.send_response(answer.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, emulator: FeishuEmulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> FeishuEmulator:
    """Start an emulator in this process (options: credentials, app_tokens, token_ttl, rate_limits, max_batch, verbose)."""
    return FeishuEmulator(host, port, **options)
