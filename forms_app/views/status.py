"""/forms/status — reference + last four phone digits → where things stand."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import clock, reception, reports
from ..forms import LookupForm
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
        else:
            context["session_"] = reception.get_session(conn, row["session_id"])
            context["position"] = reception.waiting_position(conn, row)
        return render_template("status/result.html", **context)
    return render_template("status/form.html", form=form, not_found=False), 400 if form.errors else 200
