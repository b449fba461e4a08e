"""Fault injection: make chosen requests fail the ways Google and networks fail.

Kinds (what happens to a matching request):
  status               answer `status` (429, 500, 502, 503...) with Google's error body; nothing applied
  delay                wait `seconds`, then handle normally (apply_first=True: apply, wait, then answer)
  drop                 close the connection without an answer; nothing applied
  refuse               close the connection and stop listening for `seconds` (connections refused)
  applied_then_drop    apply the request, then close the connection: the answer is lost
  applied_then_status  apply the request, then answer `status` instead of the result
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

KINDS = ("status", "delay", "drop", "refuse", "applied_then_drop", "applied_then_status")
WRITE_OPS = frozenset({"spreadsheets.batchUpdate", "values.update", "values.append", "values.clear",
                       "values.batchUpdate", "values.batchClear"})
READ_OPS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})
DRIVE_OPS = frozenset({"drive.create", "drive.get", "drive.list", "drive.delete"})
KNOWN_OPS = WRITE_OPS | READ_OPS | DRIVE_OPS | {"token", "spreadsheets.create", "iam.allowedLocations"}
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "drive": DRIVE_OPS,
             "any": WRITE_OPS | READ_OPS | DRIVE_OPS | {"spreadsheets.create"}}


@dataclass
class Fault:
    """One injected fault and how often it has matched and fired."""

    kind: str
    op: str = "write"
    times: int | None = 1
    after: int = 0
    status: int = 503
    seconds: float = 0.0
    apply_first: bool = False
    body: str = "json"
    id: int = 0
    seen: int = field(default=0)
    fired: int = field(default=0)

    def matches(self, op: str) -> bool:
        """True if this fault applies to the operation (an op name or a group: write/read/drive/any)."""
        return op == self.op or op in OP_GROUPS.get(self.op, ())

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

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0,
            status: int | None = None, seconds: float = 0.0, apply_first: bool = False,
            body: str | None = None) -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if op not in OP_GROUPS and op not in KNOWN_OPS:
            raise ValueError(f"unknown operation {op!r}")
        status = status or 503
        body = body or ("html" if status == 502 else "json")
        if body not in ("json", "html"):
            raise ValueError("body must be 'json' or 'html'")
        with self._lock:
            fault = Fault(kind, op, times, after, status, seconds, apply_first, body, id=self._next_id)
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

    def remove(self, fault_id: int) -> bool:
        """Remove one fault; False if there was none with that id."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        """All faults, as dicts, with their seen/fired counters."""
        with self._lock:
            return [asdict(f) for f in self._faults]
