"""The /_emulator/ control API, so tests in other processes can steer the emulator over HTTP."""
from __future__ import annotations

import json
from dataclasses import asdict
from urllib.parse import unquote

from .pipeline import Answer
from .state import DEFAULT_OWNER


def respond(handle, method: str, path: str, params: dict, raw_body: bytes) -> Answer:
    """Answer one control request; path is what follows /_emulator/."""
    try:
        body = json.loads(raw_body) if raw_body.strip() else {}
        return _dispatch(handle, method, path.strip("/").split("/"), params, body)
    except (ValueError, KeyError, TypeError) as e:
        return Answer(400, {"error": f"{type(e).__name__}: {e}"})


def _dispatch(handle, method: str, parts: list[str], params: dict, body: dict) -> Answer:
    """Route by method and path segments."""
    state, faults = handle.state, handle.faults
    head = parts[0]
    if (method, parts) == ("GET", ["health"]):
        return Answer(200, {"ok": True, "url": handle.url})
    if (method, parts) == ("POST", ["reset"]):
        handle.reset()
        return Answer(200, {"ok": True})
    if head == "stats" and len(parts) == 1:
        if method == "DELETE":
            state.stats.reset()
            return Answer(200, {"ok": True})
        window = float(params.get("window", [state.quota.window])[0])
        return Answer(200, state.stats.snapshot(window))
    if head == "faults":
        return _faults(faults, method, parts[1:], body)
    if (method, parts) == ("POST", ["refuse"]):
        return Answer(200, {"ok": True}, refuse_seconds=float(body["seconds"]))
    if parts == ["config"]:
        return Answer(200, state.configure(**body) if method == "PUT" else state.config())
    if (method, parts) == ("POST", ["service-accounts"]):
        state.register_service_account(body["client_email"], body["public_key_pem"])
        return Answer(200, {"ok": True})
    if head == "spreadsheets":
        return _spreadsheets(state, method, [unquote(p) for p in parts[1:]], body)
    return Answer(404, {"error": f"no control endpoint {method} /_emulator/{'/'.join(parts)}"})


def _faults(faults, method: str, rest: list[str], body: dict) -> Answer:
    """GET/POST/DELETE /_emulator/faults[/id]."""
    if method == "GET" and not rest:
        return Answer(200, {"faults": faults.list()})
    if method == "POST" and not rest:
        return Answer(200, {"fault": asdict(faults.add(**body))})
    if method == "DELETE" and not rest:
        faults.clear()
        return Answer(200, {"ok": True})
    if method == "DELETE" and len(rest) == 1:
        return Answer(200 if faults.remove(int(rest[0])) else 404, {"ok": True})
    return Answer(404, {"error": "unknown faults endpoint"})


def _spreadsheets(state, method: str, rest: list[str], body: dict) -> Answer:
    """List, create, and dump spreadsheets."""
    if method == "GET" and not rest:
        with state.lock:
            books = [{"id": b.spreadsheet_id, "title": b.title, "owner": b.owner, "sheets": [s.title for s in b.sheets]}
                     for b in state.spreadsheets.values()]
        return Answer(200, {"spreadsheets": books})
    if method == "POST" and not rest:
        book = state.create_spreadsheet(body.get("title", "Untitled spreadsheet"), body.get("sheets"),
                                        body.get("id"), body.get("owner", DEFAULT_OWNER))
        return Answer(200, {"id": book.spreadsheet_id, "title": book.title,
                            "sheets": [{"title": s.title, "sheetId": s.sheet_id} for s in book.sheets]})
    if method == "GET" and len(rest) == 3 and rest[1] == "values":
        if rest[0] not in state.spreadsheets:
            return Answer(404, {"error": f"no spreadsheet {rest[0]}"})
        return Answer(200, state.dump_values(rest[0], rest[2]))
    return Answer(404, {"error": "unknown spreadsheets endpoint"})
