"""Facts that pages and forms state, rendered from the directory data and the settings list.

The knowledge base writes `[[fact:name]]` inside a sentence (hooks/markers.py) and templates call
`fact('name')`: a deadline, the number of stewards or the 督办 threshold is then changed in one
place (data/directory.yaml or the setting), never retyped in prose. tests/kb/test_facts.py fails
when a page or template states one of these as literal text.
"""
from __future__ import annotations

import os

from .cases import CHANNELS, STEWARD_CHANNELS
from .config import SETTINGS

CHINESE_DIGITS = "零一二三四五六七八九十"


def chinese_count(n: int) -> str:
    """A small count in Chinese numerals, as a page says it (五位大管家, 十二个)."""
    if 0 <= n <= 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + CHINESE_DIGITS[n - 10]
    if n < 100:
        return CHINESE_DIGITS[n // 10] + "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def first_contact_when(days: int) -> str:
    """下一个工作日 for one working day, otherwise N个工作日内."""
    return "下一个工作日" if int(days) == 1 else f"{days}个工作日内"


def setting(name: str, config=None):
    """A setting's value: the running app's config, else the environment, else its default."""
    if config is not None and name in config:
        return config[name]
    default, parse = SETTINGS[name]
    raw = os.environ.get(name)
    return parse(raw) if raw else default


def brand(directory) -> str:
    """The service's name (street.brand), else the street's name + 社区大管家."""
    return str(directory.street.get("brand") or f"{directory.street.get('name', '')}社区大管家")


def account(directory) -> dict:
    """street.account: the street's own account of its steward system (about and progress pages)."""
    return directory.street.get("account") or {}


def _office(directory) -> dict:
    """street.office of the directory (name, phone, address, hours)."""
    return directory.street.get("office") or {}


# fact name -> its text from (directory, config or None).
FACTS = {
    "first-contact-days": lambda d, c: str(d.deadlines.get("first_contact", 1)),
    "first-contact-when": lambda d, c: first_contact_when(d.deadlines.get("first_contact", 1)),
    "resolve-days": lambda d, c: str(d.deadlines.get("resolve", 15)),
    "rehandle-days": lambda d, c: str(d.deadlines.get("rehandle", 3)),
    "steward-count": lambda d, c: chinese_count(len(d.stewards)),
    "office-name": lambda d, c: str(_office(d).get("name", "")),
    "street-name": lambda d, c: str(d.street.get("name", "")),
    "brand": lambda d, c: brand(d),
    "operator": lambda d, c: str(account(d).get("operator") or _office(d).get("name", "")),
    "office-hours": lambda d, c: str(_office(d).get("hours", "")),
    "urgent-categories": lambda d, c: "、".join(x.name for x in d.categories.values() if x.urgent),
    "channels": lambda d, c: "、".join(CHANNELS),
    "steward-channels": lambda d, c: "、".join(STEWARD_CHANNELS),
    "parties": lambda d, c: "、".join(d.parties),
    "supervise-after-days": lambda d, c: str(setting("SUPERVISE_AFTER_DAYS", c)),
    "followup-call-after": lambda d, c: str((d.street.get("followup") or {}).get("call_after", 3)),
    "area-count": lambda d, c: chinese_count(len(d.areas)),
    "covered-area-count": lambda d, c: chinese_count(sum(1 for a in d.areas.values() if a.covered)),
}


def fact(name: str, directory, config=None) -> str:
    """One fact's text; KeyError names an unknown fact."""
    return FACTS[name](directory, config)
