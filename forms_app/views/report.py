"""/forms/report — a resident reports a problem; the confirmation names their steward."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for

from forms_app.core import clock, deadlines
from forms_app.residents import photos, promises, reports
from forms_app.residents.forms import ReportForm
from forms_app.core.references import normalise
from forms_app.core.security import limiter, submit_limit
from forms_app.core.store import get_db
from forms_app.core.phones import display_phone
from forms_app.views.photo_limit import accepts_photos
from . import directory, remember, remembered

bp = Blueprint("report", __name__, url_prefix="/forms/report")
log = logging.getLogger(__name__)
CHANNELS = {"web": "网页", "qr": "二维码", "behalf": "代办"}


def _channel(form: ReportForm) -> str:
    """How it came in: on someone's behalf, from a stairwell QR code (its URL carries src=qr), or the web.
    A compound page's button also pre-selects ?compound= but is the web, not a QR code."""
    if form.behalf:
        return CHANNELS["behalf"]
    return CHANNELS["qr"] if request.args.get("src") == "qr" else CHANNELS["web"]


def sent_here(ref: str, find):
    """The row this browser submitted under ref (find(conn, ref)), or None for anyone else.

    A confirmation link shared with family opens in another browser: the caller then shows the
    progress look-up with the reference filled in (elsewhere() below), never the details."""
    return find(get_db(), ref) if remembered("refs", ref) else None


def elsewhere(ref: str):
    """Another browser opened a confirmation link: the progress look-up, reference filled in.

    Answered the same way whether or not the reference exists, so it tells a stranger nothing. The look-up
    then says this is a shared link (a mark in this browser's session, not in the address)."""
    session["shared"] = normalise(ref[:20])
    return redirect(url_for("status.lookup", ref=ref[:20]), code=303)


@bp.route("", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"])
@accepts_photos
def form():
    """Show the form (pre-filled from ?compound=&category=) or take a submission."""
    d = directory()
    form = ReportForm(directory=d)
    if request.method == "GET":
        compound = d.match_compound(request.args.get("compound", ""))   # an id, or a name as typed (延吉4村)
        if compound is not None:
            form.compound.data = compound.id
        if request.args.get("category") in d.categories:
            form.category.data = request.args["category"]
            if d.categories[form.category.data].urgent:  # urgent categories are urgent: say so from the start
                form.urgent.data = "yes"
        if request.args.get("on_behalf") == "y":
            form.on_behalf.data = "y"
    elif form.validate_on_submit():
        compound = d.compounds[form.compound.data]
        data = {
            "channel": _channel(form), "area_id": compound.area.id, "compound_id": compound.id,
            "building": form.building.data, "room": form.room.data, "category_id": form.category.data,
            "urgent": int(form.urgent.data == "yes"), "description": form.description.data,
            "contact_name": form.contact_name.data, "phone": form.phone.phone.e164,
            "best_time": form.best_time.data or "", "join_reception": int(form.join_reception.data),
            "on_behalf": int(form.behalf), "behalf_relation": form.behalf_relation.data if form.behalf else "",
            "behalf_consent": int(bool(form.behalf and form.behalf_consent.data)),
            "resident_name": form.resident_name.data if form.behalf else "",
            "resident_phone": form.resident_phone.phone.e164 if form.behalf and form.resident_phone.data else "",
            "call_first": form.call_first.data if form.behalf else "",
            "sms_consent": int(bool(form.sms_consent.data) and current_app.config["SMS_ENABLED"]),  # asked only when texts are on
            # PIPL §39: asked only when the stewards' table is abroad (Google); -1 = not asked.
            "abroad_consent": int(bool(form.abroad_consent.data)) if current_app.config.get("TABLE_BACKEND") == "google" else -1,
        }
        urgent = bool(data["urgent"] or d.categories[form.category.data].urgent)
        row, created = reports.create(get_db(), form.submission_id.data, data, alert=urgent, directory=d,
                                      photos=form.photos.prepared, origin="report", address=request.remote_addr or "")
        log.info("report %s %s (category=%s, urgent=%s)", row["ref"], "stored" if created else "resubmitted",
                 row["category_id"], row["urgent"])
        remember("refs", row["ref"])
        return redirect(url_for("report.done", ref=row["ref"]), code=303)
    status = 400 if form.errors else 200
    urgent_ids = " ".join(c.id for c in d.categories.values() if c.urgent)
    return render_template("report/form.html", form=form, directory=d, urgent_ids=urgent_ids,
                           urgent_names="、".join(c.name for c in d.categories.values() if c.urgent)), status


@bp.get("/done/<ref>")
def done(ref: str):
    """The confirmation: reference, who calls whom by when, what happens next — only for the browser that sent it."""
    row = sent_here(ref, reports.by_ref)
    if row is None:
        return elsewhere(ref)
    d = directory()
    created = clock.parse(row["created_at"])
    category = d.categories.get(row["category_id"])
    urgent = deadlines.is_urgent(row, d)
    return render_template("report/done.html", report=row, compound=d.compounds.get(row["compound_id"]),
                           category=category, urgent=urgent, promise=promises.for_case(row, d),
                           resident_phone=display_phone(row["resident_phone"]),
                           created=clock.chinese_datetime(created), directory=d,
                           photos=[p for p in photos.for_report(get_db(), row["id"]) if p["origin"] == "report"])


@bp.get("/done/<ref>/photos/<name>")
def photo_thumbnail(ref: str, name: str):
    """A thumbnail of a photo sent with this report — only to the browser that sent it, never stored by caches."""
    row = sent_here(ref, reports.by_ref)
    found = photos.by_name(get_db(), name) if row is not None else None
    body = photos.thumbnail(name) if found is not None and found["report_id"] == row["id"] and found["origin"] == "report" else None
    if body is None:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "no-store, private",
                                                          "Content-Disposition": "inline"})
