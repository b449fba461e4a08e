"""Fault injection: make chosen requests fail the ways the providers and networks fail.

Kinds (what happens to a matching request):
  throttle             the provider's throttling answer (Aliyun 400 Throttling.User, Tencent RequestLimitExceeded); nothing sent
  status               answer HTTP `status` (500, 502, 503...) with the provider's error body; nothing sent
  delay                wait `seconds`, then handle normally (apply_first=True: send, wait, then answer)
  drop                 close the connection without an answer; nothing sent
  applied_then_drop    send the text, then close the connection: the answer is lost
  applied_then_status  send the text, then answer HTTP `status` instead of the result
  refuse               the provider's refusal with error `code`, as that provider answers it (Aliyun: isv./isp.
                       codes as HTTP 200 with Code, gateway codes such as InvalidAccessKeyId.NotFound as HTTP
                       4xx; Tencent: a number's own codes in SendStatusSet, the rest in Response.Error); nothing sent

`op` is an action (SendSms, QuerySendDetails, PullSmsSendStatusByPhoneNumber) or a group: send,
query, any. `provider` (aliyun/tencent) narrows it; empty matches both.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

KINDS = ("throttle", "status", "delay", "drop", "applied_then_drop", "applied_then_status", "refuse")
SEND_OPS = frozenset({"SendSms"})
QUERY_OPS = frozenset({"QuerySendDetails", "PullSmsSendStatusByPhoneNumber"})
OP_GROUPS = {"send": SEND_OPS, "query": QUERY_OPS, "any": SEND_OPS | QUERY_OPS}


@dataclass
class Fault:
    """One injected fault and how often it has matched and fired."""

    kind: str
    op: str = "send"
    provider: str = ""
    times: int | None = 1
    after: int = 0
    status: int = 503
    seconds: float = 0.0
    apply_first: bool = False
    code: str = ""
    id: int = 0
    seen: int = field(default=0)
    fired: int = field(default=0)

    def matches(self, provider: str, op: str) -> bool:
        """True if this fault applies to the provider's action."""
        return (not self.provider or self.provider == provider) and (op == self.op or op in OP_GROUPS.get(self.op, ()))

    @property
    def due(self) -> bool:
        """True if the fault should fire on the request it has just seen."""
        return self.seen > self.after and (self.times is None or self.fired < self.times)


class FaultPlan:
    """The faults to inject, shared by all request threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, kind: str, op: str = "send", *, provider: str = "", times: int | None = 1, after: int = 0,
            status: int = 503, seconds: float = 0.0, apply_first: bool = False, code: str = "") -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if op not in OP_GROUPS and op not in OP_GROUPS["any"]:
            raise ValueError(f"unknown operation {op!r}")
        if provider not in ("", "aliyun", "tencent"):
            raise ValueError(f"unknown provider {provider!r}")
        if kind == "refuse" and not code:
            raise ValueError("a refuse fault needs the provider's error code")
        with self._lock:
            fault = Fault(kind, op, provider, times, after, status, seconds, apply_first, code, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, provider: str, op: str) -> Fault | None:
        """Count this request against every matching fault and return the first one that fires."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.matches(provider, op):
                    fault.seen += 1
                    if chosen is None and fault.due:
                        fault.fired += 1
                        chosen = fault
        return chosen

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        """All faults, as dicts, with their seen/fired counters."""
        with self._lock:
            return [asdict(f) for f in self._faults]
