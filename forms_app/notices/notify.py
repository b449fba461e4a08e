"""Sending urgent alerts (and the daily digest) to the stewards' phones through every configured
channel (`channels/`: a team robot webhook — WeCom, DingTalk, Feishu — and/or e-mail). What a
message says is messages.py's job.

Delivery is at least once per channel. Every channel is tried even when another fails; the worker
keeps the names of the channels that already took an alert in its outbox item ("sent"), so a retry
goes only through the channels that failed. A channel whose answer was lost after the platform
accepted the message (a timeout) can still show it twice — the price of never losing one.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from dataclasses import replace
from urllib.parse import urlsplit

from forms_app.core import clock
from forms_app.notices.channels import NotifyError
from forms_app.notices.channels.dingtalk import DingTalkRobot, dingtalk_sign  # noqa: F401  (re-exported)
from forms_app.notices.channels.email import Email
from forms_app.notices.channels.feishu import FeishuRobot, feishu_sign  # noqa: F401  (re-exported)
from forms_app.notices.channels.wecom import WeComRobot
from forms_app.notices.messages import Message, alert_message

log = logging.getLogger(__name__)

ROBOTS = {"wecom": WeComRobot, "dingtalk": DingTalkRobot, "feishu": FeishuRobot}
ROBOT_HOSTS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk", "open.feishu.cn": "feishu",
               "open.larksuite.com": "feishu"}
ROBOT_PATHS = {"/cgi-bin/webhook/send": "wecom", "/robot/send": "dingtalk", "/open-apis/bot/v2/hook/": "feishu"}




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
