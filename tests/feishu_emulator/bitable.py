"""The bitable v1 calls: tables, fields, records (search, list, batch_create, batch_update).

Each handler takes the state, the parsed request and returns the answer's `data`, or raises ApiError
with the documented code. Handlers run under the state lock, so a batch is applied all or nothing.
Codes: see README.md (which of them the pages searched show, and which are the emulator's choice).
"""
from __future__ import annotations

import re

from .state import (MAX_FIELD_PAGE, MAX_SEARCH_PAGE, MAX_TABLES, MULTI_SELECT, NUMBER, PHONE, SINGLE_SELECT, TEXT,
                    UI_TYPES, ApiError, App, FieldDef, RecordRow, State, Table, plain)

ROUTES = [
    ("GET", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables$"), "tables.list"),
    ("POST", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables$"), "tables.create"),
    ("GET", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/fields$"), "fields.list"),
    ("POST", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/fields$"), "fields.create"),
    ("PUT", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/fields/([^/]+)$"), "fields.update"),
    ("POST", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/records/search$"), "records.search"),
    ("GET", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/records$"), "records.list"),
    ("POST", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/records/batch_create$"), "records.batch_create"),
    ("POST", re.compile(r"^/open-apis/bitable/v1/apps/([^/]+)/tables/([^/]+)/records/batch_update$"), "records.batch_update"),
]


def route(method: str, path: str) -> tuple[str, tuple[str, ...]] | None:
    """(operation, path parameters) for a bitable request, or None."""
    for verb, pattern, op in ROUTES:
        match = pattern.match(path)
        if match and verb == method:
            return op, match.groups()
    return None


def invalid(msg: str) -> ApiError:
    """The gateway's parameter check failing."""
    return ApiError(400, 99992402, f"field validation failed: {msg}")


def _app(state: State, app_token: str) -> App:
    app = state.apps.get(app_token)
    if app is None:
        raise ApiError(400, 1254040, "BaseTokenNotFound")
    return app


def _table(app: App, table_id: str) -> Table:
    table = app.table(table_id)
    if table is None:
        raise ApiError(400, 1254041, "TableIdNotFound")
    return table


def _page(query: dict, default: int, limit: int) -> tuple[int, int]:
    try:
        size = int(query.get("page_size") or default)
        start = int(query.get("page_token") or 0)
    except ValueError:
        raise invalid("page_size/page_token") from None
    if not 1 <= size <= limit:
        raise invalid(f"page_size must be between 1 and {limit}")
    return size, start


def _paged(items: list, size: int, start: int) -> dict:
    chunk, end = items[start:start + size], start + size
    more = end < len(items)
    return {"items": chunk, "has_more": more, "page_token": str(end) if more else "", "total": len(items)}


# --- fields ----------------------------------------------------------------------------------

def _field_def(state: State, table: Table | None, body: dict, *, primary: bool = False) -> FieldDef:
    name = body.get("field_name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("field_name is required")
    kind = body.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise invalid("type is required")
    if table is not None and table.field_named(name):
        raise ApiError(400, 1254014, "FieldNameDuplicated")
    prop = body.get("property")
    if kind in (SINGLE_SELECT, MULTI_SELECT):
        options = []
        for option in (prop or {}).get("options") or []:
            if not isinstance(option, dict) or not option.get("name"):
                raise invalid("property.options[].name is required")
            if any(o["name"] == option["name"] for o in options):
                continue
            options.append({"name": option["name"], "id": state.new_id("opt"), "color": option.get("color", len(options) % 54)})
        prop = {"options": options}
    return FieldDef(state.new_id("fld"), name, kind, prop, primary, body.get("ui_type") or UI_TYPES.get(kind, "Text"))


def list_fields(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    table = _table(_app(state, app_token), table_id)
    size, start = _page(query, 20, MAX_FIELD_PAGE)
    page = _paged([f.public() for f in table.fields], size, start)
    return page


def create_field(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    app = _app(state, app_token)
    table = _table(app, table_id)
    token = query.get("client_token")
    if token and token in app.client_tokens:
        return app.client_tokens[token]
    new = _field_def(state, table, body)
    table.fields.append(new)
    data = {"field": new.public()}
    if token:
        app.client_tokens[token] = data
    return data


def update_field(state: State, app_token: str, table_id: str, field_id: str, query: dict, body: dict) -> dict:
    """PUT fields/:field_id — a full update: options left out of the body are removed, kept ones keep their id."""
    table = _table(_app(state, app_token), table_id)
    field = next((f for f in table.fields if f.field_id == field_id), None)
    if field is None:
        raise ApiError(400, 1254044, "FieldIdNotFound")
    other = table.field_named(body.get("field_name") or "")
    if other is not None and other is not field:
        raise ApiError(400, 1254014, "FieldNameDuplicated")
    new = _field_def(state, None, body, primary=field.is_primary)
    if new.type in (SINGLE_SELECT, MULTI_SELECT):
        known = {o["id"]: o for o in field.options()}
        sent = (body.get("property") or {}).get("options") or []
        for option, made in zip(sent, new.options()):
            if option.get("id") in known:
                made["id"] = option["id"]
    field.field_name, field.type, field.property, field.ui_type = new.field_name, new.type, new.property, new.ui_type
    return {"field": field.public()}


# --- tables ----------------------------------------------------------------------------------

def list_tables(state: State, app_token: str, query: dict, body: dict) -> dict:
    app = _app(state, app_token)
    size, start = _page(query, 20, 100)
    return _paged([{"table_id": t.table_id, "revision": t.revision, "name": t.name} for t in app.tables], size, start)


def create_table(state: State, app_token: str, query: dict, body: dict) -> dict:
    app = _app(state, app_token)
    spec = body.get("table")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
        raise invalid("table.name is required")
    if app.table_named(spec["name"]):
        raise ApiError(400, 1254013, "TableNameDuplicated")
    if len(app.tables) >= MAX_TABLES:
        raise ApiError(400, 1254103, "TableExceedLimit")
    table = Table(state.new_id("tbl"), spec["name"], state.new_id("vew"))
    headers = spec.get("fields") or [{"field_name": "文本", "type": TEXT}]
    for index, header in enumerate(headers):
        if not isinstance(header, dict):
            raise invalid("table.fields[] must be objects")
        table.fields.append(_field_def(state, table, header, primary=index == 0))
    app.tables.append(table)
    return {"table_id": table.table_id, "default_view_id": table.default_view_id,
            "field_id_list": [f.field_id for f in table.fields]}


# --- records ---------------------------------------------------------------------------------

def _stored(state: State, field: FieldDef, value: object) -> object:
    """A written value as stored, or the field type's ...ConvFail error."""
    if value is None:
        return None
    if field.type in (TEXT, PHONE):
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            value = "".join(str(v.get("text", "")) for v in value)
        if not isinstance(value, str):
            raise ApiError(400, 1254060, "TextFieldConvFail")
        return value or None
    if field.type == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ApiError(400, 1254061, "NumberFieldConvFail")
        return float(value)
    if field.type == SINGLE_SELECT:
        if not isinstance(value, str):
            raise ApiError(400, 1254062, "SingleSelectFieldConvFail")
        if value and not any(o["name"] == value for o in field.options()):
            # A new option name written to a single select becomes a new option of the field.
            field.options().append({"name": value, "id": state.new_id("opt"), "color": len(field.options()) % 54})
        return value or None
    if field.type == MULTI_SELECT:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApiError(400, 1254063, "MultiSelectFieldConvFail")
        for name in value:
            if not any(o["name"] == name for o in field.options()):
                field.options().append({"name": name, "id": state.new_id("opt"), "color": len(field.options()) % 54})
        return list(value) or None
    return value


def _converted(state: State, table: Table, fields: object) -> dict[str, object]:
    if not isinstance(fields, dict):
        raise invalid("records[].fields must be an object")
    out = {}
    for name, value in fields.items():
        field = table.field_named(name)
        if field is None:
            raise ApiError(400, 1254045, "FieldNameNotFound")
        out[field.field_id] = _stored(state, field, value)
    return out


def _shown(field: FieldDef, value: object, text_as_array: bool) -> object:
    if field.type == TEXT:
        return [{"type": "text", "text": value}] if text_as_array else value
    if field.type == NUMBER and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _public(table: Table, row: RecordRow, *, names=None, text_as_array=True, automatic=False) -> dict:
    fields = {f.field_name: _shown(f, row.values[f.field_id], text_as_array) for f in table.fields
              if row.values.get(f.field_id) is not None and (names is None or f.field_name in names)}
    out = {"fields": fields, "record_id": row.record_id}
    if automatic:
        out.update(created_time=row.created_time, last_modified_time=row.last_modified_time)
    return out


def _records_body(state: State, body: dict, *, with_ids: bool) -> list[dict]:
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise invalid("records is required")
    if len(records) > state.max_batch:
        raise ApiError(400, 1254104, "RecordAddOnceExceedLimit")
    for record in records:
        if not isinstance(record, dict) or (with_ids and not isinstance(record.get("record_id"), str)):
            raise invalid("records[].record_id is required" if with_ids else "records[] must be objects")
    return records


def batch_create(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    app = _app(state, app_token)
    table = _table(app, table_id)
    token = query.get("client_token")
    if token and token in app.client_tokens:
        return app.client_tokens[token]
    records = _records_body(state, body, with_ids=False)
    converted = [_converted(state, table, record.get("fields") or {}) for record in records]  # all or nothing
    now = int(state.clock() * 1000)
    rows = [RecordRow(state.new_id("rec"), values, now, now) for values in converted]
    table.records.extend(rows)
    data = {"records": [_public(table, row, text_as_array=False) for row in rows]}
    if token:
        app.client_tokens[token] = data
    return data


def batch_update(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    app = _app(state, app_token)
    table = _table(app, table_id)
    token = query.get("client_token")
    if token and token in app.client_tokens:
        return app.client_tokens[token]
    records = _records_body(state, body, with_ids=True)
    by_id = {row.record_id: row for row in table.records}
    if any(record["record_id"] not in by_id for record in records):
        raise ApiError(400, 1254043, "RecordIdNotFound")
    converted = [(by_id[record["record_id"]], _converted(state, table, record.get("fields") or {})) for record in records]
    now = int(state.clock() * 1000)
    for row, values in converted:
        row.values.update(values)
        row.last_modified_time = now
    data = {"records": [_public(table, row, text_as_array=False) for row, _ in converted]}
    if token:
        app.client_tokens[token] = data
    return data


def _matches(table: Table, row: RecordRow, flt: object) -> bool:
    """The search filter: conjunction and/or of conditions is/isNot/contains/doesNotContain/isEmpty/isNotEmpty."""
    if not flt:
        return True
    if not isinstance(flt, dict):
        raise invalid("filter must be an object")
    results = []
    for cond in flt.get("conditions") or []:
        field = table.field_named(cond.get("field_name", ""))
        if field is None:
            raise ApiError(400, 1254045, "FieldNameNotFound")
        text = plain(field, row.values.get(field.field_id))
        wanted = (cond.get("value") or [""])[0]
        op = cond.get("operator")
        results.append({"is": text == wanted, "isNot": text != wanted, "contains": wanted in text,
                        "doesNotContain": wanted not in text, "isEmpty": text == "",
                        "isNotEmpty": text != ""}.get(op, None))
        if results[-1] is None:
            raise invalid(f"filter operator {op!r} is not supported by the emulator")
    return all(results) if flt.get("conjunction", "and") == "and" else any(results)


def search(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    table = _table(_app(state, app_token), table_id)
    size, start = _page(query, 20, MAX_SEARCH_PAGE)
    names = body.get("field_names")
    if names is not None and (not isinstance(names, list) or any(table.field_named(n) is None for n in names)):
        raise ApiError(400, 1254045, "FieldNameNotFound")
    rows = [row for row in table.records if _matches(table, row, body.get("filter"))]
    for order in reversed(body.get("sort") or []):
        field = table.field_named(order.get("field_name", ""))
        if field is None:
            raise ApiError(400, 1254045, "FieldNameNotFound")
        rows.sort(key=lambda r: plain(field, r.values.get(field.field_id)), reverse=bool(order.get("desc")))
    items = [_public(table, row, names=names, automatic=bool(body.get("automatic_fields"))) for row in rows]
    return _paged(items, size, start)


def list_records(state: State, app_token: str, table_id: str, query: dict, body: dict) -> dict:
    table = _table(_app(state, app_token), table_id)
    size, start = _page(query, 20, MAX_SEARCH_PAGE)
    as_array = str(query.get("text_field_as_array", "")).lower() == "true"
    return _paged([_public(table, row, text_as_array=as_array) for row in table.records], size, start)


HANDLERS = {"tables.list": list_tables, "tables.create": create_table, "fields.list": list_fields,
            "fields.create": create_field, "fields.update": update_field, "records.search": search, "records.list": list_records,
            "records.batch_create": batch_create, "records.batch_update": batch_update}
