"""The stewards' tables in a WeCom 智能表格 (smartsheet) document, through WeCom's documented server API.

Calls (https://developer.work.weixin.qq.com/document/path/97469 and the pages it links):
cgi-bin/gettoken, then POST cgi-bin/wedoc/smartsheet/{get_sheet, add_sheet, get_fields, add_fields,
update_fields, get_records, add_records, update_records}?access_token=…, always with
key_type CELL_VALUE_KEY_TYPE_FIELD_TITLE so records are addressed by field title.

- One HTTP client (`_Client`) is the only code here that touches `requests`; every failure leaves it
  as a TableError saying whether to retry and whether a write may have been applied (ambiguous).
- The access token is cached for its expires_in (7200 s) less a margin and fetched again at once when
  the service answers 40014 (invalid) or 42001 (expired); such a call applied nothing, so it is re-sent.
- At most 500 records per add/update call; get_records is paged 1000 at a time (offset/next/has_more).
- A table holds at most 100,000 records and 15,000,000 cells: an add that would pass either is refused
  here, before anything is sent, with a message for the street office (not retried).
- Select fields are single selects with the spec's options; a value not among a field's options is
  added to that field's options (update_fields) before the records that use it are written.
- Values go into text fields as text runs ({"type": "text", "text": …}); a smartsheet computes formulas
  only in a formula field (a field type of its own, which this service never creates), so text starting
  with = + - @ stays text.
- 政务微信 is the same API on its own host: set WECOM_API_BASE_URL to that host.
"""
from __future__ import annotations

import logging
import time

import requests

from forms_app.delivery.tables.base import Record, TableError, TableSpec

log = logging.getLogger(__name__)

MAX_PER_CALL = 500          # 单次添加/更新建议在500行内
PAGE = 1000                 # get_records: limit 最大值为 1000
MAX_ROWS = 100_000          # 单表最多允许有100000行记录
MAX_CELLS = 15_000_000      # … 15000000个单元格
TOKEN_MARGIN = 300          # seconds before expires_in that a token is fetched again
TOKEN_ERRORS = {40014, 42001}             # invalid / expired access_token: fetch a new one and re-send
BUSY = {-1, 45009, 45033, 6000}           # system busy, frequency limit, concurrency limit, version conflict
APPLIED_MAYBE = {-1}                      # "system busy" after a write: it may have been applied
TITLE_KEYS = "CELL_VALUE_KEY_TYPE_FIELD_TITLE"
FIELD_TYPES = {"text": "FIELD_TYPE_TEXT", "select": "FIELD_TYPE_SINGLE_SELECT", "number": "FIELD_TYPE_NUMBER"}


class _Client:
    """gettoken + JSON POSTs to one WeCom host, with the access token cached; the only user of requests."""

    def __init__(self, base_url: str, corp_id: str, corp_secret: str, timeout: float = 30.0,
                 monotonic=time.monotonic):
        self.base_url = (base_url or "https://qyapi.weixin.qq.com").rstrip("/")
        self.corp_id, self.corp_secret, self.timeout = corp_id, corp_secret, timeout
        self.session = requests.Session()
        self.monotonic = monotonic
        self._token: str | None = None
        self._token_until = 0.0
        self.calls = 0   # requests sent (for the benchmark and tests)

    def close(self) -> None:
        self.session.close()

    def _send(self, method: str, path: str, *, write: bool, **kwargs) -> dict:
        """One HTTP request → its JSON answer; network and HTTP failures become TableError."""
        self.calls += 1
        try:
            response = self.session.request(method, self.base_url + path, timeout=(min(self.timeout, 10), self.timeout),
                                            **kwargs)
        except requests.exceptions.ConnectTimeout:
            raise TableError("企业微信接口连接超时（connect timeout）", retryable=True) from None
        except requests.exceptions.ConnectionError as exc:
            refused = "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc)
            raise TableError("企业微信接口连接中断（connection failed）", retryable=True,
                             ambiguous=write and not refused) from None
        except requests.exceptions.RequestException as exc:   # read timeout and the rest: the request went out
            raise TableError(f"企业微信接口没有回应（{type(exc).__name__}）", retryable=True, ambiguous=write) from None
        if response.status_code != 200:
            status = response.status_code
            raise TableError(f"企业微信接口 HTTP {status}", status=status, retryable=status == 429 or status >= 500,
                             ambiguous=write and status >= 500)
        try:
            data = response.json()
        except ValueError:
            raise TableError("企业微信接口的回答不是 JSON", status=200, retryable=True, ambiguous=write) from None
        if not isinstance(data, dict):
            raise TableError("企业微信接口的回答不是 JSON 对象", status=200, retryable=True, ambiguous=write)
        return data

    def token(self) -> str:
        """The cached access token, fetched with gettoken when missing or near its expiry."""
        if self._token and self.monotonic() < self._token_until:
            return self._token
        data = self._send("GET", "/cgi-bin/gettoken", write=False,
                          params={"corpid": self.corp_id, "corpsecret": self.corp_secret})
        code = data.get("errcode", 0)
        if code != 0 or not data.get("access_token"):
            # 40001/40013/41002/41004: wrong corp id or secret — the office must fix the settings.
            hint = "" if code in BUSY else "请检查 WECOM_CORP_ID 和 WECOM_CORP_SECRET。"
            raise TableError(f"企业微信没有发放 access_token（errcode {code}：{data.get('errmsg', '')}）。{hint}",
                             code=code, retryable=code in BUSY)
        self._token = str(data["access_token"])
        self._token_until = self.monotonic() + max(int(data.get("expires_in", 7200)) - TOKEN_MARGIN, 60)
        return self._token

    def call(self, api: str, body: dict, *, write: bool) -> dict:
        """POST cgi-bin/wedoc/smartsheet/<api>; a token refusal (nothing applied) is retried once with a new token."""
        for attempt in (1, 2):
            data = self._send("POST", f"/cgi-bin/wedoc/smartsheet/{api}", write=write,
                              params={"access_token": self.token()}, json=body)
            code = data.get("errcode", 0)
            if code == 0:
                return data
            if code in TOKEN_ERRORS:
                self._token = None
                if attempt == 1:
                    continue
            raise TableError(f"企业微信 {api} 失败（errcode {code}：{data.get('errmsg', '')}）", code=code,
                             retryable=code in BUSY or code in TOKEN_ERRORS,
                             ambiguous=write and code in APPLIED_MAYBE)
        raise AssertionError("unreachable")


def _plain(cell) -> str:
    """A cell as read (text runs, options, a number…) shown as plain text."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else ""
    if isinstance(cell, (int, float)):
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    if isinstance(cell, list):
        parts = [str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in cell]
        selects = all(isinstance(p, dict) and "type" not in p and "id" in p for p in cell)
        return ",".join(parts) if selects else "".join(parts)
    return str(cell)


class WeComTables:
    """The three tables as sub-sheets (子表) of one smartsheet document, found by title."""

    name = "wecom"

    def __init__(self, corp_id: str, corp_secret: str, doc_id: str, base_url: str = "", timeout: float = 30.0):
        self.client = _Client(base_url, corp_id, corp_secret, timeout)
        self.doc_id = doc_id
        self._sheet_ids: dict[str, str] = {}          # table title -> sheet_id
        self._fields: dict[str, dict[str, dict]] = {}  # sheet_id -> field title -> field (as get_fields gives it)
        self._ready: set[str] = set()                  # tables ensured by this instance

    @classmethod
    def from_config(cls, config) -> "WeComTables":
        """Built from WECOM_CORP_ID, WECOM_CORP_SECRET, WECOM_DOC_ID, WECOM_API_BASE_URL (and SHEETS_TIMEOUT)."""
        return cls(config["WECOM_CORP_ID"], config["WECOM_CORP_SECRET"], config["WECOM_DOC_ID"],
                   config.get("WECOM_API_BASE_URL") or "", float(config.get("SHEETS_TIMEOUT") or 30))

    def close(self) -> None:
        self.client.close()

    # --- structure -------------------------------------------------------------------------

    def _call(self, api: str, body: dict, *, write: bool) -> dict:
        """One call for a table's records; after any failure every table is looked up again before the next
        (a steward may have deleted or renamed a sub-sheet or a field, or a structure write may have landed)."""
        try:
            return self.client.call(api, body, write=write)
        except TableError:
            self._ready.clear()
            raise

    def _load_sheets(self) -> None:
        data = self.client.call("get_sheet", {"docid": self.doc_id}, write=False)
        sheet_ids: dict[str, str] = {}
        for sheet in data.get("sheet_list") or []:
            if sheet.get("type", "smartsheet") == "smartsheet":
                sheet_ids.setdefault(sheet["title"], sheet["sheet_id"])   # the first of equal titles
        self._sheet_ids = sheet_ids

    def _load_fields(self, sheet_id: str) -> dict[str, dict]:
        fields, offset = {}, 0
        while True:
            data = self.client.call("get_fields", {"docid": self.doc_id, "sheet_id": sheet_id, "offset": offset,
                                                   "limit": PAGE}, write=False)
            page = data.get("fields") or []
            fields.update({f["field_title"]: f for f in page})
            offset += len(page)
            if not page or offset >= int(data.get("total", offset)):
                break
        self._fields[sheet_id] = fields
        return fields

    def ensure(self, spec: TableSpec) -> list[str]:
        """Create the sub-sheet if missing, add missing fields and missing select options; never deletes or renames.

        Returns a line per change (none the second time). Every run reads the document's sheets and fields
        first, so after a failed (maybe applied) structure write the next run sends only what is still missing.
        """
        self._ready.discard(spec.title)
        changes: list[str] = []
        self._load_sheets()
        if spec.title not in self._sheet_ids:
            data = self.client.call("add_sheet", {"docid": self.doc_id, "properties": {"title": spec.title}},
                                    write=True)
            self._sheet_ids[spec.title] = data["properties"]["sheet_id"]
            changes.append(f"新建子表「{spec.title}」")
        sheet_id = self._sheet_ids[spec.title]
        fields = self._load_fields(sheet_id)
        missing = [f for f in spec.fields if f.title not in fields]
        if missing:
            body = []
            for f in missing:
                field = {"field_title": f.title, "field_type": FIELD_TYPES.get(f.kind, "FIELD_TYPE_TEXT")}
                if f.kind == "select":
                    field["property_single_select"] = {"options": [{"text": o} for o in f.options]}
                body.append(field)
            data = self.client.call("add_fields", {"docid": self.doc_id, "sheet_id": sheet_id, "fields": body},
                                    write=True)
            fields.update({f["field_title"]: f for f in data.get("fields") or []})
            changes.append(f"「{spec.title}」加字段：{'、'.join(f.title for f in missing)}")
        for f in spec.fields:
            if f.kind == "select" and f.options:
                added = self._add_options(sheet_id, f.title, f.options)
                if added:
                    changes.append(f"「{spec.title}」的「{f.title}」加选项：{'、'.join(added)}")
        self._ready.add(spec.title)
        return changes

    def _prepared(self, spec: TableSpec) -> str:
        """The table's sheet_id, ensuring the table once per adapter instance."""
        if spec.title not in self._ready or spec.title not in self._sheet_ids:
            self.ensure(spec)
        return self._sheet_ids[spec.title]

    def _add_options(self, sheet_id: str, title: str, wanted) -> list[str]:
        """Add the options a single-select field lacks (existing ones kept with their ids); the ones added."""
        field = self._fields.get(sheet_id, {}).get(title)
        if not field or field.get("field_type") != FIELD_TYPES["select"]:
            return []
        options = list((field.get("property_single_select") or {}).get("options") or [])
        have = {o.get("text") for o in options}
        new = [text for text in dict.fromkeys(wanted) if text and text not in have]
        if not new:
            return []
        prop = {**(field.get("property_single_select") or {}), "options": options + [{"text": t} for t in new]}
        data = self.client.call("update_fields", {"docid": self.doc_id, "sheet_id": sheet_id, "fields": [
            {"field_id": field["field_id"], "field_type": field["field_type"], "property_single_select": prop}]},
            write=True)
        for updated in data.get("fields") or []:
            self._fields[sheet_id][updated["field_title"]] = updated
        return new

    # --- records ---------------------------------------------------------------------------

    def records(self, spec: TableSpec) -> list[Record]:
        """Every record in table order, 1000 per get_records call."""
        sheet_id = self._prepared(spec)
        out, offset = [], 0
        while True:
            data = self._call("get_records", {"docid": self.doc_id, "sheet_id": sheet_id, "key_type": TITLE_KEYS,
                                              "offset": offset, "limit": PAGE}, write=False)
            page = data.get("records") or []
            for record in page:
                values = {title: "" for title in spec.titles}
                values.update({title: _plain(cell) for title, cell in (record.get("values") or {}).items()})
                out.append(Record(str(record["record_id"]), values))
            if not data.get("has_more") or not page:
                return out
            offset = int(data.get("next") or offset + len(page))

    def _cells(self, sheet_id: str, spec: TableSpec, row: dict[str, str]) -> dict:
        """{field title: plain text} → the documented cell values (text runs, an option, a number)."""
        fields = self._fields.get(sheet_id, {})
        values = {}
        for title, text in row.items():
            text = "" if text is None else str(text)
            field = fields.get(title)
            if field is None:
                raise TableError(f"企业微信智能表格「{spec.title}」没有「{title}」这一列；请先运行 flask sheet-setup。"
                                 f"（table {spec.title} has no field {title}）", retryable=False)
            kind = field.get("field_type")
            if kind == FIELD_TYPES["select"]:
                values[title] = [{"text": text}] if text else []
            elif kind == FIELD_TYPES["number"]:
                try:
                    values[title] = int(text) if text.lstrip("-").isdigit() else float(text)
                except ValueError:
                    if text:
                        log.warning("table %s: field %s is a number field; a non-number was left out", spec.title, title)
                    continue
            else:
                values[title] = [{"type": "text", "text": text}] if text else []
        return values

    def _options_for(self, sheet_id: str, rows) -> None:
        """Add to each select field the values about to be written that it lacks (one update_fields per field).

        After a failure the cached fields may be stale (the update may have landed): every table is ensured
        again, re-reading its fields, before the next write.
        """
        try:
            for title, field in list(self._fields.get(sheet_id, {}).items()):
                if field.get("field_type") == FIELD_TYPES["select"]:
                    wanted = [str(row[title]) for row in rows if row.get(title)]
                    if wanted:
                        self._add_options(sheet_id, title, wanted)
        except TableError:
            self._ready.clear()
            raise

    def _total(self, sheet_id: str) -> int:
        data = self._call("get_records", {"docid": self.doc_id, "sheet_id": sheet_id, "key_type": TITLE_KEYS,
                                          "offset": 0, "limit": 1}, write=False)
        return int(data.get("total") or 0)

    def add(self, spec: TableSpec, rows: list[dict[str, str]]) -> None:
        """Append records, 500 per add_records call; refused before sending past the table's limits."""
        if not rows:
            return
        sheet_id = self._prepared(spec)
        total, width = self._total(sheet_id), max(len(self._fields.get(sheet_id, {})), 1)
        if total + len(rows) > MAX_ROWS or (total + len(rows)) * width > MAX_CELLS:
            raise TableError(
                f"企业微信智能表格「{spec.title}」已有 {total} 条记录、{width} 列；再加 {len(rows)} 条就超过单表上限"
                f"（{MAX_ROWS} 条记录、{MAX_CELLS} 个单元格）。请把旧记录移到新的子表或新文档后再同步。"
                f"（table {spec.title} would pass WeCom's limit of {MAX_ROWS} records / {MAX_CELLS} cells）",
                code="table_full", retryable=False)
        self._options_for(sheet_id, rows)
        for start in range(0, len(rows), MAX_PER_CALL):
            chunk = rows[start:start + MAX_PER_CALL]
            self._call("add_records", {"docid": self.doc_id, "sheet_id": sheet_id, "key_type": TITLE_KEYS,
                                       "records": [{"values": self._cells(sheet_id, spec, row)} for row in chunk]},
                       write=True)

    def update(self, spec: TableSpec, changes: list[tuple[str, dict[str, str]]]) -> None:
        """Set the given fields of the given records, 500 per update_records call."""
        if not changes:
            return
        sheet_id = self._prepared(spec)
        self._options_for(sheet_id, [values for _, values in changes])
        for start in range(0, len(changes), MAX_PER_CALL):
            chunk = changes[start:start + MAX_PER_CALL]
            self._call("update_records", {"docid": self.doc_id, "sheet_id": sheet_id, "key_type": TITLE_KEYS,
                                          "records": [{"record_id": rid, "values": self._cells(sheet_id, spec, v)}
                                                      for rid, v in chunk]}, write=True)
