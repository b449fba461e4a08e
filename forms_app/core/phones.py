"""Phone numbers: Chinese mobiles and Shanghai landlines, as residents really type them."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

# Separators people type between digit groups (ASCII and full-width), and a leading +86.
_SEPARATORS = re.compile(r"[\s\-－—–_.()（）]+")
_MOBILE = phonenumbers.PhoneNumberType.MOBILE
_FIXED = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
SHANGHAI_AREA = "21"


class PhoneError(ValueError):
    """Not a Chinese mobile or Shanghai landline."""


@dataclass(frozen=True)
class Phone:
    e164: str      # +8613812345678 — what we store
    display: str   # 138 1234 5678 / 021 6543 0001 — what people read

    @property
    def last4(self) -> str:
        """Last four digits, used to check progress without an account."""
        return self.e164[-4:]


def _digits(raw: str) -> str:
    """Fold full-width digits and drop separators; keep a leading '+'."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = _SEPARATORS.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text.isdigit():
        raise PhoneError(raw)
    return text


def normalise_phone(raw: str) -> Phone:
    """Parse a mobile (11 digits) or Shanghai landline (8 digits, with or without 021)."""
    digits = _digits(raw)
    if len(digits) == 8:  # a Shanghai landline typed without its area code
        digits = "0" + SHANGHAI_AREA + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise PhoneError(raw) from None
    kind = phonenumbers.number_type(number)
    national_digits = str(number.national_number)
    is_mobile = kind in (_MOBILE, *_FIXED) and len(national_digits) == 11 and national_digits[0] == "1"
    is_shanghai = kind in _FIXED and len(national_digits) == 10 and national_digits.startswith(SHANGHAI_AREA)
    if not phonenumbers.is_valid_number(number) or not (is_mobile or is_shanghai):
        raise PhoneError(raw)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), national)


def display_phone(raw: str) -> str:
    """A number as people read it: +8613812345678 -> 138 1234 5678, '021-5555 0100' -> 021 5555 0100;
    as written when it is not one ('' stays ''). The one formatter for pages, slips and the shared table."""
    raw = raw or ""
    if len(raw) == 14 and raw.startswith("+861") and raw[1:].isdigit():  # a stored mobile: no parsing (50,000 rows)
        return f"{raw[3:6]} {raw[6:10]} {raw[10:]}"
    try:
        return normalise_phone(raw).display
    except PhoneError:
        return raw


def is_mainland_mobile(e164: str) -> bool:
    """A mainland China mobile number (the only numbers a text message can reach)."""
    try:
        number = phonenumbers.parse(e164 or "", "CN")
    except phonenumbers.NumberParseException:
        return False
    return (number.country_code == 86 and phonenumbers.is_valid_number(number)
            and phonenumbers.number_type(number) in (_MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
            and len(str(number.national_number)) == 11 and str(number.national_number)[0] == "1")
