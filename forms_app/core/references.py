"""Reference numbers residents read aloud on the phone: short, unambiguous, unique.

Random (not sequential: a neighbour cannot guess the next one), from an alphabet without
0/O, 1/I/L and other look-alikes; uniqueness across processes and restarts comes from the
store's UNIQUE index, and the caller retries on the rare collision.
"""
from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0 O 1 I L
BODY_LENGTH = 6                                 # 31**6 ≈ 887 million per kind
PREFIXES = {"report": "W", "signup": "J"}       # W 问题 (wèn), J 接待 (jiē)


def new_reference(kind: str) -> str:
    """A fresh reference such as 'W7K3-M9P' (the dash is only for reading)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIXES[kind]}{body[:3]}-{body[3:]}"


def normalise(raw: str) -> str:
    """Tolerate case, spaces, dashes and full-width letters: ' w7k3m9p ' -> 'W7K3-M9P'."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    text = "".join(ch for ch in text if ch.isalnum())
    if len(text) != 1 + BODY_LENGTH:
        return ""
    return f"{text[:4]}-{text[4:]}"


def kind_of(ref: str) -> str | None:
    """'report' or 'signup' for a well-formed reference, else None."""
    if len(ref) != 2 + BODY_LENGTH or ref[4] != "-":
        return None
    body = ref[1:4] + ref[5:]
    if any(ch not in ALPHABET for ch in body):
        return None
    return next((kind for kind, prefix in PREFIXES.items() if ref[0] == prefix), None)
