"""/forms/tools/lift-vote — the owners' vote calculator (加装电梯 and other §278 votes).

Works without JavaScript: a POST of the pasted lines returns the page with the tally. What was
typed is only used to render the answer: never stored, never logged (no logging in this module),
and the response is marked not to be cached. POST, so the lines never land in a URL or access log.
"""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from forms_app.casework import lift_vote
from forms_app.core.security import limiter
from forms_app.core.validators import ValidChoice

bp = Blueprint("tools", __name__, url_prefix="/forms/tools")

EXAMPLE = "101\t56.3\t同意\n102\t48.5\t反对\n201\t56.3\t同意\t公房\n202\t48.5\t未参与"


class LiftVoteForm(FlaskForm):
    """The pasted households and the kind of vote."""

    class Meta:
        locales = ("zh",)

    mode = RadioField("表决的是什么事", choices={k: m.label for k, m in lift_vote.MODES.items()},
                      default=lift_vote.DEFAULT_MODE, validate_choice=False,
                      validators=[ValidChoice("请选择表决的是什么事。")])
    households = TextAreaField("每户一行：室号、面积、意见")


def tools_limit() -> str:
    """Per-address limit on the calculator's POSTs (configurable)."""
    return current_app.config["RATELIMIT_TOOLS"]


@bp.route("/lift-vote", methods=["GET", "POST"])
@limiter.limit(tools_limit, methods=["POST"])
def lift_vote_page():
    """The form; after a POST, the tally and the verdict on the same page."""
    form = LiftVoteForm()
    result, problems = None, []
    status = 200
    if form.validate_on_submit():
        try:
            result = lift_vote.evaluate(lift_vote.parse(form.households.data or ""), form.mode.data)
        except lift_vote.InputErrors as exc:
            problems = exc.messages
            form.households.errors = list(problems)
            status = 400
    elif form.errors:
        status = 400
    response = make_response(render_template(
        "tools/lift_vote.html", form=form, result=result, problems=problems, example=EXAMPLE,
        lv=lift_vote), status)
    response.headers["Cache-Control"] = "no-store"
    return response
