"""What the emulator remembers: keys, approved templates, the texts it sent, replayed nonces."""
from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field

DEFAULT_KEYS = {"test-key-id": "test-key-secret"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile, national digits


def national(phone: str) -> str:
    """'+8613812345678', '008613812345678', '8613812345678' → '13812345678' (else unchanged)."""
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) - len(prefix) == 11:
            return phone[len(prefix):]
    return phone


@dataclass
class Text:
    """One text the emulator 'sent' (handed to the carrier)."""

    provider: str
    phone: str            # +86…, whatever form the request used
    sign: str
    template: str
    params: object        # Aliyun: dict (TemplateParam JSON); Tencent: list (TemplateParamSet)
    tag: str              # Aliyun OutId / Tencent SessionContext
    serial: str           # Aliyun BizId / Tencent SerialNo
    at: float = field(default_factory=time.time)

    def public(self) -> dict:
        """As GET /_messages lists it."""
        return {"provider": self.provider, "phone": "+86" + national(self.phone), "sign": self.sign,
                "template": self.template, "params": self.params}


class State:
    """Shared by all request threads; every method takes the lock."""

    def __init__(self, keys: dict[str, str] | None = None, *, receipt_delay: float = 0.0, daily_limit: int = 40,
                 clock_skew: float = 900.0):
        self.lock = threading.Lock()
        self.keys = dict(keys or DEFAULT_KEYS)
        self.receipt_delay = receipt_delay   # seconds before a sent text shows in the status look-ups
        self.daily_limit = daily_limit       # the provider's own per-number daily cap
        self.clock_skew = clock_skew
        self.unapproved: set[str] = set()    # template codes/ids that are not (or no longer) approved
        self.texts: list[Text] = []
        self.nonces: set[str] = set()
        self.requests: dict[str, int] = {}

    def reset(self) -> None:
        """Forget texts, counters, nonces and unapproved templates (keys stay)."""
        with self.lock:
            self.texts.clear()
            self.nonces.clear()
            self.requests.clear()
            self.unapproved.clear()

    def count(self, provider: str, action: str) -> None:
        """Count one request that reached the API."""
        with self.lock:
            key = f"{provider}.{action}"
            self.requests[key] = self.requests.get(key, 0) + 1

    def fresh_nonce(self, nonce: str) -> bool:
        """False when this nonce was already used (a replayed request)."""
        with self.lock:
            if nonce in self.nonces:
                return False
            self.nonces.add(nonce)
            return True

    def sent_today(self, phone: str) -> int:
        """Texts to this number in the last 24 hours."""
        with self.lock:
            since = time.time() - 86400
            return sum(1 for t in self.texts if national(t.phone) == national(phone) and t.at > since)

    def send(self, provider: str, phone: str, sign: str, template: str, params, tag: str) -> Text:
        """Record one sent text; returns it (with its serial number)."""
        text = Text(provider, phone, sign, template, params, tag, uuid.uuid4().hex[:20])
        with self.lock:
            self.texts.append(text)
        return text

    def receipts(self, provider: str, phone: str) -> list[Text]:
        """The texts to this number whose status report has arrived (older than receipt_delay)."""
        with self.lock:
            ready = time.time() - self.receipt_delay
            return [t for t in self.texts if t.provider == provider and national(t.phone) == national(phone)
                    and t.at <= ready]

    def configure(self, **changes) -> dict:
        """PUT /_emulator/config: unapproved_templates, daily_limit, receipt_delay, keys."""
        with self.lock:
            if "unapproved_templates" in changes:
                self.unapproved = set(changes["unapproved_templates"])
            if "daily_limit" in changes:
                self.daily_limit = int(changes["daily_limit"])
            if "receipt_delay" in changes:
                self.receipt_delay = float(changes["receipt_delay"])
            if "keys" in changes:
                self.keys = dict(changes["keys"])
            return self.config_locked()

    def config(self) -> dict:
        """GET /_emulator/config."""
        with self.lock:
            return self.config_locked()

    def config_locked(self) -> dict:
        """The current configuration (secrets not shown)."""
        return {"unapproved_templates": sorted(self.unapproved), "daily_limit": self.daily_limit,
                "receipt_delay": self.receipt_delay, "key_ids": sorted(self.keys)}
