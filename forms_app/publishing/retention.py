"""`flask retention`: remove personal data from reports closed longer ago than RETENTION_DAYS.

Names, phones, rooms, on-behalf details (the helper's relation, the resident's own name and phone),
phone numbers typed into free text and photos (files and rows) go — in the store and (through the
outbox) in the stewards' sheet. Category, compound, dates and status stay, so the public figures
do not change.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import clock
from forms_app.core import outbox
from forms_app.core.redact import hide
from forms_app.residents import photos
from forms_app.residents.reports import apply_changes
from forms_app.delivery.sheet_layout import parse_day
from forms_app.core.store import get_db, transaction

CLOSED = ("已解决", "不予受理", "已转办")
REMOVED = "（已删除）"
# What a resident said in a follow-up, as followup.record writes it into 处理记录.
FOLLOWUP_COMMENT = re.compile(r"((?:居民|电话)回访(?:（[^）\n]*）)?：[^\n]*?。意见：)[^\n]*")


def scrub(text: str, *private: str) -> str:
    """Free text with phone numbers, the given personal values (name, room) and follow-up comments removed."""
    return FOLLOWUP_COMMENT.sub(r"\1" + REMOVED, hide(text, *private, mark=REMOVED))


def closed_before(row: sqlite3.Row, cutoff: dt.date) -> bool:
    """Closed before the cutoff: 办结时间 as typed by a steward, else the date it last changed."""
    day = parse_day(row["resolved_at"]) or parse_day(row["updated_at"])
    return day is not None and day < cutoff


def run(conn: sqlite3.Connection, days: int, today: dt.date | None = None) -> tuple[int, int]:
    """Anonymise what is due; returns (reports, sign-ups) anonymised."""
    cutoff = (today or clock.now().date()) - dt.timedelta(days=days)
    stamp = clock.iso(clock.now())
    marks = ",".join("?" * len(CLOSED))
    candidates = conn.execute(f"SELECT * FROM reports WHERE anonymised_at = '' AND status IN ({marks})", CLOSED)
    due = [row for row in candidates.fetchall() if closed_before(row, cutoff)]
    for row in due:
        private = (row["contact_name"], row["room"], row["resident_name"])
        with transaction(conn):
            # 代办: the resident's own name and phone go too (the 代办关系 cell is cleared with behalf_relation).
            apply_changes(conn, row, {"contact_name": "", "phone": "", "room": "", "behalf_relation": "",
                                      "resident_name": "", "resident_phone": "", "call_first": "",
                                      "description": scrub(row["description"], *private),
                                      "notes": scrub(row["notes"], *private), "anonymised_at": stamp})
            conn.execute("UPDATE followups SET comment = ? WHERE report_id = ? AND comment != ''", (REMOVED, row["id"]))
            for meeting in conn.execute("SELECT s.id, s.agreed, s.public_note FROM consultations s JOIN consultation_cases c "
                                        "ON c.consultation_id = s.id WHERE c.report_id = ?", (row["id"],)).fetchall():
                conn.execute("UPDATE consultations SET agreed = ?, public_note = ? WHERE id = ?",  # 会商 text: same rule
                             (scrub(meeting["agreed"], *private), scrub(meeting["public_note"], *private), meeting["id"]))
            conn.execute("UPDATE texts SET phone = '' WHERE report_id = ?", (row["id"],))  # texts sent to them
            conn.execute("UPDATE reports SET phone_verified = '' WHERE id = ?", (row["id"],))  # 电话已核实
            if photos.delete_for_report(conn, row["id"]):
                outbox.enqueue(conn, "report_update", row["id"], {"照片": ""})
            # Sent copies of old cells and alerts carried the same text; the sheet gets the scrubbed one.
            conn.execute("UPDATE outbox SET payload = '' WHERE row_id = ? AND kind IN ('report_update', 'alert') "
                         "AND delivered_at IS NOT NULL", (row["id"],))
    signups = conn.execute(
        "SELECT g.* FROM signups g JOIN sessions s ON s.id = g.session_id WHERE g.name != '' AND s.date < ?",
        (cutoff.isoformat(),)).fetchall()
    for signup in signups:
        with transaction(conn):
            conn.execute("UPDATE signups SET name = '', phone = '', topic = ?, outcome = ?, updated_at = ? WHERE id = ?",
                         (scrub(signup["topic"], signup["name"]), scrub(signup["outcome"], signup["name"]),
                          stamp, signup["id"]))
            outbox.enqueue(conn, "signup", signup["id"])
            conn.execute("UPDATE texts SET phone = '' WHERE signup_id = ?", (signup["id"],))
    return len(due), len(signups)


@click.command("retention")
@click.option("--days", type=int, default=None, help="Keep personal data this many days after closing (default RETENTION_DAYS).")
@with_appcontext
def retention_command(days: int | None) -> None:
    """Remove personal data from reports closed longer ago than the retention period."""
    days = days if days is not None else current_app.config["RETENTION_DAYS"]
    reports_done, signups_done = run(get_db(), days)
    photos.sweep(get_db())  # files a crash left behind without a row
    click.echo(f"已删除个人信息：问题 {reports_done} 条，接待报名 {signups_done} 条（保留期 {days} 天）。")


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(retention_command)
