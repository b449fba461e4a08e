"""What the team robots (WeCom, DingTalk, Feishu) share: POST JSON, check status and error code."""
from __future__ import annotations

import requests

from forms_app.notices.channels import TIMEOUT, NotifyError
from forms_app.notices.messages import Message


class Webhook:
    """A team robot webhook: POST JSON, check the HTTP status and the platform's own error code."""

    name = "webhook"
    kind = ""

    def __init__(self, url: str, secret: str = "", msgtype: str = "", timeout: float = TIMEOUT):
        self.url, self.secret, self.msgtype, self.timeout = url, secret, msgtype, timeout

    def deliver(self, message: Message) -> None:
        """Send one message; NotifyError on any failure (never with the URL: it holds the robot's key)."""
        try:
            answer = requests.post(self.target(), json=self.body(message), timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise NotifyError(f"{self.kind}: {type(exc).__name__}") from None
        if not 200 <= answer.status_code < 300:
            raise NotifyError(f"{self.kind}: HTTP {answer.status_code}")
        try:
            data = answer.json()
        except ValueError:
            raise NotifyError(f"{self.kind}: answer is not JSON") from None
        self.check(data if isinstance(data, dict) else {})

    def target(self) -> str:
        """The URL to post to."""
        return self.url

    def body(self, message: Message) -> dict:
        """The platform's JSON for a message."""
        raise NotImplementedError

    def check(self, data: dict) -> None:
        """Raise NotifyError when the platform's answer reports an error."""
        code = data.get("errcode", -1)
        if code != 0:
            raise NotifyError(f"{self.kind}: errcode {code} {str(data.get('errmsg', ''))[:80]}")
