"""The stewards' reports on the embedded store: the filtered list, one report with its edit form, the .xlsx."""
from __future__ import annotations

import logging

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for

from forms_app.casework import edits as casework
from forms_app.core import clock
from forms_app.delivery import export
from forms_app.residents import reports
from forms_app.casework import worklist
from forms_app.casework.forms import EditForm, FilterForm
from forms_app.core.store import get_db
from . import directory
from .steward import bp

log = logging.getLogger(__name__)
SHOWN = 300  # rows on one page; filters or the .xlsx reach the rest



@bp.get("")
def index():
    """The list with filters and counts — or, with the Google Sheet on, the way to the sheet."""
    if current_app.config["SHEETS_ENABLED"]:
        return render_template("steward/sheet_mode.html")
    conn, form = get_db(), FilterForm(request.args, directory=directory())
    filters = worklist.Filters(form.value("status"), form.value("compound"), form.value("category"), form.overdue.data)
    now, days = clock.now(), directory().callback_working_days
    rows = worklist.reports(conn, filters, now, days)
    overdue = {r["id"] for r in rows if worklist.is_overdue(r, now, days)}
    return render_template("steward/index.html", form=form, filters=filters, rows=rows[:SHOWN], total=len(rows),
                           shown=SHOWN, overdue=overdue, counts=worklist.counts(conn))


@bp.get("/export.xlsx")
def export_xlsx():
    """Everything in the store as one workbook (问题登记, 接待报名); the log says who, never what."""
    body, n_reports, n_signups = export.workbook(get_db(), directory())
    log.info("steward %s downloaded the workbook (%d reports, %d sign-ups)", g.steward.id, n_reports, n_signups)
    name = f"dagj-{clock.now():%Y%m%d-%H%M}.xlsx"
    return Response(body, mimetype=export.XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _default_steward(row) -> str:
    """负责大管家 when none is set: the compound's steward, as the sheet's row starts out."""
    compound = directory().compounds.get(row["compound_id"])
    return compound.steward.name if compound else g.steward.name


def _initial(row) -> dict:
    """The edit form's starting values."""
    return {"version": row["updated_at"], "status": row["status"],
            "steward_name": row["steward_name"] or _default_steward(row),
            "coordinating": [p for p in row["coordinating"].split("、") if p],
            "first_contact_at": row["first_contact_at"], "public_note": row["public_note"]}


def _changes(form: EditForm, row) -> dict:
    """The stewards' fields as the form has them (an untouched default steward is left unset)."""
    chosen = [p for p in form.coordinating.choices if p in form.coordinating.data]
    changes = {"status": form.status.data, "coordinating": "、".join(chosen),
               "first_contact_at": form.first_contact_at.data, "public_note": form.public_note.data}
    if row["steward_name"] or form.steward_name.data != _default_steward(row):
        changes["steward_name"] = form.steward_name.data
    return changes


@bp.route("/reports/<ref>", methods=["GET", "POST"])
def report(ref: str):
    """The full report (stewards may see name and phone) and the form for the stewards' columns."""
    conn = get_db()
    row = reports.by_ref(conn, ref)
    if row is None:
        abort(404)
    form = EditForm(data=_initial(row), directory=directory(), report=row)
    conflict = False
    if form.validate_on_submit():
        note = f"{clock.now():%Y-%m-%d} {g.steward.name}：{form.note.data}" if form.note.data else ""
        changed = casework.edit(conn, row["id"], _changes(form, row), note, form.version.data, actor=g.steward.id)
        if changed is not None:
            log.info("steward %s edited %s: %s", g.steward.id, ref, ",".join(sorted(changed)) or "no change")
            return redirect(url_for("steward.report", ref=ref, saved=1 if changed else 0), code=303)
        conflict = True
        row = reports.by_ref(conn, ref)
        form.version.data = row["updated_at"]
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("steward/report.html", form=form, row=row, conflict=conflict, saved=request.args.get("saved"),
                           overdue=worklist.is_overdue(row, clock.now(), directory().callback_working_days),
                           followups=conn.execute("SELECT * FROM followups WHERE report_id = ? ORDER BY id", (row["id"],)).fetchall(),
                           signups=conn.execute("SELECT * FROM signups WHERE linked_ref = ? ORDER BY id", (ref,)).fetchall()), status
