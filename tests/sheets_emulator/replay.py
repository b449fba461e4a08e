"""Replay recorded Google traffic (VCR cassettes) against the emulator and list every difference.

Ids differ between Google and the emulator, so the replay learns a mapping from the answers
that create things (Drive's file id, addSheet's sheetId, addProtectedRange's id) and applies
it to later requests and to the recorded answers before comparing. Bodies are compared whole,
except Drive's createdTime/modifiedTime, which only have to be present and well formed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

CASSETTE_DIR = Path(__file__).parent / "cassettes"
VOLATILE_KEYS = frozenset({"createdTime", "modifiedTime"})
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_CREATED_ID_KEYS = frozenset({"sheetId", "protectedRangeId"})


def cassette_paths() -> list[Path]:
    """Every cassette shipped with the emulator."""
    return sorted(CASSETTE_DIR.glob("*.json"))


@dataclass
class IdMap:
    """Recorded ids -> ids the emulator handed out."""

    strings: dict[str, str] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)

    def text(self, text: str) -> str:
        """Replace recorded spreadsheet ids inside a URL or raw body."""
        for recorded, actual in self.strings.items():
            text = text.replace(recorded, actual)
        return text

    def json(self, value: object, key: str | None = None) -> object:
        """Replace recorded ids inside parsed JSON."""
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if isinstance(value, str):
            return self.text(value)
        if key in _CREATED_ID_KEYS and isinstance(value, int):
            return self.numbers.get(value, value)
        return value

    def learn(self, recorded: object, actual: object) -> None:
        """Pair up created ids found at the same place in a recorded and an actual answer."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k, v in recorded.items():
                if k in _CREATED_ID_KEYS and isinstance(v, int) and isinstance(actual.get(k), int):
                    self.numbers.setdefault(v, actual[k])
                else:
                    self.learn(v, actual.get(k))
        elif isinstance(recorded, list) and isinstance(actual, list):
            for r, a in zip(recorded, actual):
                self.learn(r, a)


def differences(expected: object, actual: object, path: str = "$") -> list[str]:
    """Human-readable differences between two JSON values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for k in sorted(set(expected) | set(actual)):
            where = f"{path}.{k}"
            if k not in actual:
                found.append(f"{where}: missing (expected {expected[k]!r})")
            elif k not in expected:
                found.append(f"{where}: unexpected {actual[k]!r}")
            elif k in VOLATILE_KEYS:
                if not _TIMESTAMP.fullmatch(str(actual[k])):
                    found.append(f"{where}: not an RFC 3339 timestamp: {actual[k]!r}")
            else:
                found.extend(differences(expected[k], actual[k], where))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def replay(cassette: Path, base_url: str, session: requests.Session, token: str = "replay-token") -> list[str]:
    """Send every recorded request in order; return the differences from what Google answered."""
    ids = IdMap()
    problems = []
    base = urlsplit(base_url)
    for n, interaction in enumerate(json.loads(cassette.read_text("utf-8"))["interactions"]):
        req, rec = interaction["request"], interaction["response"]
        url = urlsplit(ids.text(req["uri"]))._replace(scheme=base.scheme, netloc=base.netloc).geturl()
        headers = {"Authorization": f"Bearer {token}"}
        data = None
        if req["body"]:
            data = json.dumps(ids.json(json.loads(req["body"]))).encode("utf-8")
            headers["Content-Type"] = "application/json"
        resp = session.request(req["method"], url, data=data, headers=headers, timeout=10)
        label = f"[{n}] {req['method']} {req['uri']}"
        if resp.status_code != rec["status"]["code"]:
            problems.append(f"{label}: status {resp.status_code}, Google answered "
                            f"{rec['status']['code']}: {resp.text[:300]}")
            continue
        recorded_text = rec["body"]["string"]
        if not recorded_text:
            if resp.content:
                problems.append(f"{label}: expected an empty body, got {resp.text[:200]!r}")
            continue
        recorded, actual = json.loads(recorded_text), resp.json()
        if req["method"] == "POST" and urlsplit(req["uri"]).path == "/drive/v3/files":
            ids.strings.setdefault(recorded["id"], actual["id"])
        elif urlsplit(req["uri"]).path.endswith(":batchUpdate"):
            ids.learn(recorded.get("replies"), actual.get("replies"))
        problems.extend(f"{label}: {d}" for d in differences(ids.json(recorded), actual))
    return problems
