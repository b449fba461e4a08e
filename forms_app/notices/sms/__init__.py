"""Text messages to residents through a provider's official SDK, one file per provider, behind one small
interface (like the alert channels): `name`, `send(text)` and `lookup(text, since)`.

`send` hands one text to the provider and returns its serial number, or raises SmsError saying
whether trying again can help (`retryable`), whether the text may have gone out anyway
(`ambiguous`: a timeout, a dropped connection, a 5xx) and whether the refusal is about our account
or settings rather than this text (`account`: a wrong key, an unapproved signature or template, no
balance — each adapter lists its provider's codes, checked against the SDK's and provider's
error-code documentation). Neither provider de-duplicates — both say
so in their SendSms documentation and advise checking the send record before retrying — so every
text carries its outbox item's id (Aliyun OutId, Tencent SessionContext), and after an ambiguous
failure the worker calls `lookup` to find that id in the provider's send records before it sends
again (delivery/sms.py).
"""
from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

TIMEOUT = 10.0  # seconds per provider call


class SmsError(Exception):
    """A provider call failed. `code`: the provider's error code (or a network error's kind)."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = True, ambiguous: bool = False,
                 account: bool = False):
        super().__init__(message)
        self.code, self.retryable, self.ambiguous = code, retryable, ambiguous
        # A refusal about our account or settings (key, signature, template, balance), not this text:
        # every text meets it until someone fixes the settings. Never retried; the office is told once.
        self.account = account
        if account:
            self.retryable = False


@dataclass(frozen=True)
class Text:
    """One text as the provider gets it: no name, description or room — the phone and template variables."""

    phone: str                          # E.164, +86…
    template: str                       # the provider's template code / id
    params: tuple[tuple[str, str], ...]  # (variable, value) in template order
    tag: str                            # our idempotency mark: the outbox item's id


class SmsChannel(Protocol):
    """What every provider adapter offers the worker."""

    name: str
    settle: float  # seconds after an ambiguous send before a look-up that finds nothing can be trusted

    def send(self, text: Text) -> str:
        """Send one text; its serial number, or SmsError."""

    def lookup(self, text: Text, since: dt.datetime) -> bool:
        """Whether the provider's records show this text (by its tag) sent since `since`; SmsError on failure."""


def endpoint(value: str, default: str) -> tuple[str, str]:
    """SMS_ENDPOINT → (host[:port], 'https'|'http'); empty: the provider's own host over HTTPS."""
    value = (value or "").strip()
    if not value:
        return default, "https"
    if "://" in value:
        parts = urlsplit(value)
        return parts.netloc, parts.scheme.lower()
    return value, "https"


@dataclass(frozen=True)
class Provider:
    """A provider as the settings see it, before its SDK is imported (a deployment installs only one)."""

    label: str                      # as the office knows it: 阿里云
    adapter: str                    # "module:Class"; the class has `from_config(config, timeout)`
    settings: tuple[str, ...] = ()  # what it needs beyond the key, the secret and the signature


# The one list of providers: a new one is a file here and a line below.
PROVIDERS = {
    "aliyun": Provider("阿里云", "forms_app.notices.sms.aliyun:AliyunSms"),
    "tencent": Provider("腾讯云", "forms_app.notices.sms.tencent:TencentSms", ("SMS_SDK_APP_ID",)),
}
COMMON_SETTINGS = ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME")


def check(config) -> str:
    """The configured provider ('' when SMS is off); ValueError on a bad or missing setting. Imports no SDK."""
    name = (config.get("SMS_PROVIDER") or "").strip().lower()
    if not name:
        return ""
    if name not in PROVIDERS:
        choices = "或 ".join(f"{n}（{p.label}）" for n, p in PROVIDERS.items())
        raise ValueError(f"SMS_PROVIDER 应为 {choices}，或者留空（现为「{name}」）。")
    missing = [n for n in (*COMMON_SETTINGS, *PROVIDERS[name].settings) if not config.get(n)]
    if missing:
        raise ValueError(f"SMS_PROVIDER={name} 还需要设置：{'、'.join(missing)}（见 .env.example）。")
    return name


def from_config(config, timeout: float = TIMEOUT):
    """The configured provider's adapter, or None when SMS is off. ValueError on a bad setting."""
    name = check(config)
    if not name:
        return None
    module_name, _, class_name = PROVIDERS[name].adapter.partition(":")
    return getattr(importlib.import_module(module_name), class_name).from_config(config, timeout)
