"""Sending urgent alerts (and the daily digest) to the stewards' phones: a team robot webhook
(WeCom, DingTalk, Feishu) and/or e-mail. What a message says is messages.py's job.

Delivery is at least once per channel. Every channel is tried even when another fails; the worker
keeps the names of the channels that already took an alert in its outbox item ("sent"), so a retry
goes only through the channels that failed. A channel whose answer was lost after the platform
accepted the message (a timeout) can still show it twice — the price of never losing one.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import smtplib
import ssl
import time
import traceback
from dataclasses import replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlencode, urlsplit

import requests

from . import clock
from .messages import Message, alert_message, as_text, fit, markdown_safe

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds per webhook call / SMTP conversation step
SENDER_NAME = "延吉社区大管家"


class NotifyError(Exception):
    """Sending failed; the worker retries with back-off. `sent`: the channels that did take it."""

    def __init__(self, message: str, sent: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.sent = list(sent)


# --- channels ---------------------------------------------------------------------------------

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


class WeComRobot(Webhook):
    """企业微信群机器人: markdown (default) or text; @ by mobile needs text, so a mention switches to text."""

    kind = "wecom"
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


class DingTalkRobot(Webhook):
    """钉钉自定义机器人: markdown (default) or text; 加签 adds timestamp and sign to the URL."""

    kind = "dingtalk"
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


class FeishuRobot(Webhook):
    """飞书自定义机器人: post (rich text, default) or text; 签名校验 adds timestamp and sign to the body."""

    kind = "feishu"
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


ROBOTS = {"wecom": WeComRobot, "dingtalk": DingTalkRobot, "feishu": FeishuRobot}
ROBOT_HOSTS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk", "open.feishu.cn": "feishu",
               "open.larksuite.com": "feishu"}
ROBOT_PATHS = {"/cgi-bin/webhook/send": "wecom", "/robot/send": "dingtalk", "/open-apis/bot/v2/hook/": "feishu"}


class Email:
    """SMTP e-mail to the team's addresses plus the steward's own (ssl, starttls or none)."""

    name = "email"
    PORTS = {"ssl": 465, "starttls": 587, "none": 25}

    def __init__(self, host: str, port: int = 0, security: str = "ssl", user: str = "", password: str = "",
                 sender: str = "", team: tuple[str, ...] = (), stewards: dict | None = None,
                 timeout: float = TIMEOUT, context: ssl.SSLContext | None = None):
        if security not in self.PORTS:
            raise ValueError(f"ALERT_SMTP_SECURITY 应为 ssl、starttls 或 none（现为「{security}」）。")
        self.host, self.port, self.security = host, port or self.PORTS[security], security
        self.user, self.password, self.timeout = user, password, timeout
        name, addr = parseaddr(sender or user)
        if "@" not in addr:
            raise ValueError("发邮件需要设置 ALERT_EMAIL_FROM（或用邮箱地址作 ALERT_SMTP_USER）。")
        self.sender = Address(name or SENDER_NAME, addr_spec=addr)  # a bad address stops the start, not a send
        self.team, self.stewards = tuple(team), dict(stewards or {})
        self.context = context

    def recipients(self, message: Message) -> list[str]:
        """The team's addresses and the steward's own, each once."""
        extra = [self.stewards[message.steward_id]] if message.steward_id in self.stewards else []
        return list(dict.fromkeys([*self.team, *extra]))

    def compose(self, message: Message, to: list[str]) -> EmailMessage:
        """A plain-text e-mail with a Chinese subject (encoded as RFC 2047 by the e-mail package)."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(to)
        mail["Subject"] = message.title
        mail["Date"] = format_datetime(clock.now())  # +0800
        mail["Message-ID"] = make_msgid(domain=self.sender.domain)
        mail.set_content(as_text(message) + "\n\n——\n此邮件由延吉社区大管家系统自动发送，请不要直接回复。\n")
        return mail

    def deliver(self, message: Message) -> None:
        """Send one e-mail; NotifyError on any failure. No recipient for this message: nothing to do."""
        to = self.recipients(message)
        if not to:
            return
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(self.compose(message, to), to_addrs=to)
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", "")
            raise NotifyError(f"email: {type(exc).__name__} {code}".strip()) from None
        if refused:
            log.warning("e-mail refused for %d of %d recipients", len(refused), len(to))

    def _connect(self) -> smtplib.SMTP:
        """An SMTP connection, encrypted as configured (certificates verified)."""
        context = self.context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp


# --- all channels together ------------------------------------------------------------------------

def pairs(text: str) -> dict[str, str]:
    """'s1:a@x, s2:b@y' → {'s1': 'a@x', 's2': 'b@y'} (commas, semicolons or spaces between)."""
    out = {}
    for part in re.split(r"[,;，；\s]+", text or ""):
        key, sep, value = part.partition(":")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
    return out


def addresses(text: str) -> tuple[str, ...]:
    """'a@x, b@y' → ('a@x', 'b@y')."""
    return tuple(a for a in re.split(r"[,;，；\s]+", text or "") if a)


def robot_kind(url: str, kind: str) -> str:
    """The robot's platform: as configured, else from the URL's host or path (a relay keeps the path)."""
    parts = urlsplit(url)
    by_path = [k for path, k in ROBOT_PATHS.items() if parts.path.startswith(path)]
    kind = (kind or "").strip().lower() or ROBOT_HOSTS.get(parts.hostname or "", "") or (by_path or [""])[0]
    if kind not in ROBOTS:
        raise ValueError("ALERT_WEBHOOK_KIND 应为 wecom（企业微信）、dingtalk（钉钉）或 feishu（飞书）"
                         f"（现为「{kind}」，也无法从网址判断）。")
    return kind


class Notifier:
    """All configured channels; `send` raises NotifyError if any channel failed (after trying them all)."""

    def __init__(self, channels: list, mobiles: dict[str, str] | None = None, max_age_hours: float = 24.0):
        self.channels = channels
        self.mobiles = dict(mobiles or {})
        self.max_age_hours = max_age_hours

    @classmethod
    def from_config(cls, config) -> "Notifier | None":
        """The channels configured in the environment, or None when there are none."""
        channels: list = []
        if config.get("ALERT_WEBHOOK_URL"):
            url = config["ALERT_WEBHOOK_URL"]
            robot = ROBOTS[robot_kind(url, config.get("ALERT_WEBHOOK_KIND", ""))]
            channels.append(robot(url, secret=config.get("ALERT_WEBHOOK_SECRET", ""),
                                  msgtype=(config.get("ALERT_WEBHOOK_MSGTYPE") or "").strip().lower()))
        team, stewards = addresses(config.get("ALERT_EMAIL_TO", "")), pairs(config.get("ALERT_STEWARD_EMAILS", ""))
        if config.get("ALERT_SMTP_HOST") and (team or stewards):
            channels.append(Email(config["ALERT_SMTP_HOST"], int(config.get("ALERT_SMTP_PORT") or 0),
                                  (config.get("ALERT_SMTP_SECURITY") or "ssl").strip().lower(),
                                  config.get("ALERT_SMTP_USER", ""), config.get("ALERT_SMTP_PASSWORD", ""),
                                  config.get("ALERT_EMAIL_FROM", ""), team, stewards))
        if not channels:
            return None
        return cls(channels, pairs(config.get("ALERT_STEWARD_MOBILES", "")),
                   float(config.get("ALERT_MAX_AGE_HOURS") or 24.0))

    def send(self, alert: dict) -> None:
        """Send one alert through every channel that has not taken it yet."""
        self.post(alert_message(alert), skip=alert.get("sent", ()))
        log.info("alert %s (%s) sent", alert["ref"], alert["type"])

    def post(self, message: Message, skip=()) -> list[str]:
        """Send a message through every channel not in `skip`; the channels that have it, or NotifyError."""
        if message.mention and message.steward_id in self.mobiles:
            message = replace(message, mobiles=(self.mobiles[message.steward_id],))
        sent, errors = list(skip), []
        for channel in self.channels:
            if channel.name in sent:
                continue
            try:
                channel.deliver(message)
            except NotifyError as exc:
                errors.append(str(exc))
                continue
            except Exception as exc:  # a bug in one channel must not stop the worker (nor the other channel)
                where = traceback.extract_tb(exc.__traceback__)[-1]
                log.error("%s channel failed unexpectedly: %s at %s:%s (no details logged: they may quote a resident)",
                          channel.name, type(exc).__name__, where.filename, where.lineno)
                errors.append(f"{channel.name}: unexpected {type(exc).__name__}")
                continue
            sent.append(channel.name)
        if errors:
            raise NotifyError("; ".join(errors), sent=sent)
        return sent

    def stale(self, item) -> str:
        """Why an outbox alert is given up (still failing after ALERT_MAX_AGE_HOURS), or '' to keep trying."""
        age = clock.now() - clock.parse(item["queued_at"])
        if item["attempts"] and age > dt.timedelta(hours=self.max_age_hours):
            return f"已放弃：{self.max_age_hours:g} 小时内没能发出（{item['last_error'][:120]}）"
        return ""


def init_app(app) -> None:
    """Check the alert settings at start (a typo stops the start) and note whether alerts are on."""
    app.config["ALERTS_ENABLED"] = Notifier.from_config(app.config) is not None
