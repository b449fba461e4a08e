"""The joint-reception sign-in sheet: sessions, the printable list, outcomes entered afterwards.

Works the same with or without the Google Sheet: outcomes reach the linked report through
reports.apply_changes, which queues the changed cells for the sheet.
"""
from __future__ import annotations

import logging

from flask import abort, g, redirect, render_template, request, url_for

from forms_app.casework import edits as casework
from forms_app.core import clock
from forms_app.residents import reception
from forms_app.casework.forms import OutcomesForm
from forms_app.core.store import get_db
from .steward import bp

log = logging.getLogger(__name__)
PAST_SHOWN = 20
WALK_IN_ROWS = 6  # blank lines on the printed sign-in sheet for people who come without signing up


def _session_or_404(conn, session_id: str):
    """The session, or a 404 page."""
    found = reception.get_session(conn, session_id)
    if found is None:
        abort(404)
    return found


def _people(conn, session_id: str) -> list:
    """Live sign-ups: seats first, then the waiting list in its order."""
    return conn.execute("SELECT * FROM signups WHERE session_id = ? AND state != 'cancelled' "
                        "ORDER BY state = 'waiting', queued_at, id", (session_id,)).fetchall()


def _linked(conn, people) -> dict:
    """Linked reference → its report (None when the reference matches no report with the sign-up's phone:
    then no status can be set from here, and the sheet says 请核对)."""
    found = {}
    for p in people:
        if p["linked_ref"] and found.get(p["linked_ref"]) is None:
            found[p["linked_ref"]] = reception.linked_report(conn, p)
    return found


@bp.get("/sessions")
def sessions():
    """Coming sessions (soonest first), then the most recent past ones."""
    conn, today = get_db(), clock.now().date()
    found = [reception.get_session(conn, r[0]) for r in conn.execute("SELECT id FROM sessions ORDER BY date, start_time")]
    past = [s for s in found if s.date < today][::-1][:PAST_SHOWN]
    return render_template("steward/sessions.html", upcoming=[s for s in found if s.date >= today], past=past)


@bp.get("/sessions/<session_id>")
def sheet(session_id: str):
    """The printable sign-in sheet: who comes, what about, their reports' status, room to write the outcome."""
    conn = get_db()
    session_ = _session_or_404(conn, session_id)
    people = _people(conn, session_id)
    return render_template("steward/sheet.html", session_=session_, linked=_linked(conn, people),
                           confirmed=[p for p in people if p["state"] == "confirmed"],
                           waiting=[p for p in people if p["state"] == "waiting"], saved=request.args.get("saved"),
                           walk_in_rows=WALK_IN_ROWS)


@bp.route("/sessions/<session_id>/outcomes", methods=["GET", "POST"])
def outcomes(session_id: str):
    """Attendance, outcome and (optionally) the linked report's new status, for everyone at once."""
    conn = get_db()
    session_ = _session_or_404(conn, session_id)
    people = _people(conn, session_id)
    by_id = {str(p["id"]): p for p in people}
    linked = _linked(conn, people)
    form = OutcomesForm(data={"entries": [{"signup_id": p["id"], "attended": p["attended"], "outcome": p["outcome"]}
                                          for p in people]})
    if form.validate_on_submit():
        changed = 0
        for entry in form.entries:
            person = by_id.get(entry.signup_id.data)
            if person is None:  # cancelled or unknown since the page was opened
                continue
            status = entry.status.data if linked.get(person["linked_ref"]) else ""
            changed += casework.record_outcome(conn, person["id"], session_.date, entry.attended.data,
                                               entry.outcome.data, status, actor=g.steward.id, who=g.steward.label)
        log.info("steward %s saved outcomes of session %s: %d changed", g.steward.id, session_id, changed)
        return redirect(url_for("steward.sheet", session_id=session_id, saved=changed), code=303)
    return render_template("steward/outcomes.html", form=form, session_=session_, by_id=by_id,
                           linked=linked), 400 if form.errors else 200
