"""企业微信群机器人."""
from __future__ import annotations

from forms_app.notices.channels import register
from forms_app.notices.channels.webhook import Webhook
from forms_app.notices.messages import Message, as_text, fit, markdown_safe


@register
class WeComRobot(Webhook):
    """企业微信群机器人: markdown (default) or text; @ by mobile needs text, so a mention switches to text."""

    kind, label = "wecom", "企业微信群机器人"
    hosts, paths = ("qyapi.weixin.qq.com",), ("/cgi-bin/webhook/send",)
    msgtypes = ("", "markdown", "text")
    MARKDOWN_LIMIT, TEXT_LIMIT = 4096, 2048  # bytes, as WeCom documents

    def body(self, message: Message) -> dict:
        """{"msgtype": "markdown", "markdown": {"content": …}} or text with mentioned_mobile_list."""
        if self.msgtype == "text" or message.mobiles:
            text = {"content": fit(as_text(message), self.TEXT_LIMIT)}
            if message.mobiles:
                text["mentioned_mobile_list"] = list(message.mobiles)
            return {"msgtype": "text", "text": text}
        return {"msgtype": "markdown", "markdown": {"content": fit(wecom_markdown(message), self.MARKDOWN_LIMIT)}}


def wecom_markdown(message: Message) -> str:
    """WeCom's markdown subset: bold title, bold headings, quoted lines."""
    out = [f"**{markdown_safe(message.title)}**"]
    for heading, lines in message.sections:
        if heading:
            out.append(f"**{markdown_safe(heading)}**")
        out += [f"> {markdown_safe(line)}" for line in lines]
    return "\n".join(out)
