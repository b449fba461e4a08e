"""URL routing: which operation a request is, and the endpoint function that answers it."""
from __future__ import annotations

import json
import pickle
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, unquote

from . import drive_api, values_api
from .batch_update import apply_batch
from .errors import bad_request
from .metadata import spreadsheet_get
from .oauth import issue_token


@dataclass
class ApiRequest:
    """What an endpoint needs from an HTTP request."""

    method: str
    path: str
    params: dict
    content_type: str
    raw_body: bytes

    def json(self) -> dict:
        """The body as a JSON object (empty body: {})."""
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body)
        except ValueError:
            raise bad_request("Invalid JSON payload received. Unexpected token.") from None
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        return body

    def form(self) -> dict:
        """The body as a url-encoded form."""
        return {k: v[0] for k, v in parse_qs(self.raw_body.decode("utf-8")).items()}


@dataclass(frozen=True)
class Route:
    """One endpoint: method, raw-path pattern, operation name and handler(state, user, request, *path args)."""

    method: str
    pattern: re.Pattern
    op: str
    handler: Callable


def _book(state, spreadsheet_id: str):
    """The spreadsheet, with 404 when missing."""
    return state.spreadsheet(unquote(spreadsheet_id))


def _batch_update(state, user, req, sid):
    """spreadsheets.batchUpdate, all or nothing: on error the spreadsheet is restored."""
    book = _book(state, sid)
    # A pickled copy is the same deep copy as copy.deepcopy, made in C: a set-up batch on a sheet of
    # thousands of validated cells snapshots in milliseconds instead of a tenth of a second.
    snapshot = pickle.dumps(book, pickle.HIGHEST_PROTOCOL)
    try:
        return 200, apply_batch(book, req.json(), user)
    except Exception:
        state.spreadsheets[book.spreadsheet_id] = pickle.loads(snapshot)
        raise


def _sheets_create(state, user, req):
    """POST /v4/spreadsheets (the Sheets API's own create)."""
    body = req.json()
    sheets = [{"title": s.get("properties", {}).get("title", f"Sheet{i + 1}"),
               "rows": s.get("properties", {}).get("gridProperties", {}).get("rowCount", 1000),
               "cols": s.get("properties", {}).get("gridProperties", {}).get("columnCount", 26)}
              for i, s in enumerate(body.get("sheets") or [])]
    title = body.get("properties", {}).get("title", "Untitled spreadsheet")
    book = state.create_spreadsheet(title, sheets or None, owner=user)
    return 200, spreadsheet_get(book, {})


def _drive_delete(state, user, req, file_id):
    """DELETE /drive/v3/files/{id}: 204 with no body."""
    drive_api.delete(state, unquote(file_id))
    return 204, None


_ID = r"([^/:]+)"
_RANGE = r"([^/]+?)"
_TABLE = [
    ("POST", r"/token|/oauth2/v4/token|/o/oauth2/token", "token",
     lambda state, user, req: (200, issue_token(state, req.form()))),
    ("POST", r"/v4/spreadsheets", "spreadsheets.create", _sheets_create),
    ("GET", rf"/v4/spreadsheets/{_ID}", "spreadsheets.get",
     lambda state, user, req, sid: (200, spreadsheet_get(_book(state, sid), req.params))),
    ("POST", rf"/v4/spreadsheets/{_ID}:batchUpdate", "spreadsheets.batchUpdate", _batch_update),
    ("GET", rf"/v4/spreadsheets/{_ID}/values:batchGet", "values.batchGet",
     lambda state, user, req, sid: (200, values_api.values_batch_get(_book(state, sid), req.params))),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchUpdate", "values.batchUpdate",
     lambda state, user, req, sid: (200, values_api.values_batch_update(_book(state, sid), req.json()))),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchClear", "values.batchClear",
     lambda state, user, req, sid: (200, values_api.values_batch_clear(_book(state, sid), req.json()))),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/{_RANGE}:append", "values.append",
     lambda state, user, req, sid, rng: (200, values_api.values_append(
         _book(state, sid), unquote(rng), req.params, req.json()))),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/{_RANGE}:clear", "values.clear",
     lambda state, user, req, sid, rng: (200, values_api.values_clear(_book(state, sid), unquote(rng)))),
    ("GET", rf"/v4/spreadsheets/{_ID}/values/{_RANGE}", "values.get",
     lambda state, user, req, sid, rng: (200, values_api.values_get(_book(state, sid), unquote(rng), req.params))),
    ("PUT", rf"/v4/spreadsheets/{_ID}/values/{_RANGE}", "values.update",
     lambda state, user, req, sid, rng: (200, values_api.values_update(
         _book(state, sid), unquote(rng), req.params, req.json()))),
    ("POST", r"/drive/v3/files", "drive.create",
     lambda state, user, req: (200, drive_api.create(state, req.params, req.json(), user))),
    ("GET", r"/drive/v3/files", "drive.list",
     lambda state, user, req: (200, drive_api.list_files(state, req.params))),
    ("GET", r"/drive/v3/files/([^/]+)", "drive.get",
     lambda state, user, req, fid: (200, drive_api.get(state, unquote(fid), req.params))),
    ("DELETE", r"/drive/v3/files/([^/]+)", "drive.delete", _drive_delete),
    # google-auth looks up a service account's access boundary after each token refresh; no limits here.
    ("GET", r"/v1/projects/-/serviceAccounts/([^/]+)/allowedLocations", "iam.allowedLocations",
     lambda state, user, req, email: (200, {"locations": [], "encodedLocations": "0x0"})),
]
ROUTES = [Route(method, re.compile(pattern), op, handler) for method, pattern, op, handler in _TABLE]


def match(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route for a method and raw (still percent-encoded) path, with its captured arguments."""
    for route in ROUTES:
        if route.method == method:
            m = route.pattern.fullmatch(path)
            if m:
                return route, m.groups()
    return None
