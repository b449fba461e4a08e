"""What the team robots share: POST JSON to the robot's URL, then read its answer."""
from __future__ import annotations

import requests

from forms_app.notices.channels import TIMEOUT, NotifyError
from forms_app.notices.messages import Message


class Webhook:
    """A team robot webhook. A platform's file declares, as class attributes:

    kind     the value of ALERT_WEBHOOK_KIND that chooses it (also its outbox name when alone)
    label    its Chinese name, for messages to the office
    hosts    URL hosts that mean this platform; paths: URL path prefixes (a relay keeps the path)
    msgtypes the ALERT_WEBHOOK_MSGTYPE values it takes ("" = its default)
    and implements body(message), and check(data) or read(answer) for its answer.
    """

    kind = ""
    label = ""
    hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    msgtypes: tuple[str, ...] = ("", "text")

    def __init__(self, url: str, secret: str = "", msgtype: str = "", timeout: float = TIMEOUT, name: str = "webhook"):
        if msgtype not in self.msgtypes:
            shown = "、".join(m for m in self.msgtypes if m) or "（不用设置）"
            raise ValueError(f"{self.label or self.kind}的消息类型（ALERT_WEBHOOK_MSGTYPE）只能是 {shown}，现为「{msgtype}」。")
        self.url, self.secret, self.msgtype, self.timeout, self.name = url, secret, msgtype, timeout, name

    def deliver(self, message: Message) -> None:
        """Send one message; NotifyError on any failure (never with the URL: it holds the robot's key)."""
        try:
            answer = requests.post(self.target(), json=self.body(message), timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise NotifyError(f"{self.kind}: {type(exc).__name__}") from None
        if not 200 <= answer.status_code < 300:
            raise NotifyError(f"{self.kind}: HTTP {answer.status_code}")
        self.read(answer)

    def read(self, answer: requests.Response) -> None:
        """A 2xx answer: by default JSON whose error code check() reads."""
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
