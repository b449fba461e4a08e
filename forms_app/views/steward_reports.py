"""The stewards' cases on the embedded store: the list as a workplace (search, filters, pages, bulk status,
刚联系过), one case with its edit form and history, the .xlsx of the current filters."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, abort, g, redirect, render_template, request, url_for

from forms_app.casework import edits as casework
from forms_app.core import accounts, clock, deadlines, history
from forms_app.delivery import export
from forms_app.residents import case_changes, reports
from forms_app.casework import worklist
from forms_app.casework.forms import BulkForm, EditForm, FilterForm, PhoneCheckForm
from forms_app.core.cases import STEWARD_FIELDS
from forms_app.core.security import page_number
from forms_app.core.store import get_db
from . import directory
from .steward import bp

log = logging.getLogger(__name__)
# History field names in Chinese (the stewards' columns as the sheet names them, and the service's own).
FIELD_NAMES = {**case_changes.SHEET_HEADERS, "created": "登记", "reopened": "重新打开次数", "reopened_at": "重新打开时间",
               "rehandled_at": "重新处理时间", "rehandle_due": "重新处理期限", "anonymised_at": "删除个人信息",
               "first_contact_due": "先行联系期限", "resolve_due": "办结期限", "building": "楼号",
               "compound_id": "小区", "category_id": "问题类别", "urgent": "紧急", "channel": "来源",
               "plan_due": "落实期限", "action_due": "分工期限", "to_verify": "不满意待核实", "consultation": "会商",
               "ticket_no": "12345 工单号", "supervision": "督办", "duplicate_of": "重复件的主件",
               "phone_verified": "电话核实"}


def _filters(args, mine_by_default: bool = True) -> tuple[FilterForm, worklist.Filters]:
    """The list's filters from the query string; with none sent, a steward sees their own cases."""
    form = FilterForm(args, directory=directory())
    if "f" not in args and mine_by_default:
        form.mine.data = bool(g.steward.steward_id)
    filters = worklist.Filters(form.q.data or "", form.value("status"), form.value("compound"), form.value("category"),
                               form.value("channel"), form.mine.data, form.urgent.data, form.reopened.data,
                               form.overdue.data, form.today.data, form.soon.data, form.followup.data,
                               form.value("sort") or "due")
    return form, filters


def _query(filters: worklist.Filters, **extra) -> dict:
    """The query string that shows these filters again (for links: pages, counts, the export)."""
    out = {"f": "1"}
    for name in ("q", "status", "compound", "category", "channel"):
        if getattr(filters, name):
            out[name] = getattr(filters, name)
    for name in ("mine", "urgent", "reopened", "overdue", "today", "soon", "followup"):
        if getattr(filters, name):
            out[name] = "y"
    if filters.sort != "due":
        out["sort"] = filters.sort
    return {**out, **extra}


def _page_number() -> int:
    return page_number(request.args.get("page"))


@bp.route("", methods=["GET", "POST"])
def index():
    """The list with search, filters, pages and counts; POST: the ticked cases to one status, or 刚联系过."""
    conn, d = get_db(), directory()
    form, filters = _filters(request.args)
    me = worklist.me_for(g.steward, d)
    bulk = BulkForm()
    here = url_for("steward.index") + "?" + urlencode(_query(filters, page=_page_number()))
    problems = []
    if request.method == "POST" and not bulk.validate_on_submit():
        problems = [(name, "页面停留时间太长了。请再点一次。" if name == "csrf_token" else errors[0])
                    for name, errors in bulk.errors.items()]
    elif request.method == "POST":
        if request.form.get("contacted"):
            return _contacted(conn, request.form["contacted"], here)
        if not bulk.refs.data:
            problems.append(("refs", "请先勾选要改状态的问题。"))
        if not bulk.bulk_status.data:
            problems.append(("bulk_status", "请选择要改成的状态。"))
        if not problems:
            done = 0
            for ref in bulk.refs.data:
                row = reports.by_ref(conn, ref)
                changes = {"status": bulk.bulk_status.data,
                           **({"public_note": bulk.bulk_note.data} if bulk.bulk_note.data else {})}
                if row is not None and casework.edit(conn, row["id"], changes, actor=g.steward.id, who=g.steward.label):
                    done += 1
            log.info("steward %s changed %d cases to one status in bulk", g.steward.id, done)
            return redirect(f"{here}&done={done}", code=303)
    today = clock.now().date()
    result = worklist.page(conn, filters, d, today, me, _page_number())
    status = 400 if request.method == "POST" else 200
    return render_template("steward/index.html", form=form, filters=filters, page=result, bulk=bulk,
                           problems=problems, counts=worklist.counts(conn, filters, d, today, me), query=_query(filters), here=here,
                           me=me, done=request.args.get("done"),
                           only_status=filters.status, contacted=request.args.get("contacted")), status


def _contacted(conn, ref: str, here: str):
    """刚联系过: stamp 首次联系时间 now on one case, through the same edit path (history, outbox)."""
    row = reports.by_ref(conn, ref)
    if row is None:
        abort(404)
    changed = casework.contacted(conn, row["id"], actor=g.steward.id)
    log.info("steward %s: first contact on %s%s", g.steward.id, ref, "" if changed else " (already recorded)")
    return redirect(f"{here}&contacted={ref}", code=303)


@bp.get("/export.xlsx")
def export_xlsx():
    """The cases of the current filters (and every sign-up) as one workbook; the log says who, never what."""
    conn, d = get_db(), directory()
    _, filters = _filters(request.args, mine_by_default=False)
    me = worklist.me_for(g.steward, d)
    rows = worklist.matching(conn, filters, d, clock.now().date(), me)
    # The sign-ups follow the filters where they can: one compound, or the compounds of 我负责的.
    compounds = (filters.compound,) if filters.compound else me.compounds if filters.mine else None
    body, size, n_reports, n_signups = export.spooled(conn, d, rows, compounds)  # written row by row, streamed from disk
    log.info("steward %s downloaded the workbook (%d reports, %d sign-ups)", g.steward.id, n_reports, n_signups)
    name = f"dagj-{clock.now():%Y%m%d-%H%M}.xlsx"
    return Response(body, mimetype=export.XLSX, direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(size)})


def _default_steward(row) -> str:
    """负责大管家 when none is set: the compound's steward, as the sheet's row starts out."""
    compound = directory().compounds.get(row["compound_id"])
    return compound.steward.name if compound else g.steward.name


def _initial(row) -> dict:
    """The edit form's starting values."""
    return {"version": row["version"], "status": row["status"],
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
        changed = casework.edit(conn, row["id"], _changes(form, row), note, form.version.data or None,
                                actor=g.steward.id, who=g.steward.label)
        if changed is not None:
            log.info("steward %s edited %s: %s", g.steward.id, ref, ",".join(sorted(changed)) or "no change")
            return redirect(url_for("steward.report", ref=ref, saved=1 if changed else 0), code=303)
        conflict = True
        row = reports.by_ref(conn, ref)
        form.version.data = row["version"]
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("steward/report.html", form=form, row=row, conflict=conflict, saved=request.args.get("saved"),
                           overdue=bool(deadlines.overdue(row, directory())), history=_history(conn, row),
                           followups=conn.execute("SELECT * FROM followups WHERE report_id = ? ORDER BY id", (row["id"],)).fetchall(),
                           signups=conn.execute("SELECT * FROM signups WHERE linked_ref = ? ORDER BY id", (ref,)).fetchall(),
                           phone_form=PhoneCheckForm()), status


@bp.post("/reports/<ref>/phone-verified")
def phone_verified(ref: str):
    """电话已核实: the steward reached the resident on this case's number (texts of an urgent case may then
    go in quiet hours)."""
    conn = get_db()
    row = reports.by_ref(conn, ref)
    if row is None:
        abort(404)
    if PhoneCheckForm().validate_on_submit():
        if casework.verify_phone(conn, row["id"], actor=g.steward.id):
            log.info("steward %s checked the phone of %s", g.steward.id, ref)
    return redirect(url_for("steward.report", ref=ref), code=303)


def _history(conn, row) -> list[dict]:
    """The case's history for the page: who (account ID and name), when, which field in Chinese, old → new."""
    who = accounts.names(conn)
    out = []
    for item in history.for_report(conn, row["id"]):
        old, new = item["old"], item["new"]
        if item["field"] == "notes" and new.startswith(old):  # 处理记录 grows: show the added lines only
            old, new = "", new[len(old):].strip()
        actor = item["actor"]
        out.append({"at": item["at"], "who": f"{actor} {who[actor]}" if actor in who else actor,
                    "field": FIELD_NAMES.get(item["field"], STEWARD_FIELDS.get(item["field"], item["field"])),
                    "old": old, "new": new})
    return out
