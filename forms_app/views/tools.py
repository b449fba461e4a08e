"""/forms/tools/lift-vote — the owners' vote calculator (加装电梯 and other §278 votes).

Works without JavaScript: a POST of the pasted lines returns the page with the tally. What was
typed is only used to render the answer: never stored, never logged (no logging in this module),
and the response is marked not to be cached. POST, so the lines never land in a URL or access log.
"""
from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, current_app, make_response, render_template
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms_app.tools import lift_vote
from forms_app.core.security import limiter
from forms_app.core.validators import Required, ValidChoice

bp = Blueprint("tools", __name__, url_prefix="/forms/tools")

EXAMPLE = "101\t56.3\t同意\n102\t48.5\t反对\n201\t56.3\t同意\t公房\n202\t48.5\t未参与"


class Parsed:
    """A strict number field: the parser's value goes to field.value, else the message."""

    def __init__(self, parse, message: str):
        self.parse, self.message = parse, message

    def __call__(self, form, field):
        try:
            field.value = self.parse(field.data)
        except ValueError:
            raise ValidationError(self.message) from None


class LiftVoteForm(FlaskForm):
    """The pasted households and the kind of vote."""

    class Meta:
        locales = ("zh",)

    mode = RadioField("表决的是什么事", choices={k: m.label for k, m in lift_vote.MODES.items()},
                      default=lift_vote.DEFAULT_MODE, validate_choice=False,
                      validators=[ValidChoice("请选择表决的是什么事。")])
    total_households = StringField("全部户数", validators=[
        Required("请填全部户数：这个门洞（或全小区）一共多少户，包括没有投票的。"),
        Parsed(lift_vote.parse_total_count, "全部户数要写 1 到 20000 之间的整数，比如 12。")])
    total_area = StringField("全部面积（平方米）", validators=[
        Required("请填全部面积：这个门洞（或全小区）各户专有部分面积加起来一共多少平方米。"),
        Parsed(lift_vote.parse_total_area, "全部面积要写大于 0 的数字，比如 603.5。")])
    households = TextAreaField("每户一行：室号、面积、意见")


def evaluate(form: LiftVoteForm, households):
    """The tally against the totals; a total that the pasted lines exceed is that field's error (None)."""
    count, area = form.total_households.value, form.total_area.value
    lines_area = sum((h.area for h in households), Fraction(0))
    if count < len(households):
        form.total_households.errors = [f"全部户数写的是 {count} 户，可是贴进来了 {len(households)} 户：请核对。"]
    if area < lines_area:
        form.total_area.errors = [f"全部面积写的是 {lift_vote.format_area(area)} 平方米，可是贴进来的各户加起来有 "
                                  f"{lift_vote.format_area(lines_area)} 平方米：请核对。"]
    if form.total_households.errors or form.total_area.errors:
        return None
    return lift_vote.evaluate(households, form.mode.data, count, area)


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
            households = lift_vote.parse(form.households.data or "")
            result = evaluate(form, households)
        except lift_vote.InputErrors as exc:
            problems = exc.messages
            form.households.errors = list(problems)
            status = 400
        if result is None and not problems:
            status = 400
    elif form.errors:
        status = 400
    response = make_response(render_template(
        "tools/lift_vote.html", form=form, result=result, problems=problems, example=EXAMPLE,
        lv=lift_vote), status)
    response.headers["Cache-Control"] = "no-store"
    return response
