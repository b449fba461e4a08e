"""/forms/report — a resident reports a problem; the confirmation names their steward."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, url_for

from forms_app.core import clock
from forms_app.residents import reports
from forms_app.residents.forms import ReportForm
from forms_app.core.security import limiter, submit_limit
from forms_app.core.store import get_db
from . import directory, remember, remembered

bp = Blueprint("report", __name__, url_prefix="/forms/report")
log = logging.getLogger(__name__)
CHANNELS = {"web": "网页", "qr": "二维码", "behalf": "代办"}


def _channel(form: ReportForm) -> str:
    """How it came in: on someone's behalf, from a stairwell QR code, or the web."""
    if form.on_behalf.data:
        return CHANNELS["behalf"]
    return CHANNELS["qr"] if request.args.get("compound") else CHANNELS["web"]


def sent_here(ref: str, find):
    """The row this browser submitted under ref (find(conn, ref)), or a 404 for anyone else."""
    row = find(get_db(), ref) if remembered("refs", ref) else None
    if row is None:
        abort(404)
    return row


@bp.route("", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"])
def form():
    """Show the form (pre-filled from ?compound=&category=) or take a submission."""
    d = directory()
    form = ReportForm(directory=d)
    if request.method == "GET":
        if request.args.get("compound") in d.compounds:
            form.compound.data = request.args["compound"]
        if request.args.get("category") in d.categories:
            form.category.data = request.args["category"]
    elif form.validate_on_submit():
        compound = d.compounds[form.compound.data]
        data = {
            "channel": _channel(form), "area_id": compound.area.id, "compound_id": compound.id,
            "building": form.building.data, "room": form.room.data, "category_id": form.category.data,
            "urgent": int(form.urgent.data == "yes"), "description": form.description.data,
            "contact_name": form.contact_name.data, "phone": form.phone.phone.e164,
            "best_time": form.best_time.data or "", "join_reception": int(form.join_reception.data),
            "on_behalf": int(form.on_behalf.data), "behalf_relation": form.behalf_relation.data if form.on_behalf.data else "",
            "behalf_consent": int(bool(form.on_behalf.data and form.behalf_consent.data)),
            "sms_consent": int(bool(form.sms_consent.data)),
        }
        urgent = bool(data["urgent"] or d.categories[form.category.data].urgent)
        row, created = reports.create(get_db(), form.submission_id.data, data, alert=urgent, directory=d)
        log.info("report %s %s (category=%s, urgent=%s)", row["ref"], "stored" if created else "resubmitted",
                 row["category_id"], row["urgent"])
        remember("refs", row["ref"])
        return redirect(url_for("report.done", ref=row["ref"]), code=303)
    status = 400 if form.errors else 200
    return render_template("report/form.html", form=form, directory=d), status


@bp.get("/done/<ref>")
def done(ref: str):
    """The confirmation: reference, steward, what happens next — only for the browser that sent it."""
    row = sent_here(ref, reports.by_ref)
    d = directory()
    created = clock.parse(row["created_at"])
    call_by = clock.call_back_by(created, d.callback_working_days)
    return render_template("report/done.html", report=row, compound=d.compounds.get(row["compound_id"]),
                           category=d.categories.get(row["category_id"]), call_by=clock.chinese_date(call_by),
                           created=clock.chinese_datetime(created), directory=d)
