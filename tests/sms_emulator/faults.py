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

from dataclasses import dataclass

from ..emulator_kit.faults import Fault as BaseFault
from ..emulator_kit.faults import FaultPlanBase

KINDS = ("throttle", "status", "delay", "drop", "applied_then_drop", "applied_then_status", "refuse")
SEND_OPS = frozenset({"SendSms"})
QUERY_OPS = frozenset({"QuerySendDetails", "PullSmsSendStatusByPhoneNumber"})
OP_GROUPS = {"send": SEND_OPS, "query": QUERY_OPS, "any": SEND_OPS | QUERY_OPS}


@dataclass
class Fault(BaseFault):
    """One injected fault: `provider` narrows it (empty: both), `code` is a refusal's error code."""

    op_groups = OP_GROUPS
    provider: str = ""
    code: str = ""

    def matches(self, provider: str, op: str) -> bool:
        """True if this fault applies to the provider's action."""
        return (not self.provider or self.provider == provider) and super().matches(op)


class FaultPlan(FaultPlanBase):
    """The faults to inject, shared by all request threads; take(provider, action)."""

    fault_class, kinds, known_ops = Fault, KINDS, OP_GROUPS["any"]

    def add(self, kind: str, op: str = "send", *, provider: str = "", times: int | None = 1, after: int = 0,
            status: int = 503, seconds: float = 0.0, apply_first: bool = False, code: str = "") -> Fault:
        """Inject a fault on the next `times` matching requests (None: until cleared), after skipping `after`."""
        self._check(kind, op)
        if provider not in ("", "aliyun", "tencent"):
            raise ValueError(f"unknown provider {provider!r}")
        if kind == "refuse" and not code:
            raise ValueError("a refuse fault needs the provider's error code")
        return self._add(kind=kind, op=op, provider=provider, times=times, after=after, status=status,
                         seconds=seconds, apply_first=apply_first, code=code)
