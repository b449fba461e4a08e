"""Fault injection: make chosen calls fail the ways the WeCom API and networks fail.

Kinds (what happens to a matching request):
  errcode               answer HTTP 200 {"errcode": code} (45009 frequency limit, 45033 concurrency limit,
                        -1 system busy, 6000 data version conflict…); nothing applied
  status                answer HTTP `status` (500, 502, 503…) with a gateway's HTML page; nothing applied
  delay                 wait `seconds`, then handle normally (apply_first=True: apply, wait, then answer)
  drop                  close the connection without an answer; nothing applied
  expire_token          every issued token expires now; the call is answered 42001; nothing applied
                        (on gettoken: the old tokens expire and a new one is issued)
  applied_then_drop     apply the call, then close the connection: the answer is lost
  applied_then_status   apply the call, then answer HTTP `status` instead of the result
  applied_then_errcode  apply the call, then answer {"errcode": code} (default -1) instead of the result

`op` is an API name (gettoken, create_doc, get_sheet, add_sheet, get_fields, add_fields, update_fields,
get_records, add_records, update_records) or a group: write, read, any.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

KINDS = ("errcode", "status", "delay", "drop", "expire_token", "applied_then_drop", "applied_then_status",
         "applied_then_errcode")
WRITE_OPS = frozenset({"create_doc", "add_sheet", "add_fields", "update_fields", "add_records", "update_records"})
READ_OPS = frozenset({"get_sheet", "get_fields", "get_records"})
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "any": WRITE_OPS | READ_OPS | {"gettoken"}}


@dataclass
class Fault:
    """One injected fault and how often it has matched and fired."""

    kind: str
    op: str = "write"
    times: int | None = 1
    after: int = 0
    status: int = 503
    code: int | None = None
    seconds: float = 0.0
    apply_first: bool = False
    id: int = 0
    seen: int = field(default=0)
    fired: int = field(default=0)

    def matches(self, op: str) -> bool:
        return op == self.op or op in OP_GROUPS.get(self.op, ())

    @property
    def due(self) -> bool:
        return self.seen > self.after and (self.times is None or self.fired < self.times)

    @property
    def errcode(self) -> int:
        if self.code is not None:
            return self.code
        return -1 if self.kind == "applied_then_errcode" else 45009


class FaultPlan:
    """The faults to inject, shared by all request threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0, status: int = 503,
            code: int | None = None, seconds: float = 0.0, apply_first: bool = False) -> Fault:
        """Inject a fault on the next `times` matching calls (None: until cleared), after skipping `after`."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if op not in OP_GROUPS and op not in OP_GROUPS["any"]:
            raise ValueError(f"unknown operation {op!r}")
        with self._lock:
            fault = Fault(kind, op, times, after, status, code, seconds, apply_first, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, op: str) -> Fault | None:
        """Count this call against every matching fault and return the first one that fires."""
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
