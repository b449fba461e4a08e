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

from dataclasses import dataclass

from ..emulator_kit.faults import Fault as BaseFault
from ..emulator_kit.faults import FaultPlanBase

KINDS = ("status", "delay", "drop", "refuse", "applied_then_drop", "applied_then_status")
WRITE_OPS = frozenset({"spreadsheets.batchUpdate", "values.update", "values.append", "values.clear",
                       "values.batchUpdate", "values.batchClear"})
READ_OPS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})
DRIVE_OPS = frozenset({"drive.create", "drive.get", "drive.list", "drive.delete"})
KNOWN_OPS = WRITE_OPS | READ_OPS | DRIVE_OPS | {"token", "spreadsheets.create", "iam.allowedLocations"}
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "drive": DRIVE_OPS,
             "any": WRITE_OPS | READ_OPS | DRIVE_OPS | {"spreadsheets.create"}}


@dataclass
class Fault(BaseFault):
    """One injected fault: a status fault answers Google's JSON error `body`, or an html page."""

    op_groups = OP_GROUPS
    body: str = "json"


class FaultPlan(FaultPlanBase):
    """The faults to inject, shared by all request threads."""

    fault_class, kinds, known_ops = Fault, KINDS, KNOWN_OPS

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0,
            status: int | None = None, seconds: float = 0.0, apply_first: bool = False,
            body: str | None = None) -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        self._check(kind, op)
        status = status or 503
        body = body or ("html" if status == 502 else "json")
        if body not in ("json", "html"):
            raise ValueError("body must be 'json' or 'html'")
        return self._add(kind=kind, op=op, times=times, after=after, status=status, seconds=seconds,
                         apply_first=apply_first, body=body)
