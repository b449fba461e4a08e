"""A local emulator of WeCom's (企业微信) server API for 智能表格 (smartsheet), for tests and demos:
`python -m tests.wecom_emulator --port N [--doc DOCID] [--credential ID:SECRET]`.

It answers cgi-bin/gettoken and cgi-bin/wedoc/smartsheet/{get_sheet, add_sheet, get_fields, add_fields,
update_fields, get_records, add_records, update_records} (and wedoc/create_doc) with the documented
shapes and errcodes, enforces the documented per-corp rate limits and table limits, expires tokens,
injects faults, and lists a table at `GET /_records?table=TITLE`. Like the service it does NOT
de-duplicate: the same add_records twice adds two records. See README.md next to this file.
"""
from .server import WeComEmulator, start_emulator

__all__ = ["WeComEmulator", "start_emulator"]
