"""HTTP plumbing: one port answers both providers (told apart by their action header), GET /_messages
and the /_emulator/ control API (faults, config, reset) for tests in other processes."""
from __future__ import annotations

import json
import socket
import sys
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import aliyun, tencent
from .faults import FaultPlan
from .state import State

JSON = "application/json"


@dataclass
class Answer:
    status: int = 200
    body: object = None     # dict → JSON; str → HTML
    drop: bool = False      # close the connection without answering
    ctype: str = "application/json;charset=utf-8"  # Tencent's API answers exactly "application/json"


class SmsEmulator:
    """A running emulator: its URL (`endpoint` for the SDKs), state and faults."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, keys: dict[str, str] | None = None,
                 receipt_delay: float = 0.0, daily_limit: int = 40, verbose: bool = False):
        self.state = State(keys, receipt_delay=receipt_delay, daily_limit=daily_limit)
        self.faults = FaultPlan()
        self.verbose = verbose
        self.host = host
        self._stopping = threading.Event()
        self._server = _Server((host, port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sms-emulator-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """What SMS_ENDPOINT is set to: host:port (the SDKs add the scheme)."""
        return f"{self.host}:{self.port}"

    def messages(self) -> list[dict]:
        """What GET /_messages returns."""
        with self.state.lock:
            return [t.public() for t in self.state.texts]

    def reset(self) -> None:
        """Forget texts, faults, counters."""
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

    def __enter__(self) -> "SmsEmulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- answering -------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Route one request."""
        if path == "/_messages" or path.startswith("/_emulator/"):
            return self._control(method, path, body)
        if headers.get("x-acs-action") or "Signature" in dict(parse_qsl(query)):
            return self._aliyun(method, path, query, headers, body)
        if headers.get("X-TC-Action"):
            return self._tencent(method, headers, body)
        return Answer(404, {"error": "not an Aliyun (x-acs-action) or Tencent (X-TC-Action) API request"})

    def _aliyun(self, method, path, query, headers, body) -> Answer:
        params = dict(parse_qsl(query, keep_blank_values=True))
        if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        refused = aliyun.verify(self.state, method, path, params, headers, body)
        if refused:
            return Answer(*refused)
        action = headers.get("x-acs-action") or params.get("Action", "")
        if action not in aliyun.HANDLERS:
            return Answer(*aliyun.error(404, "InvalidAction.NotFound", f"Specified api {action} is not found."))
        return self._run("aliyun", action, lambda: Answer(*aliyun.HANDLERS[action](self.state, params)),
                         throttled=lambda: Answer(*aliyun.THROTTLED()),
                         refused=lambda code: Answer(*aliyun.refusal(code)),
                         failed=lambda status: Answer(*aliyun.UNAVAILABLE(status)))

    def _tencent(self, method, headers, body) -> Answer:
        refused = tencent.verify(self.state, method, headers, body)
        if refused:
            return Answer(*refused, ctype=JSON)
        action, params = headers.get("X-TC-Action"), tencent.parse(body)
        if params is None:
            return Answer(*tencent.error("InvalidParameter", "参数错误：请求体不是合法的 JSON。"), ctype=JSON)
        if action not in tencent.HANDLERS:
            return Answer(*tencent.error("InvalidAction", f"接口不存在。The action `{action}` is not found."), ctype=JSON)
        return self._run("tencent", action, lambda: Answer(*tencent.HANDLERS[action](self.state, params), ctype=JSON),
                         throttled=lambda: Answer(*tencent.THROTTLED(), ctype=JSON),
                         refused=lambda code: Answer(*tencent.refusal(code, params), ctype=JSON),
                         failed=lambda status: Answer(status, tencent.GATEWAY.replace("502", str(status))))

    def _run(self, provider: str, action: str, apply, throttled, failed, refused) -> Answer:
        """Apply the action, or the fault that fires for it."""
        self.state.count(provider, action)
        fault = self.faults.take(provider, action)
        if fault is None:
            return apply()
        if fault.kind == "throttle":
            return throttled()
        if fault.kind == "refuse":
            return refused(fault.code)
        if fault.kind == "status":
            return failed(fault.status)
        if fault.kind == "drop":
            return Answer(drop=True)
        if fault.kind == "delay":
            result = apply() if fault.apply_first else None
            self.sleep(fault.seconds)
            return result or apply()
        result = apply()  # applied_then_drop / applied_then_status: the text went, the answer does not
        return Answer(drop=True) if fault.kind == "applied_then_drop" else failed(fault.status)

    def _control(self, method: str, path: str, body: bytes) -> Answer:
        """GET/DELETE /_messages; /_emulator/{messages,faults,config,stats,reset,health}."""
        try:
            data = json.loads(body) if body.strip() else {}
            if path == "/_messages":
                if method == "DELETE":
                    with self.state.lock:
                        self.state.texts.clear()
                    return Answer(200, {"ok": True})
                return Answer(200, self.messages())
            parts = path[len("/_emulator/"):].strip("/").split("/")
            if parts == ["health"]:
                return Answer(200, {"ok": True, "endpoint": self.endpoint})
            if parts == ["reset"] and method == "POST":
                self.reset()
                return Answer(200, {"ok": True})
            if parts == ["messages"]:
                with self.state.lock:
                    return Answer(200, [{**t.public(), "tag": t.tag, "serial": t.serial, "at": t.at}
                                        for t in self.state.texts])
            if parts == ["stats"]:
                with self.state.lock:
                    return Answer(200, {"requests": dict(self.state.requests)})
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SmsEmulator"
    sys_version = ""

    def log_message(self, format, *args):
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def _dispatch(self):
        split = urlsplit(self.path)
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
            data, ctype = json.dumps(answer.body, ensure_ascii=False).encode("utf-8"), answer.ctype
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

    def __init__(self, address, emulator: SmsEmulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> SmsEmulator:
    """Start an emulator in this process (options: keys, receipt_delay, daily_limit, verbose)."""
    return SmsEmulator(host, port, **options)
