"""The fault plan every emulator keeps: faults matched to operations, counted, fired, listed.

An emulator's own `faults.py` names its kinds and operations, subclasses `Fault` with the fields its
own kinds need, and subclasses `FaultPlanBase` with an `add()` that checks its arguments and then
calls `_add(**fields)`.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Callable, ClassVar

from .server import Answer


@dataclass
class Fault:
    """One injected fault and how often it has matched and fired."""

    op_groups: ClassVar[dict[str, frozenset]] = {}   # the emulator's groups of operations (write, read, any...)
    kind: str
    op: str = "write"
    times: int | None = 1
    after: int = 0
    status: int = 503
    seconds: float = 0.0
    apply_first: bool = False
    id: int = 0
    seen: int = 0
    fired: int = 0

    def matches(self, op: str) -> bool:
        """True if this fault applies to the operation (an op name or a group such as write/read/any)."""
        return op == self.op or op in self.op_groups.get(self.op, ())

    @property
    def due(self) -> bool:
        """True if the fault should fire on the request it has just seen."""
        return self.seen > self.after and (self.times is None or self.fired < self.times)


class FaultPlanBase:
    """The faults to inject, shared by all request threads."""

    fault_class: ClassVar[type]
    kinds: ClassVar[tuple[str, ...]] = ()
    known_ops: ClassVar[frozenset] = frozenset()

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list = []
        self._next_id = 1

    def _check(self, kind: str, op: str) -> None:
        """Refuse a kind or operation this emulator does not know."""
        if kind not in self.kinds:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {self.kinds}")
        if op not in self.fault_class.op_groups and op not in self.known_ops:
            raise ValueError(f"unknown operation {op!r}")

    def _add(self, **fields):
        """Register a fault built from these fields, with the next id."""
        with self._lock:
            fault = self.fault_class(**fields, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, *request):
        """Count this request against every matching fault and return the first one that fires."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.matches(*request):
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


def network_fault(fault, apply: Callable[[], Answer], sleep: Callable[[float], None],
                  failed: Callable[[object], Answer]) -> Answer:
    """The kinds every emulator plays the same way: `status` (answer `failed(fault)`), `drop`, `delay`
    (apply_first: apply, wait, then answer), `applied_then_drop` and `applied_then_status` (the request
    takes effect, its answer is lost or replaced by `failed(fault)`)."""
    if fault.kind == "status":
        return failed(fault)
    if fault.kind == "drop":
        return Answer(drop=True)
    if fault.kind == "delay":
        result = apply() if fault.apply_first else None
        sleep(fault.seconds)
        return result or apply()
    if fault.kind not in ("applied_then_drop", "applied_then_status"):
        raise ValueError(f"fault kind {fault.kind!r} is the emulator's own")
    apply()
    return Answer(drop=True) if fault.kind == "applied_then_drop" else failed(fault)
