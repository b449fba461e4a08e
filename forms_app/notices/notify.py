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
import time
import traceback
from dataclasses import replace
from urllib.parse import urlsplit

from forms_app.core import clock
from forms_app.notices.channels import NotifyError, discover
from forms_app.notices.channels.dingtalk import dingtalk_sign  # noqa: F401  (re-exported)
from forms_app.notices.channels.email import SENDER_NAME, Email
from forms_app.notices.channels.feishu import feishu_sign  # noqa: F401  (re-exported)
from forms_app.notices.messages import Message, alert_message

log = logging.getLogger(__name__)

# Robot slots: (outbox name, settings prefix). The first keeps the name "webhook" that items
# queued before a second robot existed already carry; each robot has its own, so both run together.
ROBOT_SLOTS = (("webhook", "ALERT_WEBHOOK_"), ("webhook-2", "ALERT_WEBHOOK_2_"))



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


def robot_kind(url: str, kind: str, setting: str = "ALERT_WEBHOOK_KIND") -> str:
    """The robot's platform: as configured, else from the URL's host or path (a relay keeps the path)."""
    robots = discover()
    parts = urlsplit(url)
    by_host = [k for k, cls in robots.items() if (parts.hostname or "") in cls.hosts]
    by_path = [k for k, cls in robots.items() if any(parts.path.startswith(p) for p in cls.paths)]
    kind = (kind or "").strip().lower() or (by_host or by_path or [""])[0]
    if kind not in robots:
        known = "、".join(f"{k}（{cls.label}）" for k, cls in robots.items())
        raise ValueError(f"{setting} 应为 {known}（现为「{kind}」，也无法从网址判断）。")
    return kind


def robots_from_config(config) -> list:
    """Every configured robot, each with its own outbox name."""
    out = []
    for name, prefix in ROBOT_SLOTS:
        url = config.get(prefix + "URL")
        if not url:
            continue
        robot = discover()[robot_kind(url, config.get(prefix + "KIND", ""), prefix + "KIND")]
        out.append(robot(url, secret=config.get(prefix + "SECRET", ""),
                         msgtype=(config.get(prefix + "MSGTYPE") or "").strip().lower(), name=name))
    return out

RETRY_DELAYS = (5.0, 30.0)                    # pauses before the second and third try of one message


class Notifier:
    """All configured channels; `send` raises NotifyError if any channel failed (after trying them all)."""

    def __init__(self, channels: list, mobiles: dict[str, str] | None = None, max_age_hours: float = 24.0):
        self.channels = channels
        self.mobiles = dict(mobiles or {})
        self.max_age_hours = max_age_hours

    @classmethod
    def from_config(cls, config) -> "Notifier | None":
        """The channels configured in the environment, or None when there are none."""
        channels: list = robots_from_config(config)
        team, stewards = addresses(config.get("ALERT_EMAIL_TO", "")), pairs(config.get("ALERT_STEWARD_EMAILS", ""))
        if config.get("ALERT_SMTP_HOST") and (team or stewards):
            channels.append(Email(config["ALERT_SMTP_HOST"], int(config.get("ALERT_SMTP_PORT") or 0),
                                  (config.get("ALERT_SMTP_SECURITY") or "ssl").strip().lower(),
                                  config.get("ALERT_SMTP_USER", ""), config.get("ALERT_SMTP_PASSWORD", ""),
                                  config.get("ALERT_EMAIL_FROM", ""), team, stewards,
                                  sender_name=config.get("BRAND") or SENDER_NAME))
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

    def post_retrying(self, message: Message, sleep=time.sleep) -> None:
        """Post a message now (no outbox: the digest and the 督办 list), trying again after short pauses;
        a channel that took it is not tried again."""
        sent: list[str] = []
        for delay in (*RETRY_DELAYS, None):
            try:
                self.post(message, skip=sent)
                return
            except NotifyError as exc:
                sent = exc.sent
                if delay is None:
                    raise
                sleep(delay)

    def stale(self, item) -> str:
        """Why an outbox alert is given up (still failing after ALERT_MAX_AGE_HOURS), or '' to keep trying."""
        age = clock.now() - clock.parse(item["queued_at"])
        if item["attempts"] and age > dt.timedelta(hours=self.max_age_hours):
            return f"已放弃：{self.max_age_hours:g} 小时内没能发出（{item['last_error'][:120]}）"
        return ""


def init_app(app) -> None:
    """Check the alert settings at start (a typo stops the start) and note whether alerts are on."""
    app.config["ALERTS_ENABLED"] = Notifier.from_config(app.config) is not None
