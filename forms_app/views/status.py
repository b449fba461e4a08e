"""/forms/status — reference + last four phone digits → where things stand."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, session

from .. import clock, followup, reception, reports
from ..forms import FollowupForm, LookupForm
from ..references import kind_of, normalise
from ..security import limiter, lookup_limit
from ..store import get_db
from . import directory

bp = Blueprint("status", __name__, url_prefix="/forms/status")


def _find(conn, ref: str, last4: str):
    """('report'|'signup', row) when the pair matches; (None, None) otherwise — one answer for both failures."""
    kind = kind_of(ref)
    row = reports.by_ref(conn, ref) if kind == "report" else reception.by_ref(conn, ref) if kind == "signup" else None
    if not reports.phone_matches(row, last4):
        return None, None
    return kind, row


@bp.route("", methods=["GET", "POST"])
@limiter.limit(lookup_limit, methods=["POST"])
def lookup():
    """The look-up form, and the result on the same page."""
    form = LookupForm()
    if request.method == "GET" and request.args.get("ref"):
        form.ref.data = request.args["ref"]
    if form.validate_on_submit():
        conn = get_db()
        kind, row = _find(conn, normalise(form.ref.data), form.last4.data)
        if row is None:
            return render_template("status/form.html", form=form, not_found=True), 404
        context = {"kind": kind, "row": row, "updated": clock.chinese_datetime(clock.parse(row["updated_at"]))}
        if kind == "report":
            context["category"] = directory().categories.get(row["category_id"])
            context["compound"] = directory().compounds.get(row["compound_id"])
            if followup.due(row):
                _verified(row["ref"])
                context["followup_form"] = FollowupForm(ref=row["ref"], formdata=None)
        else:
            context["session_"] = reception.get_session(conn, row["session_id"])
            context["position"] = reception.waiting_position(conn, row)
        return render_template("status/result.html", **context)
    return render_template("status/form.html", form=form, not_found=False), 400 if form.errors else 200


def _verified(ref: str) -> None:
    """This browser proved it knows the phone behind ref (for the follow-up that comes next)."""
    session["verified"] = ([r for r in session.get("verified", []) if r != ref] + [ref])[-10:]


@bp.post("/followup")
@limiter.limit(lookup_limit)
def answer_followup():
    """The resident's answer: solved or not (not → reopened, steward alerted), satisfaction, comment."""
    form = FollowupForm()
    ref = form.ref.data or ""
    conn = get_db()
    row = reports.by_ref(conn, ref) if ref in session.get("verified", []) else None
    if row is None:
        abort(404)
    if not followup.due(row):
        return render_template("status/followup_done.html", row=row, reopened=False, already=True)
    if not form.validate_on_submit():
        context = {"kind": "report", "row": row, "updated": clock.chinese_datetime(clock.parse(row["updated_at"])),
                   "category": directory().categories.get(row["category_id"]),
                   "compound": directory().compounds.get(row["compound_id"]), "followup_form": form}
        return render_template("status/result.html", **context), 400
    reopened = followup.record(conn, row["id"], form.solved.data == "yes", int(form.satisfaction.data), form.comment.data)
    return render_template("status/followup_done.html", row=row, reopened=bool(reopened), already=reopened is None)
