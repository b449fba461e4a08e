"""/forms/steward — the stewards' own pages: sign-in, sign-out, and the guard in front of every page.

One shared password (STEWARD_PASSWORD_HASH); at sign-in a steward also says who they are,
so their edits carry their name. The sign-in lives in Flask's signed session cookie.
The pages themselves: steward_reports (list, one report, .xlsx), steward_reception (sign-in sheet).
"""
from __future__ import annotations

import hashlib
import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from forms_app.core import clock
from forms_app.core.security import limiter
from forms_app.delivery.sheet_layout import display_phone, sheet_time
from forms_app.casework.forms import LoginForm, SignOutForm
from . import directory

bp = Blueprint("steward", __name__, url_prefix="/forms/steward")
log = logging.getLogger(__name__)
SHEET_URL = "https://docs.google.com/spreadsheets/d/{key}/edit"


def password_problem() -> str:
    """'' when the shared password hash is usable, else 'unset' or 'malformed' (e.g. '$' eaten by the shell)."""
    value = current_app.config["STEWARD_PASSWORD_HASH"]
    if not value:
        return "unset"
    return "" if value.count("$") == 2 and value.startswith(("scrypt:", "pbkdf2:")) else "malformed"


def _password_tag() -> str:
    """A short tag of the current hash: changing the password signs every steward out."""
    return hashlib.sha256(current_app.config["STEWARD_PASSWORD_HASH"].encode()).hexdigest()[:16]


def signed_in():
    """The signed-in steward (directory entry), or None when nobody is or the sign-in has expired."""
    data = session.get("steward") or {}
    age = time.time() - data.get("since", 0)
    if data.get("key") != _password_tag() or not 0 <= age < current_app.config["STEWARD_SESSION_HOURS"] * 3600:
        return None
    return directory().stewards.get(data.get("id"))


def login_limit() -> str:
    """Failed sign-ins allowed per client IP (configurable)."""
    return current_app.config["RATELIMIT_STEWARD_LOGIN"]


def _safe_next(target: str) -> str:
    """Only a path inside the steward pages; anything else goes to the list."""
    parts = urlsplit(target or "")
    inside = parts.path == bp.url_prefix or parts.path.startswith(bp.url_prefix + "/")
    return target if inside and not (parts.scheme or parts.netloc) else url_for("steward.index")


@bp.before_request
def guard():
    """Pages off without a password hash; everyone but the sign-in page must be signed in."""
    problem = password_problem()
    if problem:
        return render_template("steward/disabled.html", problem=problem), 503
    g.steward = signed_in()
    if g.steward is None and request.endpoint != "steward.login":
        expired = "steward" in session
        session.pop("steward", None)
        target = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return redirect(url_for("steward.login", next=target, expired=1 if expired else None))
    return None


@bp.after_request
def no_index(response):
    """Keep every steward page out of search engines."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.context_processor
def helpers() -> dict:
    """What every steward template uses."""
    return {"steward": g.get("steward"), "signout_form": SignOutForm() if g.get("steward") else None, "sheet_time": sheet_time,
            "display_phone": display_phone, "directory": directory(), "sheets_on": current_app.config["SHEETS_ENABLED"],
            "sheet_url": SHEET_URL.format(key=current_app.config["SHEETS_SPREADSHEET_KEY"]),
            "today": clock.now().strftime("%Y-%m-%d")}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 303)
def login():
    """Choose your name, type the shared password."""
    form = LoginForm(directory=directory())
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    wrong = False
    if form.validate_on_submit():
        if check_password_hash(current_app.config["STEWARD_PASSWORD_HASH"], form.password.data):
            session["steward"] = {"id": form.steward.data, "since": int(time.time()), "key": _password_tag()}
            log.info("steward %s signed in", form.steward.data)
            return redirect(_safe_next(form.next.data or request.args.get("next", "")), code=303)
        wrong = True
        log.warning("steward sign-in refused: wrong password")
    status = 400 if form.errors or wrong else 200
    return render_template("steward/login.html", form=form, wrong=wrong,
                           expired=request.args.get("expired") == "1"), status


@bp.post("/logout")
def logout():
    """Sign out (a POST with its CSRF token, so no other site can do it)."""
    if SignOutForm().validate_on_submit():
        log.info("steward %s signed out", g.steward.id)
        session.pop("steward", None)
        return redirect(url_for("steward.login"), code=303)
    return redirect(url_for("steward.index"), code=303)


from . import steward_reports, steward_reception, steward_sessions  # noqa: E402,F401  (their routes join this blueprint)
