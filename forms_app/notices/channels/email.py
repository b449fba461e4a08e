"""SMTP e-mail to the team and the steward in charge."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from forms_app.core import clock
from forms_app.notices.channels import TIMEOUT, NotifyError
from forms_app.notices.messages import Message, as_text

log = logging.getLogger(__name__)
SENDER_NAME = "社区大管家"


class Email:
    """SMTP e-mail to the team's addresses plus the steward's own (ssl, starttls or none)."""

    name = "email"
    PORTS = {"ssl": 465, "starttls": 587, "none": 25}

    def __init__(self, host: str, port: int = 0, security: str = "ssl", user: str = "", password: str = "",
                 sender: str = "", team: tuple[str, ...] = (), stewards: dict | None = None,
                 timeout: float = TIMEOUT, context: ssl.SSLContext | None = None, sender_name: str = SENDER_NAME):
        if security not in self.PORTS:
            raise ValueError(f"ALERT_SMTP_SECURITY 应为 ssl、starttls 或 none（现为「{security}」）。")
        self.host, self.port, self.security = host, port or self.PORTS[security], security
        self.user, self.password, self.timeout = user, password, timeout
        name, addr = parseaddr(sender or user)
        if "@" not in addr:
            raise ValueError("发邮件需要设置 ALERT_EMAIL_FROM（或用邮箱地址作 ALERT_SMTP_USER）。")
        self.sender = Address(name or sender_name, addr_spec=addr)  # a bad address stops the start, not a send
        self.system_name = sender_name   # the street's brand, from the directory (never typed here)
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
        mail.set_content(as_text(message) + f"\n\n——\n此邮件由{self.system_name}系统自动发送，请不要直接回复。\n")
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
