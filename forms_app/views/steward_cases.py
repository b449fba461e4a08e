"""On a case: its clocks (deadlines), 会商 records (new, printable 纪要), the phone follow-up; and the
supervisor's read-only 督办 list. The case page (steward/report.html) includes _deadlines.html,
_consultations.html and _followup_phone.html, which call the helpers below."""
from __future__ import annotations

import logging

from flask import abort, current_app, g, redirect, render_template, request, url_for

from forms_app.casework import consultations
from forms_app.casework import supervision
from forms_app.casework import edits
from forms_app.casework.forms import (AnswerForm, ConsultationForm, DuplicateForm, PhoneFollowupForm, SignOutForm,
                                      SupervisionForm, VerifiedForm, meeting_day)
from forms_app.casework.worklist import PER_PAGE
from forms_app.core import accounts, clock, deadlines, workdays
from forms_app.core.store import get_db
from forms_app.publishing import supervise as supervision_list
from forms_app.residents import followup, reports
from . import directory
from .steward import bp

log = logging.getLogger(__name__)


@bp.context_processor
def case_helpers() -> dict:
    """What the case page's includes call."""
    return {"case_clocks": lambda row: deadlines.clocks(row, directory()),
            "case_consultations": lambda row: consultations.for_report(get_db(), row["id"]),
            "consultation_actions": consultations.actions,
            "case_action_items": lambda row: _items_with_state(row),
            "case_supervisions": lambda row: supervision.for_report(get_db(), row["id"]),
            "supervision_form": lambda: SupervisionForm(formdata=None),
            "answer_form": lambda: AnswerForm(formdata=None),
            "duplicate_form": lambda row: DuplicateForm(formdata=None, data={"main_ref": row["duplicate_of"]}),
            "case_duplicates": lambda row: get_db().execute("SELECT ref, status FROM reports WHERE duplicate_of = ? "
                                                            "ORDER BY id", (row["ref"],)).fetchall(),
            "phone_followup_form": lambda row: PhoneFollowupForm(formdata=None) if followup.phone_allowed(row) else None}


def _items_with_state(row) -> list[dict]:
    """The case's 分工 with whether each is late (past its day and not done)."""
    from forms_app.casework.worklist import last_working_day
    cutoff = last_working_day(clock.now().date()).isoformat()
    return [{**dict(i), "line": consultations.item_line(i), "late": bool(not i["done_at"] and i["due"] and i["due"] < cutoff)}
            for i in consultations.items_for_report(get_db(), row["id"])]


@bp.post("/reports/<ref>/actions/<int:item_id>/done")
def action_done(ref: str, item_id: int):
    """A steward marks one 分工 done (every case of that 会商 gets the line, and its clock moves on)."""
    conn, row = get_db(), _case_or_404(ref)
    if not SignOutForm().validate_on_submit():  # nothing but the CSRF token: a page left open too long
        return redirect(url_for("steward.report", ref=ref), code=303)
    if item_id not in {i["id"] for i in consultations.items_for_report(conn, row["id"])}:
        abort(404)
    done = consultations.complete(conn, item_id, actor=g.steward.id, who=g.steward.name)
    log.info("steward %s marked action item %d done on %s (%s)", g.steward.id, item_id, ref, "done" if done else "already")
    return redirect(url_for("steward.report", ref=ref, saved=1) + "#actions-done", code=303)


def _case_or_404(ref: str):
    row = reports.by_ref(get_db(), ref)
    if row is None:
        abort(404)
    return row


# --- 会商 -----------------------------------------------------------------------------------------

@bp.route("/reports/<ref>/consultation", methods=["GET", "POST"])
def consultation_new(ref: str):
    """Record a 会商 on this case (and others named by reference). 预览 fills in the proposed public note."""
    conn, row = get_db(), _case_or_404(ref)
    form = ConsultationForm()
    if request.method == "GET":
        form.held_on.data = clock.now().strftime("%Y-%m-%d")
    missing, preview = [], request.form.get("action") == "preview"
    if form.validate_on_submit():
        others = [reports.by_ref(conn, r) for r in form.other_refs.refs if r != ref]
        missing = [r for r, found in zip([r for r in form.other_refs.refs if r != ref], others) if found is None]
        proposal = consultations.proposed_note(meeting_day(form.held_on.data), form.parties.data, form.agreed.data)
        if missing:
            form.other_refs.errors = [f"没有找到这些编号的问题：{'、'.join(missing)}，请核对。"]
        elif preview or not form.public_note.data:
            form.public_note.data = form.public_note.data or proposal
            preview = True
        else:
            cid = consultations.record(conn, [row["id"], *(o["id"] for o in others)], form.held_on.data,
                                       form.place.data, form.parties.data, form.agreed.data, form.action_rows(),
                                       form.public_note.data, actor=g.steward.id)
            log.info("steward %s recorded consultation %d on %d case(s)", g.steward.id, cid, 1 + len(others))
            return redirect(url_for("steward.consultation", consultation_id=cid, saved=1), code=303)
    status = 400 if form.errors else 200
    return render_template("steward/consultation_form.html", form=form, row=row, preview=preview,
                           parties=consultations.PARTIES), status


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    """The printable A4 会商纪要, with a signature line for each party present."""
    conn = get_db()
    found = consultations.get(conn, consultation_id)
    if found is None:
        abort(404)
    return render_template("steward/consultation.html", c=found, cases=consultations.cases(conn, consultation_id),
                           actions=consultations.actions(found), saved=request.args.get("saved"),
                           held=f"{meeting_day(found['held_on']).year}年{clock.chinese_date(meeting_day(found['held_on']))}",
                           recorder=accounts.names(conn).get(found["actor"], ""))


# --- 回访 by phone ---------------------------------------------------------------------------------

@bp.route("/reports/<ref>/followup", methods=["POST"])
def followup_phone(ref: str):
    """A steward records what the resident said on the phone (the same questions as online)."""
    conn, row = get_db(), _case_or_404(ref)
    form = PhoneFollowupForm()
    if not followup.phone_allowed(row):
        return redirect(url_for("steward.report", ref=ref), code=303)
    if form.validate_on_submit():
        reopened = followup.record(conn, row["id"], form.answers(), directory(), via="phone",
                                   actor=g.steward.id, who=g.steward.name)
        log.info("steward %s recorded a phone follow-up on %s (reopened=%s)", g.steward.id, ref, bool(reopened))
        return redirect(url_for("steward.report", ref=ref, saved=1), code=303)
    return render_template("steward/followup_phone.html", form=form, row=row), 400


# --- 督办 ------------------------------------------------------------------------------------------

@bp.get("/supervise")
def supervise():
    """The 督办 page, paged like the list: cases overdue by more than SUPERVISE_AFTER_DAYS working days;
    the 督办 waiting for an answer; the 不满意待核实 list."""
    conn, d = get_db(), directory()
    after = current_app.config["SUPERVISE_AFTER_DAYS"]
    today = clock.now().date()
    total = supervision_list.count(conn, after, today)
    pages = max(1, -(-total // PER_PAGE))
    try:
        number = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        number = 1
    items = supervision_list.items(conn, d, after, today, PER_PAGE, (number - 1) * PER_PAGE)
    return render_template("steward/supervise.html", after=after, items=items, total=total,
                           workdays_warning=workdays.warning(today),
                           number=number, pages=pages, waiting=supervision.open_items(conn),
                           unsatisfied=supervision.to_verify(conn), verified_form=VerifiedForm(formdata=None),
                           done=request.args.get("done"))


@bp.post("/reports/<ref>/supervise")
def supervision_issue(ref: str):
    """The supervisor issues a 督办 on a case (a note, a date by which the steward answers)."""
    conn, row = get_db(), _case_or_404(ref)
    if g.steward.role != "supervisor":
        abort(403)
    form = SupervisionForm()
    if form.validate_on_submit():
        sid = supervision.issue(conn, row["id"], form.note.data, deadlines.day_of(form.answer_by.data),
                                actor=g.steward.id, who=g.steward.name)
        log.info("supervisor %s issued supervision %d on %s", g.steward.id, sid, ref)
        return redirect(url_for("steward.report", ref=ref, saved=1) + "#supervision", code=303)
    return render_template("steward/supervision_form.html", form=form, row=row), 400


@bp.post("/reports/<ref>/supervisions/<int:supervision_id>/answer")
def supervision_answer(ref: str, supervision_id: int):
    """The steward answers a 督办 on this case."""
    conn, row = get_db(), _case_or_404(ref)
    if supervision_id not in {s["id"] for s in supervision.for_report(conn, row["id"])}:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        supervision.answer(conn, supervision_id, form.answer.data, actor=g.steward.id, who=g.steward.name)
        log.info("steward %s answered supervision %d on %s", g.steward.id, supervision_id, ref)
        return redirect(url_for("steward.report", ref=ref, saved=1) + "#supervision", code=303)
    return render_template("steward/supervision_form.html", form=form, row=row), 400


@bp.post("/reports/<ref>/verified")
def verified(ref: str):
    """The supervisor checked a 回访 with 效率 or 态度 不满意: off the 不满意待核实 list."""
    conn, row = get_db(), _case_or_404(ref)
    if g.steward.role != "supervisor":
        abort(403)
    form = VerifiedForm()
    if form.validate_on_submit():
        supervision.verified(conn, row["id"], form.note.data, actor=g.steward.id, who=g.steward.name)
        log.info("supervisor %s checked the unsatisfied follow-up of %s", g.steward.id, ref)
        return redirect(url_for("steward.supervise", done=ref) + "#unsatisfied", code=303)
    return render_template("steward/supervision_form.html", form=form, row=row), 400


# --- 重复件 ------------------------------------------------------------------------------------------

@bp.post("/reports/<ref>/duplicate")
def duplicate(ref: str):
    """Mark this case a 重复件 of another (it follows the main case's status), or undo it."""
    conn, row = get_db(), _case_or_404(ref)
    form = DuplicateForm()
    if form.validate_on_submit():
        problem = edits.mark_duplicate(conn, row["id"], form.main_ref.data, actor=g.steward.id, who=g.steward.label)
        if not problem:
            log.info("steward %s marked %s a duplicate of %s", g.steward.id, ref, form.main_ref.data or "nothing")
            return redirect(url_for("steward.report", ref=ref, saved=1) + "#duplicate", code=303)
        form.main_ref.errors = [problem]
    return render_template("steward/supervision_form.html", form=form, row=row), 400
