"""钉钉自定义机器人 (加签)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

from forms_app.notices.channels import register
from forms_app.notices.channels.webhook import Webhook
from forms_app.notices.messages import Message, as_text, fit, markdown_safe


@register
class DingTalkRobot(Webhook):
    """钉钉自定义机器人: markdown (default) or text; 加签 adds timestamp and sign to the URL."""

    kind, label = "dingtalk", "钉钉自定义机器人"
    hosts, paths = ("oapi.dingtalk.com",), ("/robot/send",)
    msgtypes = ("", "markdown", "text")
    LIMIT = 18000  # bytes of text, under DingTalk's 20,000-byte body limit

    def target(self) -> str:
        """The webhook URL, plus &timestamp=…&sign=… when the robot has a secret."""
        if not self.secret:
            return self.url
        timestamp, sign = dingtalk_sign(self.secret)
        return self.url + ("&" if "?" in self.url else "?") + urlencode({"timestamp": timestamp, "sign": sign})

    def body(self, message: Message) -> dict:
        """{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles", "isAtAll"}}."""
        at = {"atMobiles": list(message.mobiles), "isAtAll": False}
        mentions = " ".join(f"@{m}" for m in message.mobiles)  # DingTalk shows an @ only when the text has it
        if self.msgtype == "text":
            content = fit(as_text(message) + (f"\n{mentions}" if mentions else ""), self.LIMIT)
            return {"msgtype": "text", "text": {"content": content}, "at": at}
        text = fit(dingtalk_markdown(message) + (f"\n\n{mentions}" if mentions else ""), self.LIMIT)
        return {"msgtype": "markdown", "markdown": {"title": message.title[:64], "text": text}, "at": at}


def dingtalk_markdown(message: Message) -> str:
    """DingTalk markdown: a heading, bold section headings, list items."""
    out = [f"#### {markdown_safe(message.title)}"]
    for heading, lines in message.sections:
        if heading:
            out.append(f"**{markdown_safe(heading)}**")
        out.append("\n".join(f"- {markdown_safe(line)}" for line in lines) if heading else "\n\n".join(markdown_safe(l) for l in lines))
    return "\n\n".join(out)


def dingtalk_sign(secret: str, timestamp_ms: int | None = None) -> tuple[str, str]:
    """DingTalk 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, Base64 (URL-encoding is urlencode's)."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return timestamp, base64.b64encode(digest).decode("ascii")
