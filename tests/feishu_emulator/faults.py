"""Fault injection: make chosen requests fail the ways Feishu and networks fail.

Kinds (what happens to a matching request):
  rate_limit           HTTP 429 with code 99991400 "request trigger frequency limit" and the
                       x-ogw-ratelimit-* headers (the documented 频控 answer); nothing applied
  code                 answer HTTP `status` (default 400) with the service's `code` and `msg`, e.g.
                       1254290 TooManyRequest, 1254291 Write conflict, 1254607 data not ready; nothing applied
  token_expired        answer 99991663 (invalid/expired tenant_access_token) once per firing; nothing applied
  status               answer HTTP `status` (500, 502, 503, 504) — JSON body, or an HTML gateway page
                       (body="html", the default for 502/503/504); nothing applied
  delay                wait `seconds`, then handle normally (apply_first=True: apply, wait, then answer)
  drop                 close the connection without an answer; nothing applied
  applied_then_drop    apply the request, then close the connection: the answer is lost
  applied_then_status  apply the request, then answer HTTP `status` instead of the result

`op` is an operation (token, tables.list, tables.create, fields.list, fields.create, fields.update, records.search,
records.list, records.batch_create, records.batch_update) or a group: write, read, bitable (every
bitable call), any (also the token call).
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

from .state import READ_OPS, WRITE_OPS

KINDS = ("rate_limit", "code", "token_expired", "status", "delay", "drop", "applied_then_drop", "applied_then_status")
KNOWN_OPS = WRITE_OPS | READ_OPS | {"token"}
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "bitable": WRITE_OPS | READ_OPS, "any": KNOWN_OPS}


@dataclass
class Fault:
    """One injected fault and how often it has matched and fired."""

    kind: str
    op: str = "write"
    times: int | None = 1
    after: int = 0
    status: int = 0
    code: int = 0
    msg: str = ""
    seconds: float = 0.0
    apply_first: bool = False
    body: str = "json"
    id: int = 0
    seen: int = field(default=0)
    fired: int = field(default=0)

    def matches(self, op: str) -> bool:
        return op == self.op or op in OP_GROUPS.get(self.op, ())

    @property
    def due(self) -> bool:
        return self.seen > self.after and (self.times is None or self.fired < self.times)


class FaultPlan:
    """The faults to inject, shared by all request threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0, status: int | None = None,
            code: int | None = None, msg: str = "", seconds: float = 0.0, apply_first: bool = False,
            body: str | None = None) -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if op not in OP_GROUPS and op not in KNOWN_OPS:
            raise ValueError(f"unknown operation {op!r}")
        if kind == "code" and not code:
            raise ValueError("kind 'code' needs a code (e.g. 1254290)")
        status = status or {"code": 400, "rate_limit": 429, "token_expired": 400}.get(kind, 503)
        body = body or ("html" if status in (502, 503, 504) else "json")
        if body not in ("json", "html"):
            raise ValueError("body must be 'json' or 'html'")
        with self._lock:
            fault = Fault(kind, op, times, after, status, code or 0, msg, seconds, apply_first, body, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, op: str) -> Fault | None:
        """Count this request against every matching fault and return the first one that fires."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.matches(op):
                    fault.seen += 1
                    if chosen is None and fault.due:
                        fault.fired += 1
                        chosen = fault
        return chosen

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]
