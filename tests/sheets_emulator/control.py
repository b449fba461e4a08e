"""The Sheets emulator's own /_emulator/ endpoints (health, reset and faults are the kit's), so tests
in other processes can steer it over HTTP."""
from __future__ import annotations

from urllib.parse import unquote

from ..emulator_kit.server import Answer
from .state import DEFAULT_OWNER


def respond(state, method: str, parts: list[str], params: dict, body: dict) -> Answer | None:
    """Answer one control request (parts: the path after /_emulator/); None: no such endpoint."""
    head = parts[0]
    if parts == ["stats"]:
        if method == "DELETE":
            state.stats.reset()
            return Answer(200, {"ok": True})
        window = float(params.get("window", state.quota.window))
        return Answer(200, state.stats.snapshot(window))
    if (method, parts) == ("POST", ["refuse"]):
        return Answer(200, {"ok": True}, refuse_seconds=float(body["seconds"]))
    if (method, parts) == ("POST", ["service-accounts"]):
        state.register_service_account(body["client_email"], body["public_key_pem"])
        return Answer(200, {"ok": True})
    if head == "spreadsheets":
        return _spreadsheets(state, method, [unquote(p) for p in parts[1:]], body)
    return None


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
