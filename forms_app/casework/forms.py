"""The stewards' forms: sign-in, list filters, editing a report, joint-reception outcomes."""
from __future__ import annotations

import datetime as dt
import unicodedata

from flask_wtf import FlaskForm
from wtforms import (FieldList, Form, FormField, HiddenField, PasswordField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import ValidationError

from forms_app.core import clock
from forms_app.casework.edits import ATTENDED
from forms_app.residents.forms import Checkbox, compound_choices
from forms_app.core.cases import STATUSES
from forms_app.core.validators import Length, Required, ValidChoice, clean_text

TEXT = [clean_text]
# 协调单位 offered besides the directory's parties (the architecture's list).
COORDINATING = ("居委会", "业委会", "物业", "城管中队", "法治专员", "街道科室")
STATUS_CHOICES = {s: s for s in STATUSES}


class _Meta:
    locales = ("zh",)


class LoginForm(FlaskForm):
    """One shared password; the steward says who they are so edits carry their name."""

    Meta = _Meta
    steward = SelectField("您是哪位大管家", validate_choice=False,
                          validators=[Required("请选择您是哪位大管家。"), ValidChoice("请从列表里选择您的名字。")])
    password = PasswordField("密码", validators=[Required("请输入密码。")])
    next = HiddenField()

    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.steward.choices = {"": "请选择", **{s.id: s.name for s in directory.stewards.values()}}


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a POST."""

    Meta = _Meta


class FilterForm(Form):
    """The list's filters, read from the query string (GET, no CSRF: it changes nothing)."""

    status = SelectField("状态", validate_choice=False)
    compound = SelectField("小区", validate_choice=False)
    category = SelectField("问题类别", validate_choice=False)
    overdue = Checkbox("只看超时的")

    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = {"": "全部状态", **STATUS_CHOICES}
        self.compound.choices = {**compound_choices(directory), "": "全部小区"}
        self.category.choices = {"": "全部类别", **{c.id: c.name for c in directory.categories.values()}}

    def value(self, name: str) -> str:
        """The field's value when it is one of its choices, else '' (an odd URL shows everything)."""
        offered = set()
        for key, label in self[name].choices.items():
            offered.update(label if isinstance(label, dict) else {key})
        return self[name].data if self[name].data in offered else ""


def contact_time(text: str) -> str:
    """'2026/12/3 14:05' → '2026-12-03 14:05'; a date alone → '2026-12-03'. ValueError when unreadable."""
    text = " ".join(unicodedata.normalize("NFKC", text).replace("/", "-").replace(".", "-").replace("T", " ").split())
    for pattern, out in (("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M"), ("%Y-%m-%d", "%Y-%m-%d")):
        try:
            return dt.datetime.strptime(text, pattern).strftime(out)
        except ValueError:
            continue
    raise ValueError(text)


class EditForm(FlaskForm):
    """The stewards' columns of one report."""

    Meta = _Meta
    version = HiddenField()
    status = SelectField("状态", choices=STATUS_CHOICES, validate_choice=False,
                         validators=[Required("请选择状态。"), ValidChoice("请从列表里选择状态。")])
    steward_name = SelectField("负责大管家", validate_choice=False,
                               validators=[Required("请选择负责的大管家。"), ValidChoice("请从列表里选择负责的大管家。")])
    coordinating = SelectMultipleField("协调单位", validate_choice=False)
    first_contact_at = StringField("首次联系时间", filters=TEXT)
    note = TextAreaField("添加一条处理记录", validators=[Length(max=1000, label="处理记录")], filters=TEXT)
    public_note = TextAreaField("公开进展", validators=[Length(max=300, label="公开进展")], filters=TEXT)

    def __init__(self, *args, directory=None, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = [s.name for s in directory.stewards.values()]
        current = [report["steward_name"]] if report["steward_name"] not in names else []
        self.steward_name.choices = {n: n for n in [*current, *names] if n}
        stored = [p for p in report["coordinating"].split("、") if p]
        self.coordinating.choices = {p: p for p in dict.fromkeys([*COORDINATING, *directory.parties, *stored])}
        self.stored_contact = report["first_contact_at"]

    def validate_coordinating(self, field):
        """Only the parties offered."""
        if not set(field.data or ()) <= set(field.choices):
            raise ValidationError("请从列表里选择协调单位。")

    def validate_first_contact_at(self, field):
        """Empty, unchanged, or a date (and time) no later than today."""
        if not field.data or field.data == self.stored_contact:
            return
        try:
            field.data = contact_time(field.data)
        except ValueError:
            raise ValidationError("首次联系时间的格式不对，请写成 2026-12-03 14:05，或者只写日期 2026-12-03。") from None
        if field.data[:10] > clock.now().strftime("%Y-%m-%d"):
            raise ValidationError("首次联系时间不能晚于今天，请检查一下日期。")


class OutcomeEntry(Form):
    """One person's line on the sign-in sheet, filled in after the session."""

    signup_id = HiddenField()
    attended = RadioField("来了吗", choices={"": "没记录", ATTENDED[0]: "来了", ATTENDED[1]: "没来"}, default="",
                          validate_choice=False, validators=[ValidChoice("请选择来了没有。")])
    outcome = TextAreaField("接待结果", validators=[Length(max=500, label="接待结果")], filters=TEXT)
    status = SelectField("关联问题的状态", choices={"": "不改", **STATUS_CHOICES}, default="", validate_choice=False,
                         validators=[ValidChoice("请从列表里选择状态。")])


class OutcomesForm(FlaskForm):
    """Every sign-up of a session, saved together."""

    Meta = _Meta
    entries = FieldList(FormField(OutcomeEntry))
