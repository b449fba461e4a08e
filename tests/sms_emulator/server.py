"""The SMS emulator on one port: both providers (told apart by their action header), GET /_messages and
its own /_emulator/ endpoints (messages, stats); the server and the common control endpoints (health,
reset, faults, config) are tests/emulator_kit's."""
from __future__ import annotations

from urllib.parse import parse_qsl

from ..emulator_kit.faults import network_fault
from ..emulator_kit.server import Answer, Emulator
from . import aliyun, tencent
from .faults import FaultPlan
from .state import State

JSON = "application/json"   # Tencent's API answers exactly this; Aliyun's is the emulator's json_type


class SmsEmulator(Emulator):
    """A running emulator: its URL (`endpoint` for the SDKs), state and faults; reset() forgets texts,
    faults and counters."""

    name, server_version, inspect_paths = "sms", "SmsEmulator", ("/_messages",)
    json_type = "application/json;charset=utf-8"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, keys: dict[str, str] | None = None,
                 receipt_delay: float = 0.0, daily_limit: int = 40, verbose: bool = False):
        self.state = State(keys, receipt_delay=receipt_delay, daily_limit=daily_limit)
        self.faults = FaultPlan()
        super().__init__(host, port, verbose=verbose)

    @property
    def endpoint(self) -> str:
        """What SMS_ENDPOINT is set to: host:port (the SDKs add the scheme)."""
        return f"{self.host}:{self.port}"

    def health(self) -> dict:
        return {"ok": True, "endpoint": self.endpoint}

    def messages(self) -> list[dict]:
        """What GET /_messages returns."""
        with self.state.lock:
            return [t.public() for t in self.state.texts]

    # --- answering -------------------------------------------------------------------------

    def api(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Route one request to its provider, told apart by the action header."""
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
        return network_fault(fault, apply, self.sleep, lambda f: failed(f.status))

    def control(self, method: str, path: str, parts: list[str], query: dict, data: dict) -> Answer | None:
        """GET/DELETE /_messages; /_emulator/{messages,stats}."""
        if path == "/_messages":
            if method == "DELETE":
                with self.state.lock:
                    self.state.texts.clear()
                return Answer(200, {"ok": True})
            return Answer(200, self.messages())
        if parts == ["messages"]:
            with self.state.lock:
                return Answer(200, [{**t.public(), "tag": t.tag, "serial": t.serial, "at": t.at}
                                    for t in self.state.texts])
        if parts == ["stats"]:
            with self.state.lock:
                return Answer(200, {"requests": dict(self.state.requests)})
        return None


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> SmsEmulator:
    """Start an emulator in this process (options: keys, receipt_delay, daily_limit, verbose)."""
    return SmsEmulator(host, port, **options)
