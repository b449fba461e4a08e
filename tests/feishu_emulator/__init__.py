"""A local emulator of the Feishu Open Platform calls the stewards' 多维表格 needs (tenant access
token, bitable v1 tables / fields / records), for tests and demos: `python -m tests.feishu_emulator --port N`.

It answers the unmodified `lark-oapi` SDK over real HTTP with the documented request and response
shapes ({"code", "msg", "data"}) and error codes, enforces the documented per-API rate limits,
injects faults (rate-limit codes, 5xx, slow answers, dropped connections, writes whose answer is
lost, expired tokens) and shows each table as plain text at `GET /_records?table=TITLE`.
Like the real service it does NOT de-duplicate: a batch_create that arrives twice adds twice
(unless the same client_token is sent). See README.md next to this file.
"""
from .server import FeishuEmulator, start_emulator
from .state import DEFAULT_CREDENTIALS

__all__ = ["DEFAULT_CREDENTIALS", "FeishuEmulator", "start_emulator"]
