"""Steward and supervisor accounts: passwords, server-side sign-in sessions, sign-in attempts.

One account per person (`flask --app forms_app steward add ID --name NAME [--role steward|supervisor]
--password-stdin`, `steward passwd ID`, `steward disable ID`). Passwords are kept as argon2id hashes
(argon2-cffi); werkzeug hashes are accepted too, so a hash made elsewhere still works.

An account whose ID is a steward id of the directory (s1 … s5 in data/directory.yaml) with the role
`steward` stands for that steward: "我负责的" is their compounds' cases, and the name defaults to the
directory's. Any other ID (a supervisor, a colleague not in the directory yet) is a person of its own:
their edits carry their name, and "我负责的" matches cases whose 负责大管家 is that name.

A sign-in is a random token in the cookie; the store keeps only its SHA-256 (`steward_sessions`), so
signing out or disabling the account ends every copy of the cookie at once, and
STEWARD_SESSION_HOURS bounds its age. Attempts are counted in the store *before* the password is
checked, inside the write gate, so a burst of concurrent guesses cannot get past the limit, and the
count holds across gunicorn's workers. Per address (RATELIMIT_STEWARD_LOGIN) and per account name,
whatever the address: ACCOUNT_FREE_TRIES failures in an hour, then a pause before each further try
that doubles from BACKOFF_START to BACKOFF_MAX (about a dozen guesses an hour at most). A name that
is no account is held back the same way, so the answer never tells whether an account exists. Failed
sign-ins of an existing account are kept a month (`password_failures`) for its holder's digest.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import logging
import re
import secrets
import sqlite3
import sys
import time
from dataclasses import dataclass

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask.cli import with_appcontext
from limits import parse_many
from werkzeug.security import check_password_hash

from forms_app.core import clock
from forms_app.core.store import get_db, transaction

log = logging.getLogger(__name__)

ROLES = ("steward", "supervisor")
ROLE_NAMES = {"steward": "大管家", "supervisor": "督办（只能查看）"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MIN_PASSWORD = 8
DEMO_SUPERVISOR = ("duban", "街道督办（示例）")
ACCOUNT_WINDOW = 3600.0   # seconds: failures of one account counted over the last hour, from any address
ACCOUNT_FREE_TRIES = 5    # failures before the back-off starts
BACKOFF_START = 30.0      # seconds to wait after the 5th failure …
BACKOFF_MAX = 900.0       # … doubling with each further one, up to 15 minutes
FAILURES_KEPT_DAYS = 31
_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106 low-memory profile)


@functools.cache
def _dummy_hash() -> str:
    """Checked when the account does not exist, so an unknown ID takes as long as a wrong password."""
    return _hasher.hash(secrets.token_hex(8))


@dataclass(frozen=True)
class Account:
    """The signed-in person as the steward pages use it (g.steward)."""

    id: str
    name: str
    role: str = "steward"
    steward_id: str = ""      # the directory steward this account stands for, or ''
    disabled_at: str = ""

    @property
    def can_edit(self) -> bool:
        return self.role != "supervisor"

    @property
    def label(self) -> str:
        """How the account signs a 处理记录 line: 's1 陈静'."""
        return f"{self.id} {self.name}"


def _account(row, directory) -> Account:
    stands_for = row["id"] if row["role"] == "steward" and row["id"] in directory.stewards else ""
    return Account(row["id"], row["name"], row["role"], stands_for, row["disabled_at"])


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    """Whether the password matches an argon2 or werkzeug hash (never raises on a bad hash)."""
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


# --- Accounts -----------------------------------------------------------------------------

def problem_with(account_id: str, name: str, role: str, password: str | None) -> str:
    """A Chinese sentence saying what is wrong with the values, or ''."""
    if not ID_PATTERN.match(account_id or ""):
        return "账号只能用小写字母、数字、- 和 _，以字母或数字开头，最多 32 个字符（比如 s1）。"
    if not name.strip() or len(name) > 40:
        return "请给出姓名（--name），最多 40 个字。"
    if role not in ROLES:
        return "角色只能是 steward（大管家）或 supervisor（督办，只能查看）。"
    if password is not None and len(password) < MIN_PASSWORD:
        return f"密码至少要 {MIN_PASSWORD} 个字符。"
    return ""


def add(conn: sqlite3.Connection, account_id: str, name: str, role: str, password: str, demo: bool = False) -> None:
    """Create an account; ValueError (Chinese) when the values are wrong or the ID is taken."""
    problem = problem_with(account_id, name, role, password)
    if problem:
        raise ValueError(problem)
    hashed = hash_password(password)
    try:
        with transaction(conn):
            conn.execute("INSERT INTO accounts (id, name, role, password_hash, created_at, demo) VALUES (?, ?, ?, ?, ?, ?)",
                         (account_id, name.strip(), role, hashed, clock.iso(clock.now()), int(demo)))
    except sqlite3.IntegrityError:
        raise ValueError(f"账号 {account_id} 已经有了。要改密码请用 steward passwd {account_id}。") from None


def set_password(conn: sqlite3.Connection, account_id: str, password: str) -> None:
    """New password (and the account enabled again); every sign-in of the account ends."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少要 {MIN_PASSWORD} 个字符。")
    hashed = hash_password(password)
    with transaction(conn):
        if not conn.execute("UPDATE accounts SET password_hash = ?, disabled_at = '' WHERE id = ?",
                            (hashed, account_id)).rowcount:
            raise ValueError(f"没有账号 {account_id}。")
        conn.execute("DELETE FROM steward_sessions WHERE account_id = ?", (account_id,))


def disable(conn: sqlite3.Connection, account_id: str) -> int:
    """Switch an account off and end every sign-in of it; returns how many sign-ins ended."""
    with transaction(conn):
        if not conn.execute("UPDATE accounts SET disabled_at = ? WHERE id = ?",
                            (clock.iso(clock.now()), account_id)).rowcount:
            raise ValueError(f"没有账号 {account_id}。")
        return conn.execute("DELETE FROM steward_sessions WHERE account_id = ?", (account_id,)).rowcount


def get(conn: sqlite3.Connection, account_id: str, directory) -> Account | None:
    """An account by ID (enabled or not)."""
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return _account(row, directory) if row else None


def any_active(conn: sqlite3.Connection) -> bool:
    """Whether at least one account can sign in (the steward pages are off until then)."""
    return conn.execute("SELECT 1 FROM accounts WHERE disabled_at = '' LIMIT 1").fetchone() is not None


def names(conn: sqlite3.Connection) -> dict[str, str]:
    """Account ID → name, for showing who made a change."""
    return dict(conn.execute("SELECT id, name FROM accounts").fetchall())


def authenticate(conn: sqlite3.Connection, account_id: str, password: str, directory) -> Account | None:
    """The enabled account when the password is right; the same work either way."""
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    good = check_password(row["password_hash"] if row else _dummy_hash(), password)
    if not (good and row and not row["disabled_at"]):
        return None
    return _account(row, directory)


# --- Sign-in sessions ---------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: sqlite3.Connection, account_id: str, hours: float) -> str:
    """A new sign-in: a random token for the cookie (only its hash is stored); expired ones are cleared."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with transaction(conn):
        conn.execute("DELETE FROM steward_sessions WHERE created_at < ?", (now - hours * 3600,))
        conn.execute("INSERT INTO steward_sessions (token_hash, account_id, created_at) VALUES (?, ?, ?)",
                     (_digest(token), account_id, now))
    return token


def session_account(conn: sqlite3.Connection, token: str | None, hours: float, directory) -> Account | None:
    """The account signed in with this token, while the sign-in lasts and the account is enabled."""
    if not token or not isinstance(token, str):
        return None
    row = conn.execute("SELECT a.*, s.created_at AS since FROM steward_sessions s JOIN accounts a ON a.id = s.account_id "
                       "WHERE s.token_hash = ?", (_digest(token),)).fetchone()
    if row is None or row["disabled_at"] or not 0 <= time.time() - row["since"] < hours * 3600:
        return None
    return _account(row, directory)


def end_session(conn: sqlite3.Connection, token: str | None) -> None:
    """Sign out: this token stops working everywhere it was copied."""
    if token and isinstance(token, str):
        with transaction(conn):
            conn.execute("DELETE FROM steward_sessions WHERE token_hash = ?", (_digest(token),))


# --- Sign-in attempts ---------------------------------------------------------------------

def count_attempt(conn: sqlite3.Connection, address: str, account_id: str, limit: str | None) -> int | None:
    """Count a sign-in attempt before its password is checked; None when the limit is reached.

    `limit`: Flask-Limiter notation ("5 per minute;20 per hour"), None for no limit. Attempts that
    turned out right are not counted (attempt_succeeded); attempts still being checked are.
    """
    now = time.time()
    windows = [(item.amount, item.get_expiry()) for item in parse_many(limit)] if limit else []
    with transaction(conn):
        longest = max((seconds for _, seconds in windows), default=ACCOUNT_WINDOW)
        conn.execute("DELETE FROM login_attempts WHERE at < ?", (now - max(longest, ACCOUNT_WINDOW),))
        for amount, seconds in windows:
            used = conn.execute("SELECT count(*) FROM login_attempts WHERE address = ? AND at >= ? AND ok = 0",
                                (address, now - seconds)).fetchone()[0]
            if used >= amount:
                return None
        if limit:  # the same account from any address: attempts still being checked count as failures
            failed, last = conn.execute("SELECT count(*), max(at) FROM login_attempts WHERE account_id = ? AND at >= ? "
                                        "AND ok = 0", (account_id, now - ACCOUNT_WINDOW)).fetchone()
            if failed >= ACCOUNT_FREE_TRIES and now - last < backoff(failed):
                return None
        return conn.execute("INSERT INTO login_attempts (address, account_id, at) VALUES (?, ?, ?)",
                            (address, account_id, now)).lastrowid


def backoff(failures: int) -> float:
    """Seconds to wait after the last of `failures` failed attempts at one account before the next is checked."""
    if failures < ACCOUNT_FREE_TRIES:
        return 0.0
    return min(BACKOFF_START * 2 ** min(failures - ACCOUNT_FREE_TRIES, 16), BACKOFF_MAX)


def exists(conn: sqlite3.Connection, account_id: str) -> bool:
    """Whether an account of that ID exists (enabled or not)."""
    return conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is not None


def attempt_failed(conn: sqlite3.Connection, account_id: str) -> None:
    """A wrong password, or a try held back: kept for the holder's digest when the account exists."""
    if not exists(conn, account_id):
        return
    now = clock.now()
    with transaction(conn):
        conn.execute("DELETE FROM password_failures WHERE at < ?",
                     (clock.iso(now - dt.timedelta(days=FAILURES_KEPT_DAYS)),))
        conn.execute("INSERT INTO password_failures (account_id, at) VALUES (?, ?)", (account_id, clock.iso(now)))


def failures_between(conn: sqlite3.Connection, start, end) -> dict[str, int]:
    """Account ID → failed sign-ins after `start` up to `end` (datetimes): the digest's lines."""
    return dict(conn.execute("SELECT account_id, count(*) FROM password_failures WHERE at > ? AND at <= ? "
                             "GROUP BY account_id ORDER BY account_id", (clock.iso(start), clock.iso(end))).fetchall())


def attempt_succeeded(conn: sqlite3.Connection, attempt_id: int | None) -> None:
    """A right password: the attempt no longer counts against the address."""
    if attempt_id is not None:
        with transaction(conn):
            conn.execute("UPDATE login_attempts SET ok = 1 WHERE id = ?", (attempt_id,))


# --- Demo accounts (scripts/run) ----------------------------------------------------------

def seed_demo(conn: sqlite3.Connection, directory) -> str:
    """Demo accounts (every directory steward and one supervisor) with one fresh random password.

    Only for a demo run (SEED_SAMPLE_SESSIONS): accounts created here are marked `demo` and get a new
    password at every start; an account an administrator made is never touched. Returns the password.
    """
    password = secrets.token_urlsafe(9)
    hashed = hash_password(password)
    wanted = [(s.id, s.name, "steward") for s in directory.stewards.values()] + [(*DEMO_SUPERVISOR, "supervisor")]
    with transaction(conn):
        for account_id, name, role in wanted:
            conn.execute("INSERT OR IGNORE INTO accounts (id, name, role, password_hash, created_at, demo) "
                         "VALUES (?, ?, ?, ?, ?, 1)", (account_id, name, role, hashed, clock.iso(clock.now())))
        conn.execute("UPDATE accounts SET password_hash = ? WHERE demo = 1", (hashed,))
    return password


# --- flask steward add | passwd | disable -------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    """The password: one line from standard input (--password-stdin), or asked twice on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")


@click.group("steward")
def steward_command() -> None:
    """大管家和督办的账号：add、passwd、disable。"""


@steward_command.command("add")
@click.argument("account_id", metavar="ID")
@click.option("--name", default="", help="姓名；账号是名录里的大管家编号（s1…）时可以不写，用名录里的名字。")
@click.option("--role", type=click.Choice(ROLES), default="steward", show_default=True)
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码。")
@with_appcontext
def add_command(account_id: str, name: str, role: str, password_stdin: bool) -> None:
    """Create an account."""
    directory = current_app.extensions["directory"]
    steward = directory.stewards.get(account_id)
    name = name or (steward.name if steward else "")
    problem = problem_with(account_id, name, role, None)
    if problem:
        raise click.ClickException(problem)
    try:
        add(get_db(), account_id, name, role, _read_password(password_stdin))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("account %s created (%s)", account_id, role)
    stands = f"，代表名录里的大管家 {steward.name}" if steward and role == "steward" else ""
    click.echo(f"已建好账号 {account_id}（{name}，{ROLE_NAMES[role]}{stands}）。")


@steward_command.command("passwd")
@click.argument("account_id", metavar="ID")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码。")
@with_appcontext
def passwd_command(account_id: str, password_stdin: bool) -> None:
    """Set a new password (signs the account out everywhere; a disabled account is enabled again)."""
    try:
        set_password(get_db(), account_id, _read_password(password_stdin))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("account %s: password changed", account_id)
    click.echo(f"账号 {account_id} 的密码已更换，原来的登录都已退出。")


@steward_command.command("disable")
@click.argument("account_id", metavar="ID")
@with_appcontext
def disable_command(account_id: str) -> None:
    """Switch an account off and sign it out everywhere (`passwd` switches it on again)."""
    try:
        ended = disable(get_db(), account_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("account %s disabled (%d sign-ins ended)", account_id, ended)
    click.echo(f"账号 {account_id} 已停用，{ended} 处登录已退出。")


def init_app(app) -> None:
    """Register `flask steward …`; warn once when the old shared password is still configured."""
    app.cli.add_command(steward_command)
    if os.environ.get("STEWARD_PASSWORD_HASH"):
        log.warning("STEWARD_PASSWORD_HASH is no longer used: create one account per steward "
                    "(flask --app forms_app steward add ID --name NAME --password-stdin) and remove it from .env")
