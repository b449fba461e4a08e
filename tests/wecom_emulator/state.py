"""What the emulator remembers: apps (corpid/secret), access tokens, smartsheet documents (sub-sheets,
fields, records), the per-corp rate windows and the call counters. Every method takes the lock."""
from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

DEFAULT_CREDENTIALS = {"test-corp": "test-secret"}
TOKEN_TTL = 7200                 # gettoken's documented expires_in
RATE_PER_MINUTE = 10_000         # 每企业调用单个cgi/api不可超过1万次/分
RATE_PER_HOUR = 150_000          # … 15万次/小时
MAX_RECORDS_PER_CALL = 500       # 单次添加/更新建议在500行内
MAX_ROWS = 100_000               # 单表最多允许有100000行记录
MAX_CELLS = 15_000_000           # … 15000000个单元格
MAX_FIELDS = 150                 # 单表最多允许有150个字段
MAX_PAGE = 1000                  # get_records: limit 最大值为 1000

TEXT, SINGLE_SELECT, NUMBER = "FIELD_TYPE_TEXT", "FIELD_TYPE_SINGLE_SELECT", "FIELD_TYPE_NUMBER"
FIELD_TYPES = frozenset({
    TEXT, NUMBER, SINGLE_SELECT, "FIELD_TYPE_CHECKBOX", "FIELD_TYPE_DATE_TIME", "FIELD_TYPE_IMAGE",
    "FIELD_TYPE_ATTACHMENT", "FIELD_TYPE_USER", "FIELD_TYPE_URL", "FIELD_TYPE_SELECT", "FIELD_TYPE_CREATED_USER",
    "FIELD_TYPE_MODIFIED_USER", "FIELD_TYPE_CREATED_TIME", "FIELD_TYPE_MODIFIED_TIME", "FIELD_TYPE_PROGRESS",
    "FIELD_TYPE_PHONE_NUMBER", "FIELD_TYPE_EMAIL", "FIELD_TYPE_REFERENCE", "FIELD_TYPE_LOCATION",
    "FIELD_TYPE_CURRENCY", "FIELD_TYPE_WWGROUP", "FIELD_TYPE_AUTONUMBER", "FIELD_TYPE_PERCENTAGE",
    "FIELD_TYPE_BARCODE"})


def _id(n: int = 6) -> str:
    """A short random id like the service's 6-character sheet/field ids."""
    return secrets.token_urlsafe(n)[:n]


class ApiError(Exception):
    """An errcode answer (HTTP 200, {"errcode": code, "errmsg": msg})."""

    def __init__(self, code: int, msg: str):
        super().__init__(msg)
        self.code, self.msg = code, msg


def invalid(msg: str) -> ApiError:
    """The global 40058 不合法的参数 answer, with what was wrong in errmsg."""
    return ApiError(40058, f"invalid Request Parameter, {msg}")


@dataclass
class Field:
    field_id: str
    field_title: str
    field_type: str
    options: list[dict] = field(default_factory=list)   # single select: [{"id","style","text"}]
    extra: dict = field(default_factory=dict)            # other property_* objects, echoed back

    def public(self) -> dict:
        out = {"field_id": self.field_id, "field_title": self.field_title, "field_type": self.field_type, **self.extra}
        if self.field_type == SINGLE_SELECT:
            out["property_single_select"] = {**self.extra.get("property_single_select", {}),
                                             "options": [dict(o) for o in self.options]}
        return out


@dataclass
class Record:
    record_id: str
    values: dict[str, list | float]   # field_id -> cell value
    create_time: str
    update_time: str


@dataclass
class Sheet:
    sheet_id: str
    title: str
    fields: list[Field] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def field_by(self, key: str, by_title: bool) -> Field | None:
        for f in self.fields:
            if (f.field_title if by_title else f.field_id) == key:
                return f
        return None


@dataclass
class Document:
    docid: str
    name: str = ""
    sheets: list[Sheet] = field(default_factory=list)


@dataclass
class Token:
    corpid: str
    expires: float


def now_ms() -> str:
    return str(int(time.time() * 1000))


def plain(f: Field, cell) -> str:
    """A cell shown as plain text, as a steward reads it on the phone."""
    if cell is None or cell == []:
        return ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    if isinstance(cell, list):
        return ",".join(str(part.get("text", "")) for part in cell if isinstance(part, dict)) \
            if f.field_type == SINGLE_SELECT else "".join(str(part.get("text", "")) for part in cell
                                                           if isinstance(part, dict))
    return str(cell)


class State:
    """Apps, tokens, documents, limits and counters, shared by all request threads."""

    def __init__(self, credentials: dict[str, str] | None = None, *, token_ttl: float = TOKEN_TTL,
                 rate_per_minute: int = RATE_PER_MINUTE, rate_per_hour: int = RATE_PER_HOUR,
                 max_records_per_call: int = MAX_RECORDS_PER_CALL, max_rows: int = MAX_ROWS,
                 max_cells: int = MAX_CELLS, clock=time.monotonic):
        self.lock = threading.RLock()
        self.credentials = dict(credentials or DEFAULT_CREDENTIALS)
        self.token_ttl, self.rate_per_minute, self.rate_per_hour = token_ttl, rate_per_minute, rate_per_hour
        self.max_records_per_call, self.max_rows, self.max_cells = max_records_per_call, max_rows, max_cells
        self.clock = clock
        self.tokens: dict[str, Token] = {}
        self.expired: set[str] = set()
        self.docs: dict[str, Document] = {}
        self.calls: Counter = Counter()        # api name -> requests received
        self.errcodes: Counter = Counter()     # errcode -> answers given (non-zero)
        self.windows: dict[tuple[str, str], deque] = {}
        self.blocked: dict[tuple[str, str], float] = {}   # (corp, api) -> refused until (clock)

    # --- configuration and reset ------------------------------------------------------------

    def configure(self, **options) -> dict:
        known = ("token_ttl", "rate_per_minute", "rate_per_hour", "max_records_per_call", "max_rows", "max_cells",
                 "credentials")
        with self.lock:
            for key, value in options.items():
                if key not in known:
                    raise ValueError(f"unknown setting {key!r}; expected one of {known}")
                setattr(self, key, dict(value) if key == "credentials" else value)
            return self.config_locked()

    def config(self) -> dict:
        """GET /_emulator/config."""
        with self.lock:
            return self.config_locked()

    def config_locked(self) -> dict:
        return {"token_ttl": self.token_ttl, "rate_per_minute": self.rate_per_minute,
                "rate_per_hour": self.rate_per_hour, "max_records_per_call": self.max_records_per_call,
                "max_rows": self.max_rows, "max_cells": self.max_cells, "corpids": sorted(self.credentials)}

    def reset(self, docids: list[str] = ()) -> None:
        """Forget everything but the credentials and settings; re-create the given empty documents."""
        with self.lock:
            self.tokens.clear()
            self.expired.clear()
            self.docs.clear()
            self.calls.clear()
            self.errcodes.clear()
            self.windows.clear()
            self.blocked.clear()
            for docid in docids:
                self.docs[docid] = Document(docid)

    def create_document(self, docid: str | None = None, name: str = "") -> Document:
        with self.lock:
            docid = docid or "dc" + secrets.token_urlsafe(24)
            return self.docs.setdefault(docid, Document(docid, name))

    def stats(self) -> dict:
        with self.lock:
            writes = sum(self.calls[n] for n in ("add_records", "update_records"))
            return {"calls": dict(self.calls), "errcodes": {str(k): v for k, v in self.errcodes.items()},
                    "write_calls": writes, "tokens_issued": self.calls["gettoken"]}

    # --- tokens and limits -----------------------------------------------------------------------

    def issue_token(self, corpid: str, secret: str) -> tuple[str, int]:
        with self.lock:
            if not corpid:
                raise ApiError(41002, "corpid missing")
            if not secret:
                raise ApiError(41004, "corpsecret missing")
            if corpid not in self.credentials:
                raise ApiError(40013, "invalid corpid")
            if self.credentials[corpid] != secret:
                raise ApiError(40001, "invalid credential")
            token = secrets.token_urlsafe(48)
            self.tokens[token] = Token(corpid, self.clock() + self.token_ttl)
            return token, int(self.token_ttl)

    def check_token(self, token: str) -> str:
        """The corp a token belongs to, or the documented refusal: 41001 missing, 40014 invalid, 42001 expired."""
        with self.lock:
            if not token:
                raise ApiError(41001, "access_token missing")
            if token in self.expired:
                raise ApiError(42001, "access_token expired")
            entry = self.tokens.get(token)
            if entry is None:
                raise ApiError(40014, "invalid access_token")
            if self.clock() >= entry.expires:
                del self.tokens[token]
                self.expired.add(token)
                raise ApiError(42001, "access_token expired")
            return entry.corpid

    def expire_tokens(self) -> int:
        """Make every issued token expired now (the next call with one gets 42001)."""
        with self.lock:
            count = len(self.tokens)
            self.expired.update(self.tokens)
            self.tokens.clear()
            return count

    def admit(self, corpid: str, api: str) -> None:
        """Count one call against the corp's per-API minute and hour windows; 45009 past either, and then
        blocked as documented: 按分钟拦截则被屏蔽60秒, 按小时拦截则屏蔽60分钟."""
        with self.lock:
            key = (corpid, api)
            now = self.clock()
            if self.blocked.get(key, 0) > now:
                raise ApiError(45009, "api freq out of limit")
            window = self.windows.setdefault(key, deque())
            while window and window[0] <= now - 3600:
                window.popleft()
            last_minute = sum(1 for t in window if t > now - 60)
            if last_minute >= self.rate_per_minute or len(window) >= self.rate_per_hour:
                self.blocked[key] = now + (3600 if len(window) >= self.rate_per_hour else 60)
                raise ApiError(45009, "api freq out of limit")
            window.append(now)

    # --- documents ----------------------------------------------------------------------------

    def doc(self, body: dict) -> Document:
        docid = body.get("docid")
        if not isinstance(docid, str) or not docid:
            raise invalid("docid missing")
        document = self.docs.get(docid)
        if document is None:
            raise invalid(f"docid {docid} not found")
        return document

    def sheet(self, body: dict) -> Sheet:
        document = self.doc(body)
        sheet_id = body.get("sheet_id")
        for sheet in document.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise invalid(f"sheet_id {sheet_id} not found")

    def sheet_by_title(self, title: str) -> Sheet | None:
        with self.lock:
            for document in self.docs.values():
                for sheet in document.sheets:
                    if sheet.title == title:
                        return sheet
        return None

    def records_as_text(self, title: str) -> list[dict] | None:
        """GET /_records: every record of the sheet titled `title`, {field title: plain text}, table order."""
        with self.lock:
            sheet = self.sheet_by_title(title)
            if sheet is None:
                return None
            return [{f.field_title: plain(f, r.values.get(f.field_id)) for f in sheet.fields} for r in sheet.records]
