"""A plain JSON webhook: for a relay or another system of the office's (no platform of its own)."""
from __future__ import annotations

import requests

from forms_app.notices.channels import register
from forms_app.notices.channels.webhook import Webhook
from forms_app.notices.messages import Message, as_text


@register
class JsonWebhook(Webhook):
    """POST {"title", "text", "steward_id"}; any 2xx answer means it was taken (the body is not read)."""

    kind, label = "json", "通用 JSON 网址"
    msgtypes = ("",)

    def body(self, message: Message) -> dict:
        """The message as plain text, with its title apart."""
        return {"title": message.title, "text": as_text(message), "steward_id": message.steward_id}

    def read(self, answer: requests.Response) -> None:
        """A 2xx status is the whole answer."""
