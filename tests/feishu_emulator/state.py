"""What the emulator remembers: accepted apps, issued tenant tokens, bases (apps) with their tables,
fields and records, the rate-limit windows and the call counters. Every method takes the lock."""
from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

DEFAULT_CREDENTIALS = {"cli_test": "test-secret"}

# Field types (字段编辑指南, https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-field/guide)
TEXT, NUMBER, SINGLE_SELECT, MULTI_SELECT, DATE, CHECKBOX, PHONE = 1, 2, 3, 4, 5, 7, 13
UI_TYPES = {TEXT: "Text", NUMBER: "Number", SINGLE_SELECT: "SingleSelect", MULTI_SELECT: "MultiSelect",
            DATE: "DateTime", CHECKBOX: "Checkbox", PHONE: "Phone"}

# Documented per-API limits (requests per second, per app and tenant); see README.md for the pages.
RATE_LIMITS = {"tables.list": 20, "tables.create": 10, "fields.list": 20, "fields.create": 10, "fields.update": 10,
               "records.search": 20, "records.list": 20, "records.batch_create": 50, "records.batch_update": 50}
MAX_TABLES = 100          # 数据表与仪表盘的总数量上限为 100 (app-table/create)
MAX_BATCH = 1000          # batch_create: 单次调用最多新增 1,000 条记录 (the current page; it said 500 before)
MAX_SEARCH_PAGE = 500     # search: 单次最多查询 500 行记录
MAX_FIELD_PAGE = 100
NEW_TOKEN_BELOW = 30 * 60  # less than 30 minutes left: token/internal issues a new token, the old stays valid


class ApiError(Exception):
    """An error answer: HTTP status, the service's code and msg."""

    def __init__(self, status: int, code: int, msg: str, headers: dict | None = None):
        super().__init__(msg)
        self.status, self.code, self.msg, self.headers = status, code, msg, headers or {}


@dataclass
class FieldDef:
    field_id: str
    field_name: str
    type: int
    property: dict | None = None
    is_primary: bool = False
    ui_type: str = ""

    def public(self) -> dict:
        return {"field_id": self.field_id, "field_name": self.field_name, "type": self.type,
                "property": self.property, "is_primary": self.is_primary,
                "ui_type": self.ui_type or UI_TYPES.get(self.type, "Text"), "is_hidden": False}

    def options(self) -> list[dict]:
        return (self.property or {}).setdefault("options", []) if self.type in (SINGLE_SELECT, MULTI_SELECT) else []


@dataclass
class RecordRow:
    record_id: str
    values: dict[str, object]            # field_id -> stored value
    created_time: int = 0
    last_modified_time: int = 0


@dataclass
class Table:
    table_id: str
    name: str
    default_view_id: str
    revision: int = 1
    fields: list[FieldDef] = field(default_factory=list)
    records: list[RecordRow] = field(default_factory=list)

    def field_named(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.field_name == name), None)


@dataclass
class App:
    app_token: str
    tables: list[Table] = field(default_factory=list)
    client_tokens: dict[str, dict] = field(default_factory=dict)   # client_token -> the answer's data

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.table_id == table_id), None)

    def table_named(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


def plain(field: FieldDef | None, value: object) -> str:
    """A stored value as the cell shows it, as plain text."""
    if value is None:
        return ""
    if isinstance(value, list):  # text segments [{"type": "text", "text": ...}] or multi-select names
        if all(isinstance(v, dict) for v in value):
            return "".join(str(v.get("text", "")) for v in value)
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class State:
    """Shared by all request threads."""

    def __init__(self, credentials: dict[str, str] | None = None, *, app_tokens=(), token_ttl: int = 7200,
                 rate_limits: bool = True, max_batch: int = MAX_BATCH, clock=time.time):
        self.lock = threading.RLock()
        self.credentials = dict(credentials or DEFAULT_CREDENTIALS)
        self.token_ttl = token_ttl
        self.rate_limits_on = rate_limits
        self.rate_limits = dict(RATE_LIMITS)
        self.max_batch = max_batch
        self.clock = clock
        self.apps: dict[str, App] = {}
        self.tokens: dict[str, tuple[str, float]] = {}      # tenant_access_token -> (app_id, expires_at)
        self.windows: dict[tuple[str, str], deque] = defaultdict(deque)
        self.requests: dict[str, int] = defaultdict(int)
        self.refused: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1)
        self._initial_apps = tuple(app_tokens)
        self._initial = (token_ttl, rate_limits, max_batch)
        for token in self._initial_apps:
            self.create_app(token)

    # --- ids -------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """An id shaped like the service's (tbl…, fld…, rec…, vew…, opt…)."""
        return f"{prefix}{next(self._ids):06d}{secrets.token_hex(3)}"

    # --- apps and tokens --------------------------------------------------------------------

    def create_app(self, app_token: str | None = None) -> App:
        with self.lock:
            token = app_token or "bascn" + secrets.token_hex(8)
            return self.apps.setdefault(token, App(token))

    def configure(self, **changes) -> dict:
        """PUT /_emulator/config: token_ttl, max_batch, rate_limits (per-API limits, or false to stop enforcing)."""
        with self.lock:
            for key in ("token_ttl", "max_batch"):
                if key in changes:
                    setattr(self, key, int(changes[key]))
            if "rate_limits" in changes:
                if isinstance(changes["rate_limits"], dict):
                    self.rate_limits.update({k: int(v) for k, v in changes["rate_limits"].items()})
                else:
                    self.rate_limits_on = bool(changes["rate_limits"])
        return self.config()

    def config(self) -> dict:
        """The current run-time options."""
        with self.lock:
            return {"token_ttl": self.token_ttl, "max_batch": self.max_batch,
                    "rate_limits_on": self.rate_limits_on, "rate_limits": self.rate_limits}

    def reset(self) -> None:
        """Forget bases, tokens, windows, counters and config changes; the --app-token bases come back empty."""
        with self.lock:
            self.apps.clear()
            self.tokens.clear()
            self.windows.clear()
            self.requests.clear()
            self.refused.clear()
            self.rate_limits = dict(RATE_LIMITS)
            self.token_ttl, self.rate_limits_on, self.max_batch = self._initial
            for token in self._initial_apps:
                self.create_app(token)

    def issue_token(self, app_id: str, app_secret: str) -> tuple[str, int]:
        """tenant_access_token/internal: the current token while ≥ 30 min are left, else a new one."""
        with self.lock:
            if self.credentials.get(app_id) != app_secret or not app_secret:
                raise ApiError(400, 10014, "app secret invalid") if app_id in self.credentials else \
                    ApiError(400, 10003, "invalid param")
            now = self.clock()
            live = [(t, exp) for t, (a, exp) in self.tokens.items() if a == app_id and exp > now]
            if live:
                token, expires = max(live, key=lambda item: item[1])
                if expires - now >= min(NEW_TOKEN_BELOW, self.token_ttl):
                    return token, int(expires - now)
            token = "t-" + secrets.token_hex(20)
            self.tokens[token] = (app_id, now + self.token_ttl)
            return token, self.token_ttl

    def check_token(self, authorization: str | None) -> str:
        """The app_id the bearer token belongs to, or the documented 99991661/99991663 answer."""
        if not authorization or not authorization.startswith("Bearer ") or not authorization[7:].strip():
            raise ApiError(400, 99991661, "Missing access token for authorization. Please make a request with token attached.")
        with self.lock:
            entry = self.tokens.get(authorization[7:].strip())
            if entry is None or entry[1] <= self.clock():
                raise ApiError(400, 99991663, "Invalid access token for authorization. Please make a request with token attached.")
            return entry[0]

    def expire_tokens(self) -> int:
        """Expire every issued token now (the next call with one gets 99991663)."""
        with self.lock:
            n = len(self.tokens)
            self.tokens.clear()
            return n

    # --- rate limits and counters -------------------------------------------------------------

    def count(self, op: str) -> None:
        with self.lock:
            self.requests[op] += 1

    def admit(self, app_id: str, op: str) -> ApiError | None:
        """None when the call is inside its documented per-second limit, else the 429 answer."""
        limit = self.rate_limits.get(op)
        if not self.rate_limits_on or not limit:
            return None
        with self.lock:
            now = self.clock()
            window = self.windows[(app_id, op)]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                self.refused[op] += 1
                reset = max(1, int(window[0] + 1.0 - now + 0.999))
                return ApiError(429, 99991400, "request trigger frequency limit",
                                {"x-ogw-ratelimit-limit": str(limit), "x-ogw-ratelimit-reset": str(reset)})
            window.append(now)
            return None

    def stats(self) -> dict:
        with self.lock:
            writes = sum(n for op, n in self.requests.items() if op in WRITE_OPS)
            return {"requests": dict(self.requests), "writes": writes, "refused": dict(self.refused),
                    "refused_total": sum(self.refused.values())}

    def clear_stats(self) -> None:
        with self.lock:
            self.requests.clear()
            self.refused.clear()
            self.windows.clear()

    # --- what GET /_records shows -------------------------------------------------------------

    def records_of(self, title: str) -> list[dict[str, str]] | None:
        """Every record of the first table titled `title` (any base), as {field name: plain text}."""
        with self.lock:
            for app in self.apps.values():
                table = app.table_named(title)
                if table is not None:
                    return [{f.field_name: plain(f, row.values.get(f.field_id)) for f in table.fields}
                            for row in table.records]
            return None


WRITE_OPS = frozenset({"tables.create", "fields.create", "fields.update", "records.batch_create", "records.batch_update"})
READ_OPS = frozenset({"tables.list", "fields.list", "records.search", "records.list"})
