"""The application's own log: level and format from the settings, phone-like numbers and photo names hidden.

Every module logs to `logging.getLogger(__name__)` under `forms_app`; this gives that tree one
handler on stderr (which gunicorn, systemd's journal and cron all keep) so INFO lines — the
stewards' audit lines ("steward s1 downloaded the workbook", "steward s1 edited W…") — are kept.
Log lines name references, steward ids and counts, never a resident's name, phone, room or text;
the filter below is a second guard that hides anything phone-like that slipped into a message.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import sys

from forms_app.core.clock import SHANGHAI
from forms_app.core.redact import PHONE_LIKE
from forms_app.core.references import KINDS, LENGTH, damm_valid

LOGGER = "forms_app"
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # an address in a log line is not a phone number


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever sys.stderr is now (gunicorn and pytest both swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _kept(text: str) -> bool:
    """An address, or one of our own reference numbers (kind digit + Damm check digit), is not a phone."""
    return bool(_IPV4.fullmatch(text)) or (len(text) == LENGTH and text[0] in KINDS.values() and text.isdigit()
                                           and damm_valid(text))


class HidePhones(logging.Filter):
    """Replace phone-like numbers in the finished message (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = PHONE_LIKE.sub(lambda m: m.group(0) if _kept(m.group(0)) else "＊＊＊", message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_PHOTO_IN_URL = re.compile(r"(photos(?:/|%2F))[A-Za-z0-9_-]{24}\.jpg", re.I)  # residents/photos.py's names


class HidePhotoNames(logging.Filter):
    """Replace stored photo names in log lines (e.g. the development server's request lines) with '…'."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _PHOTO_IN_URL.search(message):
            record.msg, record.args = _PHOTO_IN_URL.sub(r"\1…", message), None
        return True


class ShanghaiFormatter(logging.Formatter):
    """Log times in Shanghai time, like the pages ('2026-12-07 17:05:03,120 +0800'), whatever the server's zone."""

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        moment = dt.datetime.fromtimestamp(record.created, SHANGHAI)
        if datefmt:
            return moment.strftime(datefmt)
        return f"{moment:%Y-%m-%d %H:%M:%S},{int(record.msecs):03d} +0800"


def configure(config) -> None:
    """Set the forms_app logger's level and its one stderr handler (again on every create_app)."""
    level = str(config.get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        from forms_app.core.config import ConfigError

        raise ConfigError(f"LOG_LEVEL 应为 DEBUG、INFO、WARNING 或 ERROR，现在是“{level}”。")
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    for handler in [h for h in logger.handlers if isinstance(h, _Stderr)]:
        logger.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(ShanghaiFormatter(config.get("LOG_FORMAT") or "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(HidePhones())
    logger.addHandler(handler)
    # Our handler prints the line; passing it on as well would print it twice where the root logs too.
    logger.propagate = bool(config.get("TESTING"))
    # Photo names out of the request logs (werkzeug's; gunicorn writes no access log unless asked).
    requests_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, HidePhotoNames) for f in requests_log.filters):
        requests_log.addFilter(HidePhotoNames())
