"""/forms/status — reference + last four phone digits → where things stand."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from forms_app.core import clock, deadlines, history
from forms_app.core.cases import STATUS_MEANINGS
from forms_app.residents import followup, promises, texts
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.residents.forms import FollowupForm, LookupForm
from forms_app.core.references import display, kind_of, normalise
from forms_app.core.security import limiter, lookup_limit
from forms_app.core.store import get_db
from forms_app.views.photo_limit import accepts_photos
from . import directory, phone_refs, remember, remembered
from .report import elsewhere

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
    form = LookupForm(ref=display(request.args.get("ref", "")[:20]))
    if form.validate_on_submit():
        conn = get_db()
        kind, row = find(conn, form.ref.data, form.last4.data)
        if row is None:
            return render_template("status/form.html", form=form, not_found=True, sent=_sent_here(), shared=False), 404
        followup_form = None
        if kind == "signup":
            remember("verified", row["ref"])  # it proved it knows the phone: it may download the .ics
        if kind == "report" and followup.due(row):
            remember("verified", row["ref"])  # it proved it knows the phone: it may answer the follow-up
            followup_form = FollowupForm(ref=row["ref"], formdata=None)
        return render_template("status/result.html", **_result(conn, kind, row, followup_form))
    # A confirmation link opened in another browser (report.elsewhere) says why it shows this form.
    shared = (request.method == "GET" and "shared" in session
              and session.pop("shared") == normalise(request.args.get("ref", "")))
    return (render_template("status/form.html", form=form, not_found=False, sent=_sent_here(), shared=shared),
            400 if form.errors else 200)


def _sent_here() -> list[dict]:
    """The references this browser submitted (newest first), to tap instead of typing."""
    names = {"report": "反映的问题", "signup": "联合接待报名"}
    return [{"ref": ref, "shown": display(ref), "kind": names.get(kind_of(ref) or "", "编号")}
            for ref in reversed(phone_refs())]


def progress(conn, row, d, today: dt.date | None = None) -> dict:
    """What the resident sees of a report's progress, in words.

    note: the steward's current public note — never a stale one: after "没有解决" reopened the case
          (reopened_at) and no note was written since, the old "已修好…" is not shown; the reopening is.
    timeline: dated entries, oldest first — received, every public note, every reopening.
    next_call: when the steward calls next, from the stored due dates (first contact / re-handling).
    """
    today = today or clock.now().date()
    entries = history.for_report(conn, row["id"])
    # The sentence the system writes into 公开进展 when a case is reopened (same moment as the reopening) is
    # not the steward's: it is shown once, as the system's (reopen_line), never as 大管家的说明 or in the timeline.
    reopen_moments = {(e["at"], e["actor"]) for e in entries if e["field"] == "reopened_at" and e["new"]}
    notes = [(e["at"], e["new"]) for e in entries
             if e["field"] == "public_note" and e["new"] and (e["at"], e["actor"]) not in reopen_moments]
    reopened_at = row["reopened_at"] or ""
    last_note_at = notes[-1][0] if notes and notes[-1][1] == row["public_note"] else ""
    open_ = row["status"] not in deadlines.SETTLED
    stale = bool(reopened_at) and open_ and (not last_note_at or clock.parse(last_note_at) < clock.parse(reopened_at))
    reopenings = [e["new"] for e in entries if e["field"] == "reopened_at" and e["new"]] or ([reopened_at] if reopened_at else [])
    timeline = [(clock.parse(row["created_at"]), "收到您反映的问题。")]
    for at, text in notes:
        if not (stale and clock.parse(at) < clock.parse(reopened_at)):
            timeline.append((clock.parse(at), text))
    for at in reopenings:
        timeline.append((clock.parse(at), "您说问题还没有解决，重新处理。"))
    timeline.sort(key=lambda item: item[0])
    promise = promises.for_case(row, d)
    return {"note": "" if stale else row["public_note"],
            "reopen_line": reopen_words(row, d) if stale else "",
            "next_call": promise.progress() if promise and not (stale and promise.kind == "rehandle") else (),
            "promise": promise, "overdue": bool(promise and promise.missed),
            "timeline": [(f"{m.month}月{m.day}日", text) for m, text in timeline]}


def reopen_words(row, d, today: dt.date | None = None) -> str:
    """'您12月1日说还没解决，赵磊最晚12月4日（周五）再联系您。' for a reopened case, else '' (residents/promises.py)."""
    if not row["reopened_at"]:
        return ""
    promise = promises.for_case(row, d)
    if promise is not None and promise.kind == "rehandle":
        words = "对结果不满意" if (row["satisfaction"] or "").endswith("·已解决") else "还没解决"  # residents/followup.py
        return promises.text(promise.reopen_line()).replace("说还没解决", f"说{words}", 1)
    said = clock.parse(row["reopened_at"]).date()
    today = today or clock.now().date()
    compound = d.compounds.get(row["compound_id"])
    who = compound.steward.name if compound else "大管家"
    words = "对结果不满意" if (row["satisfaction"] or "").endswith("·已解决") else "还没解决"
    return f"您{'今天' if said == today else f'{said.month}月{said.day}日'}说{words}，{who}会再联系您。"


def _result(conn, kind: str, row, followup_form=None) -> dict:
    """What the result page shows for a report or a sign-up."""
    context = {"kind": kind, "row": row, "updated": clock.chinese_datetime(clock.parse(row["updated_at"]))}
    if kind == "report":
        context.update(category=directory().categories.get(row["category_id"]),
                       compound=directory().compounds.get(row["compound_id"]), followup_form=followup_form,
                       progress=progress(conn, row, directory()), meanings=STATUS_MEANINGS)
    else:
        context.update(session_=reception.get_session(conn, row["session_id"]),
                       position=reception.waiting_position(conn, row), texts_promoted=texts.will_text(row, "promoted"))
    return context


@bp.post("/followup")
@limiter.limit(lookup_limit)
@accepts_photos
def answer_followup():
    """The resident's answer: outcome, 效率/态度/结果, comment (部分解决/没有解决 → reopened, steward alerted)."""
    form = FollowupForm()
    ref = form.ref.data or ""
    conn = get_db()
    row = reports.by_ref(conn, ref) if remembered("verified", ref) else None
    if row is None:
        abort(404)
    if followup.due(row):
        if not form.validate_on_submit():
            return render_template("status/result.html", **_result(conn, "report", row, form)), 400
        recorded = followup.record(conn, row["id"], form.answers(), directory(), photos=form.photos.prepared)
    else:
        recorded = None
    if recorded is None:
        session["followup_again"] = row["ref"]   # answered before (another tap, another tab): said on the next page
    # Redirect after POST: the page after answering can be reloaded and its address shared.
    return redirect(url_for("status.followup_done", ref=row["ref"]), code=303)


@bp.get("/followup/<ref>")
def followup_done(ref: str):
    """What became of the follow-up answer: for the browser that gave it; anyone else gets the look-up."""
    conn = get_db()
    ref = normalise(ref)
    row = reports.by_ref(conn, ref) if remembered("verified", ref) else None
    answer = followup.latest(conn, row["id"]) if row is not None else None
    if answer is None:
        return elsewhere(ref)
    already = "followup_again" in session and session.pop("followup_again") == ref
    reopened = answer["outcome"] != "已解决"
    return render_template("status/followup_done.html", row=row, reopened=reopened, already=already,
                           reopen_line=reopen_words(row, directory()) if reopened else "",
                           promise=promises.for_case(row, directory()) if reopened else None,
                           photo_count=followup.photos_with(conn, answer))
