"""/forms/status — reference + last four phone digits → where things stand."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from forms_app.core import clock
from forms_app.residents import followup
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.residents.forms import FollowupForm, LookupForm
from forms_app.core.references import kind_of, normalise
from forms_app.core.security import limiter, lookup_limit
from forms_app.core.store import get_db
from . import directory, remember, remembered

bp = Blueprint("status", __name__, url_prefix="/forms/status")


def find(conn, raw_ref: str, last4: str):
    """('report'|'signup', row) when reference and last four digits match; (None, None) otherwise — one answer
    for every failure, so a wrong pair tells nothing about whether the reference exists."""
    ref = normalise(raw_ref)
    kind = kind_of(ref)
    row = reports.by_ref(conn, ref) if kind == "report" else reception.by_ref(conn, ref) if kind == "signup" else None
    if not reports.phone_matches(row, last4):
        return None, None
    return kind, row


@bp.route("", methods=["GET", "POST"])
@limiter.limit(lookup_limit, methods=["POST"])
def lookup():
    """The look-up form, and the result on the same page."""
    form = LookupForm(ref=request.args.get("ref", ""))
    if form.validate_on_submit():
        conn = get_db()
        kind, row = find(conn, form.ref.data, form.last4.data)
        if row is None:
            return render_template("status/form.html", form=form, not_found=True), 404
        followup_form = None
        if kind == "signup":
            remember("verified", row["ref"])  # it proved it knows the phone: it may download the .ics
        if kind == "report" and followup.due(row):
            remember("verified", row["ref"])  # it proved it knows the phone: it may answer the follow-up
            followup_form = FollowupForm(ref=row["ref"], formdata=None)
        return render_template("status/result.html", **_result(conn, kind, row, followup_form))
    return render_template("status/form.html", form=form, not_found=False), 400 if form.errors else 200


def _result(conn, kind: str, row, followup_form=None) -> dict:
    """What the result page shows for a report or a sign-up."""
    context = {"kind": kind, "row": row, "updated": clock.chinese_datetime(clock.parse(row["updated_at"]))}
    if kind == "report":
        context.update(category=directory().categories.get(row["category_id"]),
                       compound=directory().compounds.get(row["compound_id"]), followup_form=followup_form)
    else:
        context.update(session_=reception.get_session(conn, row["session_id"]),
                       position=reception.waiting_position(conn, row))
    return context


@bp.post("/followup")
@limiter.limit(lookup_limit)
def answer_followup():
    """The resident's answer: solved or not (not → reopened, steward alerted), satisfaction, comment."""
    form = FollowupForm()
    ref = form.ref.data or ""
    conn = get_db()
    row = reports.by_ref(conn, ref) if remembered("verified", ref) else None
    if row is None:
        abort(404)
    if not followup.due(row):
        return render_template("status/followup_done.html", row=row, reopened=False, already=True)
    if not form.validate_on_submit():
        return render_template("status/result.html", **_result(conn, "report", row, form)), 400
    reopened = followup.record(conn, row["id"], form.solved.data == "yes", int(form.satisfaction.data), form.comment.data)
    return render_template("status/followup_done.html", row=row, reopened=bool(reopened), already=reopened is None)
