"""One API request from arrival to answer: routing, auth, quota, injected faults, the endpoint."""
from __future__ import annotations

import sys
import traceback
from typing import Callable
from urllib.parse import unquote

from ..emulator_kit.server import Answer
from . import routes
from .errors import ApiError, error_page, quota_exceeded, sheets_error_body
from .faults import WRITE_OPS, Fault, FaultPlan
from .routes import ApiRequest
from .state import EmulatorState

_MISSING_AUTH = ("Request is missing required authentication credential. Expected OAuth 2 access token, "
                 "login cookie or other valid authentication credential. "
                 "See https://developers.google.com/identity/sign-in/web/devconsole-project.")


def respond(state: EmulatorState, faults: FaultPlan, req: ApiRequest, authorization: str | None,
            sleep: Callable[[float], None]) -> Answer:
    """Answer one API request the way Google would, unless a fault says otherwise."""
    found = routes.match(req.method, req.path)
    if found is None:
        return Answer(404, sheets_error_body(404, f"The emulator has no endpoint {req.method} {req.path}."))
    route, args = found
    state.stats.request(route.op)
    try:
        user = _authenticate(state, route.op, authorization)
    except ApiError as e:
        return Answer(e.code, e.body)
    if route.op in WRITE_OPS:
        state.stats.write_received()
        if not state.quota.admit(user):
            state.stats.quota_rejected()
            return Answer(429, quota_exceeded().body)
    fault = faults.take(route.op)
    if fault is not None:
        state.stats.fault_fired(fault.kind)
        if fault.kind in ("status", "drop", "refuse"):
            return _fault_answer(fault)
        if fault.kind == "delay" and not fault.apply_first:
            sleep(fault.seconds)
    status, body = _run(state, route, user, req, args)
    if fault is not None:
        if fault.kind == "delay" and fault.apply_first:
            sleep(fault.seconds)
        elif fault.kind in ("applied_then_drop", "applied_then_status"):
            return _fault_answer(fault)
    return Answer(status, body)


def _authenticate(state: EmulatorState, op: str, authorization: str | None) -> str:
    """The user behind the request's bearer token (any token is accepted)."""
    if op == "token":
        return ""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return state.user_for(token.strip())
    if state.require_auth:
        raise ApiError(401, _MISSING_AUTH)
    return "anonymous@emulator.invalid"


def _run(state: EmulatorState, route: routes.Route, user: str, req: ApiRequest, args: tuple) -> tuple[int, object]:
    """Call the endpoint under the state lock; API errors become their answers."""
    with state.lock:
        try:
            status, body = route.handler(state, user, req, *args)
        except ApiError as e:
            return e.code, e.body
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            return 500, sheets_error_body(500, f"Emulator bug: {e!r}")
        if route.op in WRITE_OPS:
            state.spreadsheets[unquote(args[0])].touch()
            state.stats.write_applied()
        return status, body


def _fault_answer(fault: Fault) -> Answer:
    """The answer an injected fault gives instead of the real one."""
    if fault.kind in ("drop", "applied_then_drop"):
        return Answer(drop=True)
    if fault.kind == "refuse":
        return Answer(drop=True, refuse_seconds=fault.seconds)
    if fault.body == "html":
        return Answer(fault.status, error_page(fault.status))
    if fault.status == 429:
        return Answer(429, quota_exceeded().body)
    return Answer(fault.status, sheets_error_body(fault.status))
