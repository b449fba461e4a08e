"""飞书自定义机器人 (签名校验)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import replace

from forms_app.notices.channels import NotifyError, register
from forms_app.notices.channels.webhook import Webhook
from forms_app.notices.messages import Message, as_text, fit


@register
class FeishuRobot(Webhook):
    """飞书自定义机器人: post (rich text, default) or text; 签名校验 adds timestamp and sign to the body."""

    kind, label = "feishu", "飞书自定义机器人"
    hosts, paths = ("open.feishu.cn", "open.larksuite.com"), ("/open-apis/bot/v2/hook/",)
    msgtypes = ("", "post", "text")
    LIMIT = 18000  # bytes of text, under Feishu's 20 KB body limit

    def body(self, message: Message) -> dict:
        """{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content"}}}} or text."""
        if self.msgtype == "text":
            body = {"msg_type": "text", "content": {"text": fit(as_text(message), self.LIMIT)}}
        else:
            text = fit(as_text(replace(message, title="")).lstrip("\n"), self.LIMIT)
            paragraphs = [[{"tag": "text", "text": line}] for line in text.split("\n")]
            body = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": message.title, "content": paragraphs}}}}
        if self.secret:
            timestamp, sign = feishu_sign(self.secret)
            body = {"timestamp": timestamp, "sign": sign, **body}
        return body

    def check(self, data: dict) -> None:
        """Feishu answers {"code": 0, "msg": "success"} (older robots: StatusCode)."""
        code = data.get("code", data.get("StatusCode", -1))
        if code != 0:
            raise NotifyError(f"{self.kind}: code {code} {str(data.get('msg', ''))[:80]}")


def feishu_sign(secret: str, timestamp_s: int | None = None) -> tuple[str, str]:
    """Feishu 签名校验: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message, Base64."""
    timestamp = str(timestamp_s if timestamp_s is not None else int(time.time()))
    digest = hmac.new(f"{timestamp}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return timestamp, base64.b64encode(digest).decode("ascii")
