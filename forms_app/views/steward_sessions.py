"""The sessions editor: create, edit and close joint-reception sessions on the stewards' pages.

With the Google Sheet on, each change also reaches 接待场次 through the outbox; the sheet stays
editable, and the worker's next read does not undo a change still on its way (casework/sessions.py).
"""
from __future__ import annotations

import logging

from flask import abort, g, redirect, render_template, request, url_for

from forms_app.casework import sessions
from forms_app.casework.session_form import CloseForm, SessionForm, initial
from forms_app.core.store import get_db
from . import directory
from .steward import bp

log = logging.getLogger(__name__)


def _row_or_404(conn, session_id: str):
    row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        abort(404)
    return row


def _editor(session_id: str = ""):
    """One form for both: a new session (no id) or an existing one."""
    conn = get_db()
    row = _row_or_404(conn, session_id) if session_id else None
    taken = sessions.confirmed(conn, session_id) if row is not None else 0
    form = SessionForm(data=initial(row) if row is not None and request.method == "GET" else None,
                       directory=directory(), current=row, confirmed=taken)
    if form.validate_on_submit():
        try:
            saved, moved = sessions.save(conn, form.values(), session_id, actor=g.steward.id)
        except sessions.CapacityError as exc:  # a resident took a seat since the page was opened
            form.capacity.errors = [f"已有 {exc.confirmed} 位居民报上了名，名额不能少于 {exc.confirmed}。"
                                    "要减少名额，请先请居民取消报名。"]
        else:
            return redirect(url_for("steward.sessions", saved=saved, moved=moved or None), code=303)
    return render_template("steward/sessions_edit.html", form=form, row=row, confirmed=taken,
                           close_form=CloseForm()), 400 if form.errors else 200


@bp.route("/sessions/new", methods=["GET", "POST"])
def session_new():
    """A new joint-reception session."""
    return _editor()


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: str):
    """Change a session: date, times, place, parties, capacity, open or not, note."""
    return _editor(session_id)


@bp.post("/sessions/<session_id>/close")
def session_close(session_id: str):
    """Stop sign-ups for a session (one button; the seats already taken stay)."""
    conn = get_db()
    _row_or_404(conn, session_id)
    if CloseForm().validate_on_submit():
        sessions.close(conn, session_id, actor=g.steward.id)
        return redirect(url_for("steward.sessions", closed=session_id), code=303)
    return redirect(url_for("steward.session_edit", session_id=session_id), code=303)
