"""HTTP plumbing: the documented API under /cgi-bin/, GET /_records and /_stats, and the /_emulator/
control API (faults, config, reset, expiring tokens) for tests in other processes."""
from __future__ import annotations

import json
import socket
import sys
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import api
from .faults import FaultPlan
from .state import ApiError, State

GATEWAY = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
           "<hr><center>stgw</center></body></html>")


@dataclass
class Answer:
    status: int = 200
    body: object = None     # dict/list → JSON; str → HTML
    drop: bool = False      # close the connection without answering


def _err(code: int, msg: str) -> Answer:
    return Answer(200, {"errcode": code, "errmsg": msg})


class WeComEmulator:
    """A running emulator: its URL (WECOM_API_BASE_URL), state and faults."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, docs: list[str] = (),
                 credentials: dict[str, str] | None = None, verbose: bool = False, **limits):
        self.state = State(credentials, **limits)
        self.initial_docs = list(docs)
        self.state.reset(self.initial_docs)
        self.faults = FaultPlan()
        self.verbose = verbose
        self.host = host
        self._stopping = threading.Event()
        self._server = _Server((host, port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"wecom-emulator-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def records(self, title: str) -> list[dict] | None:
        """What GET /_records?table=TITLE returns (None: no such table)."""
        return self.state.records_as_text(title)

    def reset(self) -> None:
        """Forget faults, tokens, documents (the --doc ones come back empty) and counters."""
        self.faults.clear()
        self.state.reset(self.initial_docs)

    def sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "WeComEmulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- answering -------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: str, body: bytes) -> Answer:
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if path in ("/_records", "/_stats") or path.startswith("/_emulator/"):
            return self._control(method, path, params, body)
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
        if fault.kind == "status":
            return Answer(fault.status, GATEWAY.replace("502 Bad Gateway", f"{fault.status} Error"))
        if fault.kind == "drop":
            return Answer(drop=True)
        if fault.kind == "delay":
            result = safe() if fault.apply_first else None
            self.sleep(fault.seconds)
            return result or safe()
        safe()   # applied_then_*: the call took effect, its answer does not arrive
        if fault.kind == "applied_then_drop":
            return Answer(drop=True)
        if fault.kind == "applied_then_status":
            return Answer(fault.status, GATEWAY.replace("502 Bad Gateway", f"{fault.status} Error"))
        return self._refused(ApiError(fault.errcode, _ERRMSG.get(fault.errcode, "error")))

    def _control(self, method: str, path: str, params: dict, body: bytes) -> Answer:
        try:
            data = json.loads(body) if body.strip() else {}
            if path == "/_records":
                table = params.get("table", "")
                rows = self.records(table)
                if rows is None:
                    return Answer(404, {"error": f"no table titled {table!r}"})
                return Answer(200, rows)
            if path == "/_stats":
                return Answer(200, self.state.stats())
            parts = path[len("/_emulator/"):].strip("/").split("/")
            if parts == ["health"]:
                return Answer(200, {"ok": True, "url": self.url})
            if parts == ["reset"] and method == "POST":
                self.reset()
                return Answer(200, {"ok": True})
            if parts == ["expire_tokens"] and method == "POST":
                return Answer(200, {"expired": self.state.expire_tokens()})
            if parts == ["docs"] and method == "POST":
                return Answer(200, {"docid": self.state.create_document(data.get("docid") or None).docid})
            if parts == ["config"]:
                if method == "PUT":
                    return Answer(200, self.state.configure(**data))
                with self.state.lock:
                    return Answer(200, self.state.config_locked())
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


_ERRMSG = {-1: "system busy", 45009: "api freq out of limit", 45033: "api concurrent out of limit",
           6000: "data version conflict", 42001: "access_token expired", 40014: "invalid access_token"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "WeComEmulator"
    sys_version = ""

    def log_message(self, format, *args):
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def _dispatch(self):
        split = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.server.emulator.answer(self.command, split.path, split.query, body)
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
            data, ctype = json.dumps(answer.body, ensure_ascii=False).encode("utf-8"), "application/json; charset=UTF-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, emulator: WeComEmulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> WeComEmulator:
    """Start an emulator in this process (options: docs, credentials, verbose, token_ttl, rate_per_minute,
    rate_per_hour, max_records_per_call, max_rows, max_cells)."""
    return WeComEmulator(host, port, **options)
