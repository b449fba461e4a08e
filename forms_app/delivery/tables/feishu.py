"""Feishu 多维表格 (bitable v1) as the stewards' shared table, through the official lark-oapi SDK.

The SDK gets and caches the tenant_access_token (auth/v3/tenant_access_token/internal, kept until
10 minutes before its 2-hour expiry). When an answer says the token is invalid or expired
(99991661/99991663/99991664/99991665) the cached token is dropped and the call is sent once more:
such an answer means nothing was applied.

Every call is one of the SDK's bitable v1 request builders: list/create tables, list/create/update fields
(update only adds the spec's options a single select lacks, sending the field's own options back),
records search (500 a page, page_token/has_more) and batch_create / batch_update (at most 500
records per call). Values are plain text both ways: a text field is written as the string; a single
select as the option's name (a name the field does not list yet becomes a new option — the service
adds it); a number field as a number (text that is not a number is left out rather than refused).
A bitable text field never evaluates a formula, so a value starting with = + - @ is stored as typed.
An empty value clears the field on update (the SDK drops nulls from the body, so "" is sent) and is
left out on add.

Errors become TableError, classified honestly: rate limits (99991400, 1254290), write conflicts
(1254291) and "data not ready" (1254607) are retryable and were not applied; a 5xx, an answer that
is not JSON, a timeout or a dropped connection after a write was sent is retryable and ambiguous
(the worker re-reads before sending again); a connection that never opened is retryable, not
ambiguous; any other code (a missing permission, a renamed field...) is not retryable.
"""
from __future__ import annotations

import logging
import math

import requests

from forms_app.delivery.tables.base import Record, TableError, TableSpec

log = logging.getLogger(__name__)

TEXT, NUMBER, SINGLE_SELECT = 1, 2, 3      # field types (字段编辑指南)
KIND_TYPES = {"text": TEXT, "number": NUMBER, "select": SINGLE_SELECT}
TOKEN_CODES = frozenset({99991661, 99991663, 99991664, 99991665})
NOT_APPLIED = frozenset({99991400, 1254290, 1254291, 1254607})     # refused before anything changed
SERVER_CODES = frozenset({1255001, 1255002, 1255040})               # the service failed inside: outcome unknown
DUPLICATE_TABLE, DUPLICATE_FIELD = 1254013, 1254014
STALE = frozenset({1254041, 1254044, 1254045})   # table / field id / field name not found: re-read them next time
BATCH = 500         # records per batch_create / batch_update
PAGE = 500          # records per search page (documented maximum)
META_PAGE = 100     # tables / fields per list page


def cell_text(value: object) -> str:
    """A cell as the search answer gives it, as plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value):          # text segments, people, groups, links
            texts = [str(item.get("text") if item.get("text") is not None else item.get("name", "")) for item in value]
            return "".join(texts) if all("text" in item for item in value) else ",".join(texts)
        return ",".join(cell_text(item) for item in value)         # multi select
    if isinstance(value, dict):                                    # a link {link, text}, a location, a formula value
        for key in ("text", "full_address", "link", "value"):
            if value.get(key) is not None:
                return cell_text(value[key])
    return str(value)


def number_value(text: str) -> int | float | None:
    """'12' -> 12, '1.5' -> 1.5; None for text that is not a finite number."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _not_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the connection never opened (refused, DNS, connect timeout): nothing reached the service."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")


class FeishuTables:
    """TableService over one 多维表格 base (app_token); tables are found by title."""

    name = "feishu"

    def __init__(self, app_id: str, app_secret: str, app_token: str, base_url: str = "https://open.feishu.cn",
                 *, timeout: float = 15.0):
        import lark_oapi as lark  # imported here: only a deployment using Feishu needs the SDK loaded

        self.app_id, self.app_token = app_id, app_token
        self.client = (lark.Client.builder().app_id(app_id).app_secret(app_secret).domain(base_url.rstrip("/"))
                       .timeout(timeout).log_level(lark.LogLevel.ERROR).build())
        self._table_ids: dict[str, str] = {}
        self._field_types: dict[str, dict[str, int]] = {}
        self._field_objects: dict[str, dict[str, object]] = {}

    @classmethod
    def from_config(cls, config) -> "FeishuTables":
        from forms_app.delivery.tables import BackendUnavailable

        missing = [k for k in ("FEISHU_APP_ID", "FEISHU_APP_SECRET", "FEISHU_APP_TOKEN") if not config.get(k)]
        if missing:
            raise BackendUnavailable(f"飞书多维表格还缺这些设置：{'、'.join(missing)}（Feishu backend: {', '.join(missing)} not set）")
        return cls(config["FEISHU_APP_ID"], config["FEISHU_APP_SECRET"], config["FEISHU_APP_TOKEN"],
                   config.get("FEISHU_API_BASE_URL") or "https://open.feishu.cn",
                   timeout=float(config.get("SHEETS_TIMEOUT") or 30.0))   # seconds per call, as for every backend

    # --- the interface -------------------------------------------------------------------------

    def ensure(self, spec: TableSpec) -> list[str]:
        """Create the table with every field if missing; add the fields and select options it lacks.
        Never deletes or renames. Returns a line per change (none the second time)."""
        changes: list[str] = []
        table_id = self._find_table(spec.title)
        if table_id is None:
            table_id = self._create_table(spec)
            if table_id is not None:
                changes.append(f"新建数据表「{spec.title}」（{len(spec.fields)} 个字段）")
        if table_id is None:                      # created meanwhile by someone else (1254013)
            table_id = self._find_table(spec.title, fresh=True)
            if table_id is None:
                raise TableError(f"feishu: table {spec.title!r} neither found nor created", retryable=True)
        types = self._fields(table_id, fresh=True)
        for field in spec.fields:
            if field.title not in types:
                self._create_field(table_id, field)
                changes.append(f"「{spec.title}」新增字段「{field.title}」")
            elif field.kind == "select" and types[field.title] == SINGLE_SELECT:
                added = self._add_options(table_id, self._field_objects[table_id][field.title], field.options)
                if added:
                    changes.append(f"「{spec.title}」字段「{field.title}」新增选项：{'、'.join(added)}")
        if len(changes) > (1 if changes and changes[0].startswith("新建") else 0):
            self._fields(table_id, fresh=True)
        return changes

    def records(self, spec: TableSpec) -> list[Record]:
        """Every record, in the order the search answers (creation order), as plain text."""
        from lark_oapi.api.bitable.v1 import SearchAppTableRecordRequest, SearchAppTableRecordRequestBody

        table_id = self._table_id(spec)
        blank = dict.fromkeys((*spec.titles, *self._fields(table_id)), "")   # the answer leaves empty cells out
        out, token = [], ""
        while True:
            builder = SearchAppTableRecordRequest.builder().app_token(self.app_token).table_id(table_id).page_size(PAGE)
            if token:
                builder = builder.page_token(token)
            request = builder.request_body(SearchAppTableRecordRequestBody.builder().build()).build()
            data = self._call("records.search", self.client.bitable.v1.app_table_record.search, request)
            for item in data.items or []:
                values = dict(blank)
                values.update({title: cell_text(value) for title, value in (item.fields or {}).items()})
                out.append(Record(item.record_id, values))
            token = data.page_token or ""
            if not data.has_more or not token:
                return out

    def add(self, spec: TableSpec, rows: list[dict[str, str]]) -> None:
        """batch_create, 500 records a call."""
        from lark_oapi.api.bitable.v1 import (AppTableRecord, BatchCreateAppTableRecordRequest,
                                              BatchCreateAppTableRecordRequestBody)

        if not rows:
            return
        table_id = self._table_id(spec)
        types = self._fields(table_id)
        for start in range(0, len(rows), BATCH):
            records = [AppTableRecord.builder().fields(self._values(types, row, clearing=False)).build()
                       for row in rows[start:start + BATCH]]
            request = (BatchCreateAppTableRecordRequest.builder().app_token(self.app_token).table_id(table_id)
                       .request_body(BatchCreateAppTableRecordRequestBody.builder().records(records).build()).build())
            self._call("records.batch_create", self.client.bitable.v1.app_table_record.batch_create, request, write=True)

    def update(self, spec: TableSpec, changes: list[tuple[str, dict[str, str]]]) -> None:
        """batch_update, 500 records a call."""
        from lark_oapi.api.bitable.v1 import (AppTableRecord, BatchUpdateAppTableRecordRequest,
                                              BatchUpdateAppTableRecordRequestBody)

        if not changes:
            return
        table_id = self._table_id(spec)
        types = self._fields(table_id)
        for start in range(0, len(changes), BATCH):
            records = [AppTableRecord.builder().record_id(record_id).fields(self._values(types, values, clearing=True)).build()
                       for record_id, values in changes[start:start + BATCH]]
            request = (BatchUpdateAppTableRecordRequest.builder().app_token(self.app_token).table_id(table_id)
                       .request_body(BatchUpdateAppTableRecordRequestBody.builder().records(records).build()).build())
            self._call("records.batch_update", self.client.bitable.v1.app_table_record.batch_update, request, write=True)

    def close(self) -> None:
        """Nothing held: the SDK opens a connection per call."""

    # --- tables and fields ---------------------------------------------------------------------

    def _table_id(self, spec: TableSpec) -> str:
        table_id = self._find_table(spec.title)
        if table_id is None:
            self.ensure(spec)
            table_id = self._find_table(spec.title)
        if table_id is None:
            raise TableError(f"feishu: no table {spec.title!r}", retryable=True)
        return table_id

    def _find_table(self, title: str, *, fresh: bool = False) -> str | None:
        from lark_oapi.api.bitable.v1 import ListAppTableRequest

        if title in self._table_ids and not fresh:
            return self._table_ids[title]
        found, token = {}, ""
        while True:
            builder = ListAppTableRequest.builder().app_token(self.app_token).page_size(META_PAGE)
            if token:
                builder = builder.page_token(token)
            data = self._call("tables.list", self.client.bitable.v1.app_table.list, builder.build())
            for table in data.items or []:
                found.setdefault(table.name, table.table_id)   # two tables with one title: the first is ours
            token = data.page_token or ""
            if not data.has_more or not token:
                self._table_ids = found
                return found.get(title)

    def _create_table(self, spec: TableSpec) -> str | None:
        from lark_oapi.api.bitable.v1 import (AppTableCreateHeader, CreateAppTableRequest, CreateAppTableRequestBody,
                                              ReqTable)

        headers = []
        for field in spec.fields:
            header = AppTableCreateHeader.builder().field_name(field.title).type(KIND_TYPES.get(field.kind, TEXT))
            if field.kind == "select":
                header = header.property(self._select_property(field.options))
            headers.append(header.build())
        table = ReqTable.builder().name(spec.title).default_view_name("全部").fields(headers).build()
        request = (CreateAppTableRequest.builder().app_token(self.app_token)
                   .request_body(CreateAppTableRequestBody.builder().table(table).build()).build())
        try:
            data = self._call("tables.create", self.client.bitable.v1.app_table.create, request, write=True)
        except TableError as exc:
            if exc.code == DUPLICATE_TABLE:
                return None
            raise
        self._table_ids[spec.title] = data.table_id
        return data.table_id

    def _fields(self, table_id: str, *, fresh: bool = False) -> dict[str, int]:
        """{field title: type} of the table."""
        from lark_oapi.api.bitable.v1 import ListAppTableFieldRequest

        if table_id in self._field_types and not fresh:
            return self._field_types[table_id]
        objects, token = {}, ""
        while True:
            builder = ListAppTableFieldRequest.builder().app_token(self.app_token).table_id(table_id).page_size(META_PAGE)
            if token:
                builder = builder.page_token(token)
            data = self._call("fields.list", self.client.bitable.v1.app_table_field.list, builder.build())
            objects.update({field.field_name: field for field in data.items or []})
            token = data.page_token or ""
            if not data.has_more or not token:
                self._field_objects[table_id] = objects
                self._field_types[table_id] = {name: field.type for name, field in objects.items()}
                return self._field_types[table_id]

    def _create_field(self, table_id: str, field) -> None:
        from lark_oapi.api.bitable.v1 import AppTableField, CreateAppTableFieldRequest

        body = AppTableField.builder().field_name(field.title).type(KIND_TYPES.get(field.kind, TEXT))
        if field.kind == "select":
            body = body.property(self._select_property(field.options))
        request = (CreateAppTableFieldRequest.builder().app_token(self.app_token).table_id(table_id)
                   .request_body(body.build()).build())
        try:
            self._call("fields.create", self.client.bitable.v1.app_table_field.create, request, write=True)
        except TableError as exc:
            if exc.code != DUPLICATE_FIELD:   # added meanwhile: fine
                raise

    def _add_options(self, table_id: str, current, wanted) -> list[str]:
        """Add the spec's options a single select lacks (a whole update: the field's own options are sent back)."""
        from lark_oapi.api.bitable.v1 import (AppTableField, AppTableFieldProperty, AppTableFieldPropertyOption,
                                              UpdateAppTableFieldRequest)

        have = list((current.property.options if current.property else None) or [])
        missing = [name for name in wanted if name not in {o.name for o in have}]
        if not missing:
            return []
        options = [AppTableFieldPropertyOption.builder().name(o.name).id(o.id).color(o.color).build() for o in have]
        options += [AppTableFieldPropertyOption.builder().name(name).build() for name in missing]
        body = (AppTableField.builder().field_name(current.field_name).type(SINGLE_SELECT)
                .property(AppTableFieldProperty.builder().options(options).build()).build())
        request = (UpdateAppTableFieldRequest.builder().app_token(self.app_token).table_id(table_id)
                   .field_id(current.field_id).request_body(body).build())
        self._call("fields.update", self.client.bitable.v1.app_table_field.update, request, write=True)
        return missing

    @staticmethod
    def _select_property(options):
        from lark_oapi.api.bitable.v1 import AppTableFieldProperty, AppTableFieldPropertyOption

        return AppTableFieldProperty.builder().options(
            [AppTableFieldPropertyOption.builder().name(option).build() for option in options]).build()

    @staticmethod
    def _values(types: dict[str, int], values: dict[str, str], *, clearing: bool) -> dict[str, object]:
        """Plain text -> what each field type takes. Empty values: "" on update (clears), left out on add."""
        out: dict[str, object] = {}
        for title, text in values.items():
            text = "" if text is None else str(text)
            kind = types.get(title, TEXT)
            if text == "":
                if clearing and kind != NUMBER:
                    out[title] = ""
                continue
            if kind == NUMBER:
                number = number_value(text)
                if number is not None:
                    out[title] = number
                continue
            out[title] = text
        return out

    # --- one call --------------------------------------------------------------------------------

    def _token(self) -> None:
        """Make sure the SDK holds a tenant token (fetching it is never ambiguous)."""
        from lark_oapi.core.exception import ObtainAccessTokenException
        from lark_oapi.core.token import TokenManager

        try:
            TokenManager.get_self_tenant_token(self.client.config)
        except ObtainAccessTokenException as exc:
            code = exc.code if isinstance(exc.code, int) else None
            # A wrong App ID / App Secret will not heal by waiting; anything else may.
            raise TableError(f"feishu token: code {code} {exc.msg}", code=code,
                             retryable=code not in (10003, 10014)) from None
        except requests.exceptions.RequestException as exc:
            raise TableError(f"feishu token: {type(exc).__name__}", retryable=True) from None
        except ValueError as exc:
            raise TableError(f"feishu token: the answer is not JSON ({type(exc).__name__})", retryable=True) from None

    def _forget_token(self) -> None:
        from lark_oapi.core.token import TokenManager

        TokenManager.cache.set(f"self_tenant_token:{self.app_id}", "", 0)

    def _call(self, op: str, method, request, *, write: bool = False):
        """Send one SDK request; its `data` on success, else TableError (token refreshed once on the token codes)."""
        for attempt in (1, 2):
            self._token()
            try:
                response = method(request)
            except requests.exceptions.RequestException as exc:
                sent = not _not_sent(exc)
                raise TableError(f"feishu {op}: {type(exc).__name__}", retryable=True,
                                 ambiguous=write and sent) from None
            except ValueError as exc:     # a gateway page instead of JSON (502/504...)
                raise TableError(f"feishu {op}: the answer is not JSON ({type(exc).__name__})", retryable=True,
                                 ambiguous=write) from None
            code = response.code
            status = response.raw.status_code if response.raw is not None else None
            if code == 0:
                return response.data
            if code in TOKEN_CODES and attempt == 1:
                log.info("feishu %s: tenant token refused (code %s); fetching a new one", op, code)
                self._forget_token()
                continue
            message = f"feishu {op}: HTTP {status} code {code} {response.msg}"
            if code in STALE:  # a table or field changed by hand: look them up again on the next call
                self._table_ids.clear()
                self._field_types.clear()
                self._field_objects.clear()
                raise TableError(message, status=status, code=code, retryable=code == 1254041)
            if code in NOT_APPLIED or code in TOKEN_CODES or status == 429:
                raise TableError(message, status=status, code=code, retryable=True)
            if code in SERVER_CODES or (status or 0) >= 500 or code is None:
                raise TableError(message, status=status, code=code, retryable=True, ambiguous=write)
            raise TableError(message, status=status, code=code, retryable=False)
        raise AssertionError("unreachable")
