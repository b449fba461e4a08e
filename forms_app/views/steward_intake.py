"""A steward registers a case (phone call, walk-in, joint reception, 会商, referral): the form, and the
confirmation with the reference to read aloud and a printable slip (回执) to hand over."""
from __future__ import annotations

import logging

from flask import abort, current_app, g, redirect, render_template, request, url_for

from forms_app.casework import intake
from forms_app.casework.forms import IntakeForm
from forms_app.core import clock, deadlines
from forms_app.core.store import get_db
from forms_app.core.phones import display_phone
from forms_app.residents import promises, reception, reports
from forms_app.views.photo_limit import accepts_photos
from . import directory
from .steward import bp

log = logging.getLogger(__name__)


def own_steward():
    """The directory steward the signed-in account stands for (None for a supervisor without one)."""
    ident = getattr(g.steward, "steward_id", None) or getattr(g.steward, "id", "")
    return directory().stewards.get(ident)


@bp.route("/reports/new", methods=["GET", "POST"])
@accepts_photos
def intake_form():
    """Register a case; ?channel=联合接待&session=ID comes from a reception's outcomes page."""
    d, conn = directory(), get_db()
    form = IntakeForm(directory=d)
    if request.method == "GET":
        if request.args.get("channel") in intake.CHANNELS:
            form.channel.data = request.args["channel"]
        if request.args.get("session") and reception.get_session(conn, request.args["session"]) is not None:
            form.session_id.data = request.args["session"]
            form.channel.data = "联合接待"
        if request.args.get("compound") in d.compounds:
            form.compound.data = request.args["compound"]
        signup = conn.execute("SELECT * FROM signups WHERE id = ?", (request.args.get("signup", ""),)).fetchone() \
            if request.args.get("signup", "").isdigit() else None
        if signup is not None:  # 登记为问题 from a sign-up: what the resident already told us
            form.signup_id.data, form.session_id.data, form.channel.data = str(signup["id"]), signup["session_id"], "联合接待"
            form.contact_name.data, form.description.data = signup["name"], signup["topic"]
            form.phone.data = display_phone(signup["phone"]) if signup["phone"] else ""
            if signup["compound_id"] in d.compounds:
                form.compound.data = signup["compound_id"]
    session_ = reception.get_session(conn, form.session_id.data) if form.session_id.data else None
    if form.session_id.data and session_ is None:
        form.session_id.data = ""  # a session that no longer exists: registered without the link
    if form.validate_on_submit():
        row, created = intake.register(conn, d, form.submission_id.data, form.fields(g.steward.id, current_app.config.get("TABLE_BACKEND") == "google"), actor=g.steward.id,
                                       photos=form.photos.prepared)
        if (form.signup_id.data or "").isdigit():
            intake.link_signup(conn, int(form.signup_id.data), row["ref"])
        log.info("steward %s registered %s %s (channel=%s, category=%s, urgent=%s)", g.steward.id, row["ref"],
                 "stored" if created else "resubmitted", row["channel"], row["category_id"], row["urgent"])
        return redirect(url_for("steward.intake_done", ref=row["ref"]), code=303)
    return render_template("steward/intake.html", form=form, session_=session_), 400 if form.errors else 200


@bp.get("/reports/<ref>/registered")
def intake_done(ref: str):
    """The reference, large, to read aloud; and the slip (回执) to print and hand over."""
    conn, d = get_db(), directory()
    row = reports.by_ref(conn, ref)
    if row is None:
        abort(404)
    compound = d.compounds.get(row["compound_id"])
    site = (d.street.get("site_url") or "").rstrip("/")
    due = deadlines.first_contact_day(row, d)
    return render_template("steward/intake_done.html", row=row, compound=compound, office=d.street.get("office"),
                           due_today=due <= clock.now().date(),
                           category=d.categories.get(row["category_id"]), taker=own_steward(),
                           created=clock.chinese_datetime(clock.parse(row["created_at"])),
                           call_by=clock.chinese_date(due), promise=promises.for_case(row, d),
                           status_url=f"{site}{url_for('status.lookup')}",
                           session_=reception.get_session(conn, row["session_id"]) if row["session_id"] else None)
