"""Per-address counts in the store (exact across gunicorn's workers): how often one client address did
something today — reports that trigger texts, sign-ups for one session (issue 18 #5, #6).

The address is the client's as core/proxies.py gives it (REMOTE_ADDR after our own proxies). It is
stored only as a shortened HMAC with the app's key, so the table names no one; old days are removed
as new counts come in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import sqlite3

from flask import current_app, has_app_context

from forms_app.core import clock

KEEP_DAYS = 2


def _key() -> bytes:
    secret = current_app.config.get("SECRET_KEY") if has_app_context() else ""
    return hmac.new(str(secret or "").encode(), b"yanji address counts v1", hashlib.sha256).digest()


def mark(address: str) -> str:
    """What is stored for an address: never the address itself."""
    return hmac.new(_key(), (address or "?").encode(), hashlib.sha256).hexdigest()[:24]


def take(conn: sqlite3.Connection, purpose: str, address: str, limit: int, day: dt.date | None = None) -> bool:
    """Inside the caller's transaction: count one more for this address; False (nothing counted) once
    `limit` is reached. limit 0 = no limit (always True, nothing stored)."""
    if limit <= 0:
        return True
    today = clock.now().date()
    day = day or today
    conn.execute("DELETE FROM address_counts WHERE day < ?", ((today - dt.timedelta(days=KEEP_DAYS)).isoformat(),))
    key = (day.isoformat(), purpose, mark(address))
    row = conn.execute("SELECT count FROM address_counts WHERE day = ? AND purpose = ? AND address = ?", key).fetchone()
    if row is not None and row["count"] >= limit:
        return False
    conn.execute("INSERT INTO address_counts (day, purpose, address, count) VALUES (?, ?, ?, 1) "
                 "ON CONFLICT (day, purpose, address) DO UPDATE SET count = count + 1", key)
    return True
