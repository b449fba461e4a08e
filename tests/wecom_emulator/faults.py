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

from dataclasses import dataclass

from ..emulator_kit.faults import Fault as BaseFault
from ..emulator_kit.faults import FaultPlanBase

KINDS = ("errcode", "status", "delay", "drop", "expire_token", "applied_then_drop", "applied_then_status",
         "applied_then_errcode")
WRITE_OPS = frozenset({"create_doc", "add_sheet", "add_fields", "update_fields", "add_records", "update_records"})
READ_OPS = frozenset({"get_sheet", "get_fields", "get_records"})
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "any": WRITE_OPS | READ_OPS | {"gettoken"}}


@dataclass
class Fault(BaseFault):
    """One injected fault: `code` is the errcode an errcode or applied_then_errcode fault answers."""

    op_groups = OP_GROUPS
    code: int | None = None

    @property
    def errcode(self) -> int:
        if self.code is not None:
            return self.code
        return -1 if self.kind == "applied_then_errcode" else 45009


class FaultPlan(FaultPlanBase):
    """The faults to inject, shared by all request threads."""

    fault_class, kinds, known_ops = Fault, KINDS, OP_GROUPS["any"]

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0, status: int = 503,
            code: int | None = None, seconds: float = 0.0, apply_first: bool = False) -> Fault:
        """Inject a fault on the next `times` matching calls (None: until cleared), after skipping `after`."""
        self._check(kind, op)
        return self._add(kind=kind, op=op, times=times, after=after, status=status, code=code, seconds=seconds,
                         apply_first=apply_first)
