"""Reference numbers residents read aloud on the phone and type on a phone keypad.

New references are eight digits, shown as two groups of four ("2604 1937"):

- the first digit says what it is: 2 for a reported problem, 8 for a joint-reception sign-up
  (a steward on the phone asks "是 2 开头还是 8 开头？");
- six random digits (not sequential: a neighbour cannot guess the next one); uniqueness across
  processes and restarts comes from the store's UNIQUE index, and the caller retries on the rare
  collision (10^6 per kind, a street sends a few hundred a year);
- a Damm check digit last. Damm rather than Luhn: it catches every single-digit error AND every
  swap of two adjacent digits (Luhn misses 09<->90), needs no letters (ISO 7064 mod 11 may give
  'X'), and is a 10x10 table lookup. A mistyped digit is caught before any look-up:
  "编号可能写错了一位".

Digits only: no Latin letters to spell on the phone or hunt for on a pinyin keyboard, and a
numeric keypad (inputmode=numeric) for typing them.

References issued before (W7K3-M9P for reports, J… for sign-ups) keep working everywhere: they
are stored as they were issued, and normalise() recognises both forms.
"""
from __future__ import annotations

import secrets
import unicodedata

# --- the new, digits-only form -----------------------------------------------------------------
KINDS = {"report": "2", "signup": "8"}        # first digit per kind
LENGTH = 8                                     # kind digit + 6 random digits + Damm check digit
RANDOM_DIGITS = LENGTH - 2
MISTYPED = "编号可能写错了一位，请对照提交成功时的页面再核对一下。"

# Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# --- the old form (issued until the digits-only change): W or J + 6 symbols ----------------------
OLD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0 O 1 I L
OLD_BODY_LENGTH = 6
OLD_PREFIXES = {"report": "W", "signup": "J"}      # W 问题 (wèn), J 接待 (jiē)


def damm_digit(digits: str) -> str:
    """The Damm check digit of a string of digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return str(interim)


def damm_valid(digits: str) -> bool:
    """Whether a string of digits ends in its correct Damm check digit."""
    return digits.isascii() and digits.isdigit() and damm_digit(digits) == "0"


def new_reference(kind: str) -> str:
    """A fresh reference as stored, e.g. '26041937' (shown as '2604 1937')."""
    body = KINDS[kind] + "".join(secrets.choice("0123456789") for _ in range(RANDOM_DIGITS))
    return body + damm_digit(body)


# Digits as residents say or type them in Chinese: 二九一二 零六五九, 幺 for one, 两 for two.
CHINESE_DIGITS = str.maketrans({"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
                                "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"})


def fold_digits(raw: str) -> str:
    """Full-width forms to ASCII and Chinese numerals to digits ('二九一二 ０６５９' -> '2912 0659')."""
    return unicodedata.normalize("NFKC", raw or "").translate(CHINESE_DIGITS)


def _compact(raw: str) -> str:
    """Full-width to ASCII, Chinese numerals to digits, upper case, only letters and digits kept
    ('２６０４－１９３７' and '二六零四 一九三七' -> '26041937')."""
    text = fold_digits(raw).upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def normalise(raw: str) -> str:
    """The reference as stored, from whatever was typed, or '' if it cannot be one.

    Tolerates spaces, dashes, full-width characters and case: ' 2604 1937 ' -> '26041937',
    'w7k3m9p' -> 'W7K3-M9P'. A digits-only reference must pass its check digit.
    """
    text = _compact(raw)
    if text.isdigit():
        return text if len(text) == LENGTH and damm_valid(text) else ""
    if len(text) == 1 + OLD_BODY_LENGTH:
        return f"{text[:4]}-{text[4:]}"
    return ""


def problem(raw: str) -> str:
    """What is wrong with a typed reference, in words for the resident ('' when it may be one)."""
    text = _compact(raw)
    if not text.isdigit():
        return ""            # old-style or garbled: the look-up answers "not found", as for any miss
    if len(text) != LENGTH:
        return f"编号是 {LENGTH} 个数字，您填了 {len(text)} 个。请对照提交成功时的页面再核对一下。"
    if not damm_valid(text):
        return MISTYPED
    return ""


def kind_of(ref: str) -> str | None:
    """'report' or 'signup' for a well-formed stored reference (either form), else None."""
    if ref.isascii() and ref.isdigit():
        if len(ref) != LENGTH or not damm_valid(ref):
            return None
        return next((kind for kind, first in KINDS.items() if ref[0] == first), None)
    if len(ref) != 2 + OLD_BODY_LENGTH or ref[4] != "-":
        return None
    body = ref[1:4] + ref[5:]
    if any(ch not in OLD_ALPHABET for ch in body):
        return None
    return next((kind for kind, prefix in OLD_PREFIXES.items() if ref[0] == prefix), None)


def display(ref: str) -> str:
    """How a reference is shown and read aloud: digits in groups of four ('2604 1937'); old ones as issued."""
    if ref and ref.isascii() and ref.isdigit():
        return " ".join(ref[i:i + 4] for i in range(0, len(ref), 4))
    return ref or ""


def example(kind: str) -> str:
    """A valid-looking example for hints ('2604 1937' for a report), fixed so pages stay the same."""
    body = KINDS[kind] + "604193"
    return display(body + damm_digit(body))
