"""/forms/steward — the stewards' own pages: sign-in, sign-out, and the guard in front of every page.

One account per steward and per supervisor (core/accounts.py). The cookie holds only a random
token of a server-side sign-in, so signing out or disabling an account ends every copy of it.
A supervisor reads everything and changes nothing: the guard refuses their every non-GET/HEAD
request (403), and templates get `can_edit` to hide the forms.
The pages themselves: steward_reports (list, one report, .xlsx), steward_reception (sign-in sheet).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from forms_app.core import accounts, clock
from forms_app.core.errors import render_error
from forms_app.core.store import get_db
from forms_app.core.phones import display_phone
from forms_app.delivery.sheet_layout import sheet_time
from forms_app.casework.forms import LoginForm, SignOutForm
from . import directory

bp = Blueprint("steward", __name__, url_prefix="/forms/steward")
log = logging.getLogger(__name__)
SHEET_URL = "https://docs.google.com/spreadsheets/d/{key}/edit"
TOKEN = "steward_token"  # the session cookie's key for the sign-in token
READ_ONLY = ("GET", "HEAD")


def signed_in():
    """The signed-in account, or None when nobody is, it was signed out or disabled, or it expired."""
    return accounts.session_account(get_db(), session.get(TOKEN), current_app.config["STEWARD_SESSION_HOURS"],
                                    directory())


def login_limit() -> str | None:
    """Sign-in attempts allowed per client address (configurable); None when limits are off."""
    return current_app.config["RATELIMIT_STEWARD_LOGIN"] if current_app.config["RATELIMIT_ENABLED"] else None


# What a supervisor may send besides signing out: a 督办, and checking a 不满意 回访.
SUPERVISOR_POSTS = ("steward.logout", "steward.supervision_issue", "steward.verified")


def _safe_next(target: str) -> str:
    """Only a path inside the steward pages; anything else goes to the list."""
    parts = urlsplit(target or "")
    inside = parts.path == bp.url_prefix or parts.path.startswith(bp.url_prefix + "/")
    return target if inside and not (parts.scheme or parts.netloc) else url_for("steward.index")


@bp.before_request
def guard():
    """Pages off until an account exists; everyone but the sign-in page signed in; supervisors read only."""
    if not accounts.any_active(get_db()):
        return render_template("steward/disabled.html"), 503
    g.steward = signed_in()
    if g.steward is None and request.endpoint != "steward.login":
        expired = TOKEN in session
        session.pop(TOKEN, None)
        target = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return redirect(url_for("steward.login", next=target, expired=1 if expired else None))
    if g.steward is not None and not g.steward.can_edit and request.method not in READ_ONLY \
            and request.endpoint not in SUPERVISOR_POSTS:
        log.warning("supervisor %s refused: %s %s", g.steward.id, request.method, request.endpoint)
        return render_template("steward/read_only.html"), 403
    return None


@bp.after_request
def no_index(response):
    """Keep every steward page out of search engines."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.context_processor
def helpers() -> dict:
    """What every steward template uses."""
    account = g.get("steward")
    return {"steward": account, "can_edit": bool(account and account.can_edit), "signout_form": SignOutForm() if g.get("steward") else None, "sheet_time": sheet_time,
            "display_phone": display_phone, "directory": directory(), "sheets_on": current_app.config["SHEETS_ENABLED"],
            "sheet_url": SHEET_URL.format(key=current_app.config["SHEETS_SPREADSHEET_KEY"]),
            "today": clock.now().strftime("%Y-%m-%d")}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Account and password. The attempt is counted before the password is checked."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    wrong = False
    if form.validate_on_submit():
        conn, address, chosen = get_db(), request.remote_addr or "", form.account.data
        # Named in the log only when it exists: a password typed into 账号 by mistake must not land there.
        named = chosen if accounts.exists(conn, chosen) else "(no such account)"
        attempt = accounts.count_attempt(conn, address, chosen, login_limit())
        if attempt is None:
            accounts.attempt_failed(conn, chosen)
            log.warning("steward sign-in refused: too many attempts from %s or at account %s", address, named)
            return render_error(429)
        account = accounts.authenticate(conn, chosen, form.password.data, directory())
        if account is not None:
            accounts.attempt_succeeded(conn, attempt)
            target = _safe_next(form.next.data or request.args.get("next", ""))
            session.clear()  # a fresh session: nothing carried over, and a new CSRF secret
            session[TOKEN] = accounts.start_session(conn, account.id, current_app.config["STEWARD_SESSION_HOURS"])
            log.info("steward %s signed in from %s", account.id, address)
            return redirect(target, code=303)
        wrong = True
        accounts.attempt_failed(conn, chosen)
        log.warning("steward sign-in failed for account %s from %s", named, address)
    status = 400 if form.errors or wrong else 200
    return render_template("steward/login.html", form=form, wrong=wrong,
                           expired=request.args.get("expired") == "1"), status


@bp.post("/logout")
def logout():
    """Sign out (a POST with its CSRF token): the sign-in ends for every copy of the cookie."""
    if SignOutForm().validate_on_submit():
        accounts.end_session(get_db(), session.get(TOKEN))
        log.info("steward %s signed out", g.steward.id)
        session.clear()
        return redirect(url_for("steward.login"), code=303)
    return redirect(url_for("steward.index"), code=303)

