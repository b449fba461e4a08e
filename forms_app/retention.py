"""`flask retention`: remove personal data from reports closed longer ago than RETENTION_DAYS.

Names, phones, rooms, on-behalf details and phone numbers typed into free text go — in the store
and (through the outbox) in the stewards' sheet. Category, compound, dates and status stay, so
the public figures do not change.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

import click
from flask import current_app
from flask.cli import with_appcontext

from . import clock, outbox
from .reports import apply_changes
from .store import get_db, transaction

CLOSED = ("已解决", "不予受理", "已转办")
# Mobile numbers and landlines as people write them in free text (spaces and dashes allowed).
PHONE_LIKE = re.compile(r"(?<![\d])(?:\+?86[\s-]?)?(?:1\d{2}[\s-]?\d{4}[\s-]?\d{4}|(?:0\d{2,3}[\s-]?)?\d{4}[\s-]?\d{4})(?![\d])")
REMOVED = "（已删除）"


def scrub(text: str) -> str:
    """Free text with phone numbers replaced."""
    return PHONE_LIKE.sub(REMOVED, text or "")


def run(conn: sqlite3.Connection, days: int, today: dt.date | None = None) -> tuple[int, int]:
    """Anonymise what is due; returns (reports, sign-ups) anonymised."""
    cutoff = ((today or clock.now().date()) - dt.timedelta(days=days)).isoformat()
    stamp = clock.iso(clock.now())
    marks = ",".join("?" * len(CLOSED))
    due = conn.execute(
        f"SELECT * FROM reports WHERE anonymised_at = '' AND status IN ({marks}) "
        "AND coalesce(nullif(resolved_at, ''), substr(updated_at, 1, 10)) < ?", (*CLOSED, cutoff)).fetchall()
    for row in due:
        with transaction(conn):
            apply_changes(conn, row, {"contact_name": "", "phone": "", "room": "", "behalf_relation": "",
                                      "description": scrub(row["description"]), "notes": scrub(row["notes"]),
                                      "anonymised_at": stamp})
            conn.execute("UPDATE followups SET comment = ? WHERE report_id = ? AND comment != ''", (REMOVED, row["id"]))
    signups = conn.execute(
        "SELECT g.* FROM signups g JOIN sessions s ON s.id = g.session_id WHERE g.name != '' AND s.date < ?",
        (cutoff,)).fetchall()
    for signup in signups:
        with transaction(conn):
            conn.execute("UPDATE signups SET name = '', phone = '', topic = ?, outcome = ?, updated_at = ? WHERE id = ?",
                         (scrub(signup["topic"]), scrub(signup["outcome"]), stamp, signup["id"]))
            outbox.enqueue(conn, "signup", signup["id"])
    return len(due), len(signups)


@click.command("retention")
@click.option("--days", type=int, default=None, help="Keep personal data this many days after closing (default RETENTION_DAYS).")
@with_appcontext
def retention_command(days: int | None) -> None:
    """Remove personal data from reports closed longer ago than the retention period."""
    days = days if days is not None else current_app.config["RETENTION_DAYS"]
    reports_done, signups_done = run(get_db(), days)
    click.echo(f"已删除个人信息：问题 {reports_done} 条，接待报名 {signups_done} 条（保留期 {days} 天）。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(retention_command)
