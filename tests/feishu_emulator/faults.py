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

from dataclasses import dataclass

from ..emulator_kit.faults import Fault as BaseFault
from ..emulator_kit.faults import FaultPlanBase
from .state import READ_OPS, WRITE_OPS

KINDS = ("rate_limit", "code", "token_expired", "status", "delay", "drop", "applied_then_drop", "applied_then_status")
KNOWN_OPS = WRITE_OPS | READ_OPS | {"token"}
OP_GROUPS = {"write": WRITE_OPS, "read": READ_OPS, "bitable": WRITE_OPS | READ_OPS, "any": KNOWN_OPS}


@dataclass
class Fault(BaseFault):
    """One injected fault: `code` and `msg` answer kind code (and status), `body` json or html."""

    op_groups = OP_GROUPS
    code: int = 0
    msg: str = ""
    body: str = "json"


class FaultPlan(FaultPlanBase):
    """The faults to inject, shared by all request threads."""

    fault_class, kinds, known_ops = Fault, KINDS, KNOWN_OPS

    def add(self, kind: str, op: str = "write", *, times: int | None = 1, after: int = 0, status: int | None = None,
            code: int | None = None, msg: str = "", seconds: float = 0.0, apply_first: bool = False,
            body: str | None = None) -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        self._check(kind, op)
        if kind == "code" and not code:
            raise ValueError("kind 'code' needs a code (e.g. 1254290)")
        status = status or {"code": 400, "rate_limit": 429, "token_expired": 400}.get(kind, 503)
        body = body or ("html" if status in (502, 503, 504) else "json")
        if body not in ("json", "html"):
            raise ValueError("body must be 'json' or 'html'")
        return self._add(kind=kind, op=op, times=times, after=after, status=status, code=code or 0, msg=msg,
                         seconds=seconds, apply_first=apply_first, body=body)
