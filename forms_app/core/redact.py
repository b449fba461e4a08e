"""Hiding personal details in free text: phone-like numbers, and named values such as a name or room.

Alerts use it before a message reaches a group chat; retention uses it when personal data expires.
"""
from __future__ import annotations

import re

# Seven or more digits, however grouped (spaces, dashes, dots, brackets; full-width digits too:
# \d matches every Unicode digit). Catches mobiles and landlines; a date (2026-10-09) is left alone.
PHONE_LIKE = re.compile(r"(?<!\d)(?!\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}(?!\d))\+?\d(?:[ \t\-－—–.．·()（）]{0,2}\d){6,}")


def hide(text: str, *private: str, mark: str = "＊＊＊") -> str:
    """Text with phone-like numbers and each given private value replaced by mark."""
    text = PHONE_LIKE.sub(mark, text or "")
    for value in private:
        value = " ".join((value or "").split())
        if len(value) >= 2:  # a one-character name would blank every occurrence of that character
            text = text.replace(value, mark)
    return text
