"""The stewards' shared table: one adapter per table service, chosen by SHEET_BACKEND.

`service_from_config(config)` builds the configured backend or returns None when none is set.
Backends are imported lazily, so a deployment needs only the client library of the one it uses:
  google -> tables/google.py: GoogleTables   (gspread; Google Sheets — a transfer abroad)
  wecom  -> tables/wecom.py:  WeComTables    (WeCom / 政务微信 智能表格 server API)
  feishu -> tables/feishu.py: FeishuTables   (Feishu 多维表格 through lark-oapi)
To add one: write a file here with a class offering base.TableService and `from_config`, and list it below.
"""
from __future__ import annotations

import importlib

from forms_app.delivery.tables.base import Field, Record, TableError, TableService, TableSpec

__all__ = ["BACKENDS", "Field", "Record", "TableError", "TableService", "TableSpec",
           "backend_class", "backend_name", "service_from_config"]

BACKENDS: dict[str, str] = {
    "google": "forms_app.delivery.tables.google:GoogleTables",
    "wecom": "forms_app.delivery.tables.wecom:WeComTables",
    "feishu": "forms_app.delivery.tables.feishu:FeishuTables",
}
LABELS = {"google": "Google 表格", "wecom": "企业微信智能表格", "feishu": "飞书多维表格"}


class BackendUnavailable(RuntimeError):
    """The chosen backend cannot be used here; the message says in Chinese (and English) why."""


def backend_name(config) -> str:
    """The configured backend: SHEET_BACKEND, or google when its key is set, otherwise "" (off)."""
    chosen = str(config.get("SHEET_BACKEND") or "").strip().lower()
    if chosen:
        return chosen
    if config.get("SHEETS_SPREADSHEET_KEY") and config.get("GOOGLE_SERVICE_ACCOUNT_FILE"):
        return "google"
    return ""


def backend_class(name: str):
    """The adapter class for a backend name, imported now."""
    if name not in BACKENDS:
        raise BackendUnavailable(f"SHEET_BACKEND 只能是 {'、'.join(BACKENDS)} 之一，现在是 {name!r}"
                                 f"（SHEET_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}）。")
    module_name, _, class_name = BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        what = "这个版本还没有这个模块" if exc.name == module_name else f"它需要的库 {exc.name} 没有安装（pip install -r requirements.txt）"
        raise BackendUnavailable(
            f"{LABELS[name]}的对接模块用不了（{module_name}）：{what}。"
            f"（The {name} table backend is not available here: module {exc.name} is missing.）") from exc
    return getattr(module, class_name)


def service_from_config(config) -> TableService | None:
    """The configured table service, built from the app config; None when no backend is set."""
    name = backend_name(config)
    if not name:
        return None
    return backend_class(name).from_config(config)
