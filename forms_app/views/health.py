"""/healthz — liveness for the load balancer and the stewards; no personal data."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from forms_app.core import backup, clock, outbox, workdays
from forms_app.core.store import get_db
from forms_app.notices.notify import Notifier

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Store reachable, schema version, what still has to reach the sheet, last delivery, last backup; no personal data."""
    conn = get_db()
    sheets = current_app.config["SHEETS_ENABLED"]
    taken = backup.last_backup_time(backup.backup_dir(current_app.config))
    missing = workdays.missing_years(clock.now().date())
    alerts_on = Notifier.from_config(current_app.config) is not None
    return jsonify({
        "status": "ok",
        "store": "ok",
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "sheets": "on" if sheets else "off",
        "outbox_backlog": outbox.backlog(conn, outbox.SHEET_KINDS) if sheets else 0,
        "last_delivery": outbox.last_delivery(conn, outbox.SHEET_KINDS) if sheets else None,
        # With no alert channel configured, urgent alerts are not kept waiting (the worker drops them with a
        # note; the digest still lists the cases): "alerts": "off" says so instead of a growing backlog.
        "alerts": "on" if alerts_on else "off",
        "alerts_backlog": outbox.backlog(conn, outbox.ALERT_KINDS) if alerts_on else 0,
        "last_backup": taken.isoformat(timespec="seconds") if taken else None,
        "last_backup_age_hours": backup.age_hours(current_app.config),
        "sms_backlog": outbox.backlog(conn, outbox.SMS_KINDS),  # texts to residents not yet sent (incl. held for the morning)
        # Holidays and 调休 of this year and (from 60 days before it) next year: "ok", or which year is provisional.
        "workdays": "ok" if not missing else "、".join(f"{y}年" for y in missing) + "的放假安排未录入，暂按法定节假日推算",
        "workdays_missing_years": missing,
    })
