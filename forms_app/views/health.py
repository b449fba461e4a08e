"""/healthz — liveness for the load balancer and the stewards; no personal data."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .. import outbox
from ..store import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Store reachable, schema version, outbox backlog, last delivery to the sheet."""
    conn = get_db()
    return jsonify({
        "status": "ok",
        "store": "ok",
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "sheets": "on" if current_app.config["SHEETS_ENABLED"] else "off",
        "outbox_backlog": outbox.backlog(conn),
        "last_delivery": outbox.last_delivery(conn),
    })
