"""/forms/reception — sign up for a joint reception, get a seat or a waiting place, cancel."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from forms_app.core import facts
from forms_app.residents import calendar_file
from forms_app.residents import reception, texts
from forms_app.residents.forms import LookupForm, ReceptionForm
from forms_app.core.references import normalise
from forms_app.core.security import limiter, lookup_limit, submit_limit
from forms_app.core.store import get_db
from . import directory, per_address_cap, remember, remembered, site_address
from .report import elsewhere, sent_here
from .status import find

bp = Blueprint("reception", __name__, url_prefix="/forms/reception")
CAPPED = "同一个网络已经为这一场报了好几个名，不能再报了。还要报名，请打电话给您的大管家。"
log = logging.getLogger(__name__)


@bp.route("", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"])
def form():
    """Choose a session and sign up."""
    conn, d = get_db(), directory()
    sessions = reception.with_seats_first(reception.open_sessions(conn))
    form = ReceptionForm(directory=d, sessions=sessions)
    if request.method == "GET":
        if request.args.get("session") in {s.id for s in sessions}:
            form.session.data = request.args["session"]
        compound = d.match_compound(request.args.get("compound", ""))
        if compound is not None:
            form.compound.data = compound.id
    elif form.validate_on_submit():
        # The linked number is stored as typed; one that matches no report is flagged for the steward,
        # never refused here: the answer would tell a stranger whether that report number exists.
        data = {"name": form.name.data, "phone": form.phone.phone.e164, "compound_id": form.compound.data,
                "topic": form.topic.data, "linked_ref": form.linked_ref.data or "",
                "sms_consent": int(bool(form.sms_consent.data) and current_app.config["SMS_ENABLED"]),  # asked only when texts are on
                # PIPL §39: asked only when the stewards' table is abroad (Google); -1 = not asked.
                "abroad_consent": int(bool(form.abroad_consent.data)) if current_app.config.get("TABLE_BACKEND") == "google" else -1}
        try:
            outcome = reception.sign_up(conn, form.session.data, form.submission_id.data, data,
                                        address=request.remote_addr or "",
                                        per_address=per_address_cap("RECEPTION_SIGNUPS_PER_ADDRESS"))
        except LookupError:
            form.session.errors.append("这一场刚刚停止报名了，请选择其他场次。")
        else:
            if outcome.status == "capped":
                log.info("signup refused: per-address cap for session %s", form.session.data)
                form.session.errors.append(CAPPED)
                return render_template("reception/form.html", form=form, sessions=sessions), 429
            # Someone else may know this phone number: a duplicate is answered exactly like a first sign-up
            # (a 303 to a confirmation page), with a receipt number instead of the sign-up's own; the
            # existing number goes by text to that phone.
            ref = outcome.receipt or outcome.signup["ref"]
            log.info("signup %s %s", ref, "received" if outcome.receipt else outcome.status)
            remember("refs", ref)
            return redirect(url_for("reception.done", ref=ref), code=303)
    status = 400 if form.errors else 200
    return render_template("reception/form.html", form=form, sessions=sessions), status


@bp.get("/done/<ref>")
def done(ref: str):
    """Confirmation: seat or waiting place, the details as plain text, the .ics link.

    For the receipt of a sign-up whose phone was already signed up: the same page, saying the
    number has gone by text (or to use the number given the first time)."""
    conn = get_db()
    session_id = reception.receipt_session(conn, ref) if remembered("refs", ref) else None
    if session_id is not None:
        return render_template("reception/received.html", ref=ref, session_=reception.get_session(conn, session_id),
                               texted=texts.enabled("signup"))
    signup = sent_here(ref, reception.by_ref)
    if signup is None:
        return elsewhere(ref)
    conn = get_db()
    waiting = signup["state"] == "waiting"
    return render_template("reception/done.html", signup=signup, texting=texts.will_text(signup),
                           texts_promoted=texts.will_text(signup, "promoted"),
                           session_=reception.get_session(conn, signup["session_id"]),
                           position=reception.waiting_position(conn, signup),
                           other=reception.next_with_seats(conn, signup["session_id"]) if waiting else None)


@bp.get("/<ref>.ics")
@limiter.limit(lookup_limit)
def ics(ref: str):
    """The session as a calendar file (no personal data in it) — only once the seat is confirmed, and only
    for the browser that signed up or proved reference + last four (it must not tell a stranger which
    sign-up numbers exist)."""
    conn = get_db()
    ref = normalise(ref)
    signup = reception.by_ref(conn, ref) if remembered("refs", ref) or remembered("verified", ref) else None
    if signup is None or signup["state"] != "confirmed":
        abort(404)
    body = calendar_file.for_signup(signup, reception.get_session(conn, signup["session_id"]),
                                    site_address("/"), brand=facts.brand(directory()))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="lianhejiedai-{signup["ref"]}.ics"'})


@bp.route("/cancel", methods=["GET", "POST"])
@limiter.limit(lookup_limit, methods=["POST"])
def cancel():
    """Cancel with reference + last four phone digits; a freed seat goes to the first waiting."""
    form = LookupForm(ref=request.args.get("ref", ""))
    if form.validate_on_submit():
        conn = get_db()
        kind, signup = find(conn, form.ref.data, form.last4.data)
        if kind != "signup" or signup["state"] == "cancelled":
            return render_template("reception/cancel.html", form=form, not_found=True), 400
        session_ = reception.get_session(conn, signup["session_id"])
        promoted = reception.cancel(conn, signup["ref"])
        log.info("signup %s cancelled; promoted=%s", signup["ref"], promoted["ref"] if promoted else "-")
        return render_template("reception/cancelled.html", ref=signup["ref"], session_=session_)
    return render_template("reception/cancel.html", form=form, not_found=False), 400 if form.errors else 200
