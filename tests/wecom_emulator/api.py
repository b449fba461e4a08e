"""The documented calls: gettoken, wedoc/create_doc and wedoc/smartsheet/{get_sheet, add_sheet, get_fields,
add_fields, update_fields, get_records, add_records, update_records}. Each handler takes the parsed JSON
body (state lock held) and returns the answer's fields besides errcode/errmsg, or raises ApiError."""
from __future__ import annotations

from .state import (FIELD_TYPES, MAX_FIELDS, MAX_PAGE, NUMBER, SINGLE_SELECT, TEXT, Document, Field,
                    Record, Sheet, State, _id, invalid, now_ms)

TITLE_KEYS, ID_KEYS = "CELL_VALUE_KEY_TYPE_FIELD_TITLE", "CELL_VALUE_KEY_TYPE_FIELD_ID"


def _by_title(body: dict) -> bool:
    key_type = body.get("key_type") or TITLE_KEYS   # 默认用标题
    if key_type not in (TITLE_KEYS, ID_KEYS):
        raise invalid(f"key_type {key_type}")
    return key_type == TITLE_KEYS


def create_doc(state: State, body: dict) -> dict:
    if body.get("doc_type") not in (3, 4, 10):
        raise invalid("doc_type")
    document = state.create_document(name=str(body.get("doc_name", ""))[:255])
    return {"url": f"https://doc.weixin.qq.com/smartsheet/{document.docid}", "docid": document.docid}


def get_sheet(state: State, body: dict) -> dict:
    document = state.doc(body)
    sheets = [s for s in document.sheets if not body.get("sheet_id") or s.sheet_id == body["sheet_id"]]
    return {"sheet_list": [{"sheet_id": s.sheet_id, "title": s.title, "is_visible": True, "type": "smartsheet"}
                           for s in sheets]}


def add_sheet(state: State, body: dict) -> dict:
    document: Document = state.doc(body)
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise invalid("properties")
    title = str(props.get("title") or f"智能表{len(document.sheets) + 1}")
    index = props.get("index", len(document.sheets))
    if not isinstance(index, int) or index < 0:
        raise invalid("properties.index")
    sheet = Sheet(_id(), title)
    document.sheets.insert(min(index, len(document.sheets)), sheet)
    return {"properties": {"title": title, "index": document.sheets.index(sheet), "sheet_id": sheet.sheet_id}}


def get_fields(state: State, body: dict) -> dict:
    sheet = state.sheet(body)
    fields = sheet.fields
    if body.get("field_ids"):
        fields = [f for f in fields if f.field_id in body["field_ids"]]
    if body.get("field_titles"):
        fields = [f for f in fields if f.field_title in body["field_titles"]]
    offset, limit = _page(body)
    page = fields[offset:offset + limit] if limit else fields[offset:]
    return {"total": len(fields), "fields": [f.public() for f in page]}


def _options(raw, existing: list[dict] | None = None) -> list[dict]:
    """Single-select options as stored: keep ids of known texts, give new texts an id."""
    known = {o["text"]: o for o in existing or []}
    out = []
    for option in raw or []:
        if not isinstance(option, dict) or not isinstance(option.get("text"), str) or not option["text"]:
            raise invalid("option text")
        kept = known.get(option["text"]) or next((o for o in existing or [] if o["id"] == option.get("id")), None)
        out.append({"id": (kept or {}).get("id") or option.get("id") or _id(),
                    "style": option.get("style", (kept or {}).get("style", len(out) % 27 + 1)),
                    "text": option["text"]})
    return out


def add_fields(state: State, body: dict) -> dict:
    sheet = state.sheet(body)
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise invalid("fields")
    if len(sheet.fields) + len(fields) > MAX_FIELDS:
        raise invalid(f"a sheet has at most {MAX_FIELDS} fields")
    titles = {f.field_title for f in sheet.fields}
    made = []
    for spec in fields:
        title, kind = spec.get("field_title"), spec.get("field_type")
        if not isinstance(title, str) or not title:
            raise invalid("field_title")
        if kind not in FIELD_TYPES:
            raise invalid(f"field_type {kind}")
        if title in titles:
            raise invalid(f"field_title {title} already exists")
        titles.add(title)
        extra = {k: v for k, v in spec.items() if k.startswith("property_")}
        options = _options((extra.get("property_single_select") or {}).get("options")) if kind == SINGLE_SELECT else []
        made.append(Field(_id(), title, kind, options, extra))
    sheet.fields.extend(made)
    return {"fields": [f.public() for f in made]}


def update_fields(state: State, body: dict) -> dict:
    sheet = state.sheet(body)
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise invalid("fields")
    changed = []
    for spec in fields:
        target = sheet.field_by(spec.get("field_id", ""), by_title=False)
        if target is None:
            raise invalid(f"field_id {spec.get('field_id')} not found")
        if spec.get("field_type") != target.field_type:
            raise invalid("field_type must be the field's own type")   # 不能更新字段类型
        title = spec.get("field_title")
        if title is not None:
            if title == target.field_title or any(f.field_title == title for f in sheet.fields):
                raise invalid("field_title")
            target.field_title = title
        if target.field_type == SINGLE_SELECT and "property_single_select" in spec:
            target.options = _options(spec["property_single_select"].get("options"), target.options)
        changed.append(target)
    return {"fields": [f.public() for f in changed]}


def _cell(sheet: Sheet, f: Field, value):
    """Check one written cell against its field's type; store it (a new select text adds the option)."""
    if f.field_type in ("FIELD_TYPE_CREATED_TIME", "FIELD_TYPE_MODIFIED_TIME", "FIELD_TYPE_CREATED_USER",
                        "FIELD_TYPE_MODIFIED_USER"):
        raise invalid(f"field {f.field_title} cannot be written")
    if f.field_type == NUMBER:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise invalid(f"field {f.field_title}: a number field takes a number")
        return value
    if not isinstance(value, list):
        raise invalid(f"field {f.field_title}: value must be an array")
    if f.field_type == TEXT:
        cell = []
        for part in value:
            if not isinstance(part, dict) or part.get("type") not in ("text", "url") or not isinstance(
                    part.get("text"), str):
                raise invalid(f"field {f.field_title}: CellTextValue {{type, text}} expected")
            cell.append({k: part[k] for k in ("type", "text", "link") if k in part})
        return cell
    if f.field_type == SINGLE_SELECT:
        if len(value) > 1:
            raise invalid(f"field {f.field_title}: single select takes one option")
        cell = []
        for option in value:
            if not isinstance(option, dict):
                raise invalid(f"field {f.field_title}: Option expected")
            found = next((o for o in f.options if (option.get("id") and o["id"] == option["id"])
                          or (not option.get("id") and o["text"] == option.get("text"))), None)
            if found is None:
                if option.get("id") or not isinstance(option.get("text"), str) or not option["text"]:
                    raise invalid(f"field {f.field_title}: option not found")
                found = {"id": _id(), "style": len(f.options) % 27 + 1, "text": option["text"]}
                f.options.append(found)
            cell.append(dict(found))
        return cell
    return value


def _values(sheet: Sheet, values, by_title: bool) -> dict:
    if not isinstance(values, dict):
        raise invalid("values")
    out = {}
    for key, value in values.items():
        f = sheet.field_by(key, by_title)
        if f is None:
            raise invalid(f"field {key} not found")
        out[f.field_id] = _cell(sheet, f, value)
    return out


def _public(sheet: Sheet, record: Record, by_title: bool, only: set[str] | None = None) -> dict:
    values = {}
    for f in sheet.fields:
        cell = record.values.get(f.field_id)
        if cell in (None, []) or (only is not None and f.field_title not in only and f.field_id not in only):
            continue
        values[f.field_title if by_title else f.field_id] = cell
    return {"record_id": record.record_id, "create_time": record.create_time, "update_time": record.update_time,
            "values": values}


def _check_batch(state: State, records) -> None:
    if not isinstance(records, list) or not records:
        raise invalid("records")
    if len(records) > state.max_records_per_call:
        raise invalid(f"at most {state.max_records_per_call} records per call")


def add_records(state: State, body: dict) -> dict:
    sheet, by_title = state.sheet(body), _by_title(body)
    records = body.get("records")
    _check_batch(state, records)
    rows = len(sheet.records) + len(records)
    if rows > state.max_rows:
        raise invalid(f"a sheet has at most {state.max_rows} records")
    if rows * max(len(sheet.fields), 1) > state.max_cells:
        raise invalid(f"a sheet has at most {state.max_cells} cells")
    made = []
    for spec in records:
        if not isinstance(spec, dict):
            raise invalid("record")
        stamp = now_ms()
        made.append(Record("r" + _id(5), _values(sheet, spec.get("values", {}), by_title), stamp, stamp))
    sheet.records.extend(made)
    return {"records": [_public(sheet, r, by_title) for r in made]}


def update_records(state: State, body: dict) -> dict:
    sheet, by_title = state.sheet(body), _by_title(body)
    records = body.get("records")
    _check_batch(state, records)
    index = {r.record_id: r for r in sheet.records}
    planned = []
    for spec in records:
        if not isinstance(spec, dict) or spec.get("record_id") not in index:
            raise invalid(f"record_id {spec.get('record_id') if isinstance(spec, dict) else spec} not found")
        planned.append((index[spec["record_id"]], _values(sheet, spec.get("values", {}), by_title)))
    for record, values in planned:   # all or nothing
        record.values.update(values)
        record.update_time = now_ms()
    return {"records": [_public(sheet, r, by_title) for r, _ in planned]}


def _page(body: dict) -> tuple[int, int]:
    offset, limit = body.get("offset", 0) or 0, body.get("limit", 0) or 0
    if not isinstance(offset, int) or offset < 0 or not isinstance(limit, int) or limit < 0:
        raise invalid("offset/limit")
    return offset, limit


def get_records(state: State, body: dict) -> dict:
    sheet, by_title = state.sheet(body), _by_title(body)
    offset, limit = _page(body)
    if limit > MAX_PAGE:
        raise invalid(f"limit at most {MAX_PAGE}")
    limit = limit or MAX_PAGE   # 不填或为0: 一次性返回至多1000行
    records = sheet.records
    if body.get("record_ids"):
        wanted = set(body["record_ids"])
        records = [r for r in records if r.record_id in wanted]
    only = set(body.get("field_titles") or body.get("field_ids") or []) or None
    page = records[offset:offset + limit]
    has_more = offset + limit < len(records)
    return {"total": len(records), "has_more": has_more, "next": offset + len(page),
            "records": [_public(sheet, r, by_title, only) for r in page]}


HANDLERS = {"create_doc": create_doc, "get_sheet": get_sheet, "add_sheet": add_sheet, "get_fields": get_fields,
            "add_fields": add_fields, "update_fields": update_fields, "get_records": get_records,
            "add_records": add_records, "update_records": update_records}
PATHS = {"/cgi-bin/wedoc/create_doc": "create_doc",
         **{f"/cgi-bin/wedoc/smartsheet/{name}": name for name in HANDLERS if name != "create_doc"}}

