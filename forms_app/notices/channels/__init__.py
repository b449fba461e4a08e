"""The ways a message leaves for the stewards' phones, one file each, behind one small interface.

A channel has a `name` (kept in the outbox item once it has taken a message, so a retry skips it)
and `deliver(message)`, which sends one `messages.Message` or raises NotifyError.

Channels register themselves, as FixMyStreet's senders do: a team-robot file subclasses
`webhook.Webhook`, declares its `kind`, Chinese `label`, `hosts` and `paths` (how a URL is
recognised), the message types it takes and how it reads its answer, and is decorated with
`@register`. `discover()` imports every file of this package, so a new file is found with no
other edit; `notify.Notifier.from_config` builds each configured robot (ALERT_WEBHOOK_*, and a
second one from ALERT_WEBHOOK_2_*) and e-mail.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Protocol

from forms_app.notices.messages import Message

TIMEOUT = 10.0  # seconds per webhook call / SMTP conversation step

REGISTRY: dict[str, type] = {}   # robot kind -> its class


class NotifyError(Exception):
    """Sending failed; the worker retries with back-off. `sent`: the channels that did take it."""

    def __init__(self, message: str, sent: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.sent = list(sent)


class Channel(Protocol):
    """What every channel offers the notifier."""

    name: str

    def deliver(self, message: Message) -> None:
        """Send one message; NotifyError on any failure."""


def register(cls: type) -> type:
    """Class decorator: make a robot kind known to the notifier (by its `kind`)."""
    if cls.kind in REGISTRY and REGISTRY[cls.kind] is not cls:
        raise ValueError(f"two robot channels call themselves {cls.kind!r}")
    REGISTRY[cls.kind] = cls
    return cls


def discover() -> dict[str, type]:
    """Import every module of this package (each registers its robots); the registry, by kind."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY
