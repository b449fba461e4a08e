"""/forms/reception — sign up for a joint reception, get a seat or a waiting place, cancel."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from forms_app.core import facts
from forms_app.residents import calendar_file
from forms_app.residents import reception
from forms_app.residents.forms import LookupForm, ReceptionForm
from forms_app.core.references import normalise
from forms_app.core.security import limiter, lookup_limit, submit_limit
from forms_app.core.store import get_db
from . import directory, remember, remembered, site_address
from .report import elsewhere, sent_here
from .status import find

bp = Blueprint("reception", __name__, url_prefix="/forms/reception")
ALREADY = ("这个电话已经报名了这一场，不用再报。要查看或取消，请用当时给您的报名编号（8 开头的 8 个数字；"
           "以前的编号以 J 开头）和电话后四位；找不到编号，请打电话给您的大管家。")
log = logging.getLogger(__name__)


@bp.route("", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"])
def form():
    """Choose a session and sign up."""
    conn, d = get_db(), directory()
    sessions = reception.open_sessions(conn)
    form = ReceptionForm(directory=d, sessions=sessions)
    if request.method == "GET":
        if request.args.get("session") in {s.id for s in sessions}:
            form.session.data = request.args["session"]
        if request.args.get("compound") in d.compounds:
            form.compound.data = request.args["compound"]
    elif form.validate_on_submit():
        # The linked number is stored as typed; one that matches no report is flagged for the steward,
        # never refused here: the answer would tell a stranger whether that report number exists.
        data = {"name": form.name.data, "phone": form.phone.phone.e164, "compound_id": form.compound.data,
                "topic": form.topic.data, "linked_ref": form.linked_ref.data or "",
                "sms_consent": int(bool(form.sms_consent.data))}
        try:
            outcome = reception.sign_up(conn, form.session.data, form.submission_id.data, data)
        except LookupError:
            form.session.errors.append("这一场刚刚停止报名了，请选择其他场次。")
        else:
            log.info("signup %s %s", outcome.signup["ref"], outcome.status)
            if outcome.status == "duplicate" and not outcome.resubmitted:
                # Someone else may know this phone number: say it is signed up, never show its reference.
                return render_template("reception/form.html", form=form, sessions=sessions, notice=ALREADY), 409
            remember("refs", outcome.signup["ref"])
            return redirect(url_for("reception.done", ref=outcome.signup["ref"]), code=303)
    status = 400 if form.errors else 200
    return render_template("reception/form.html", form=form, sessions=sessions), status


@bp.get("/done/<ref>")
def done(ref: str):
    """Confirmation: seat or waiting place, the details as plain text, the .ics link."""
    signup = sent_here(ref, reception.by_ref)
    if signup is None:
        return elsewhere(ref)
    conn = get_db()
    return render_template("reception/done.html", signup=signup,
                           session_=reception.get_session(conn, signup["session_id"]),
                           position=reception.waiting_position(conn, signup))


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
