"""The ways a message leaves for the stewards' phones, one file each, behind one small interface.

A channel has a `name` (kept in the outbox item once it has taken a message, so a retry skips it)
and `deliver(message)`, which sends one `messages.Message` or raises NotifyError. To add a channel,
write a file here and build it in `notify.Notifier.from_config`.
"""
from __future__ import annotations

from typing import Protocol

from forms_app.notices.messages import Message

TIMEOUT = 10.0  # seconds per webhook call / SMTP conversation step


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
