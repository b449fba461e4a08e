"""The stewards' forms: sign-in, list filters, editing a report, joint-reception outcomes."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (FieldList, Form, FormField, HiddenField, PasswordField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import ValidationError

from forms_app.core import clock
from forms_app.casework.edits import ATTENDED
from forms_app.casework.consultations import PARTIES
from forms_app.core.cases import CHANNELS, STEWARD_CHANNELS
from forms_app.core import references
from forms_app.core.references import normalise as normalise_ref
from forms_app.residents.forms import Checkbox, FollowupQuestions, SubmissionId, compound_choices
from forms_app.residents.photo_field import PhotoField, PhotosMixin
from forms_app.core.cases import STATUSES
from forms_app.core.validators import Length, Phone, Required, ValidChoice, clean_text

TEXT = [clean_text]
# 协调单位 offered besides the directory's parties (the architecture's list).
COORDINATING = ("居委会", "业委会", "物业", "城管中队", "法治专员", "街道科室")
STATUS_CHOICES = {s: s for s in STATUSES}
# Closing a case honestly: what the resident must be told (in 公开进展) with these statuses.
NEEDS_NOTE = {"已解决": "改成“已解决”，请在“公开进展”里写一句办得怎么样（居民会看到）。",
              "不予受理": "改成“不予受理”，请在“公开进展”里写明原因，以及该找谁（居民会看到）。",
              "已转办": "改成“已转办”，请在“公开进展”里写明转给了哪里（居民会看到）。"}


class _Meta:
    locales = ("zh",)


class LoginForm(FlaskForm):
    """Each steward and supervisor signs in with their own account."""

    Meta = _Meta
    account = StringField("账号", filters=[lambda v: (v or "").strip().lower()],
                          validators=[Required("请输入您的账号。"), Length(max=32, label="账号")])
    password = PasswordField("密码", validators=[Required("请输入密码。"), Length(max=200, label="密码")])
    next = HiddenField()


class PhoneCheckForm(FlaskForm):
    """电话已核实: one button, the token only."""


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a POST."""

    Meta = _Meta




class FilterForm(Form):
    """The list's search and filters, read from the query string (GET, no CSRF: it changes nothing)."""

    q = StringField("查找", filters=TEXT)
    status = SelectField("状态", validate_choice=False)
    compound = SelectField("小区", validate_choice=False)
    category = SelectField("问题类别", validate_choice=False)
    channel = SelectField("来源", validate_choice=False)
    mine = Checkbox("我负责的")
    urgent = Checkbox("紧急")
    reopened = Checkbox("重新打开")
    overdue = Checkbox("超时")
    today = Checkbox("今天到期")
    soon = Checkbox("即将到期")
    followup = Checkbox("待回访")
    sort = SelectField("排序", choices={"due": "先办快到期的", "new": "最新登记的在前"}, default="due", validate_choice=False)
    f = HiddenField(default="1")   # the form was sent: an unticked 我负责的 means off

    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = {"": "全部状态", **STATUS_CHOICES}
        self.compound.choices = {**compound_choices(directory), "": "全部小区"}
        self.category.choices = {"": "全部类别", **{c.id: c.name for c in directory.categories.values()}}
        self.channel.choices = {"": "全部来源", **{c: c for c in CHANNELS}}

    def value(self, name: str) -> str:
        """The field's value when it is one of its choices, else '' (an odd URL shows everything)."""
        offered = set()
        for key, label in self[name].choices.items():
            offered.update(label if isinstance(label, dict) else {key})
        return self[name].data if self[name].data in offered else ""


class BulkForm(FlaskForm):
    """Several cases of the list to one status (the ticked rows), or 刚联系过 on one row."""

    Meta = _Meta
    refs = SelectMultipleField("选中的问题", validate_choice=False)
    bulk_status = SelectField("把选中的问题改为", choices={"": "请选择", **STATUS_CHOICES}, default="", validate_choice=False,
                              validators=[ValidChoice("请从列表里选择状态。")])
    bulk_note = TextAreaField("公开进展（改成已解决、不予受理、已转办时必填，每个问题都写这一句）",
                              validators=[Length(max=300, label="公开进展")], filters=TEXT)
    contacted = HiddenField()

    def validate_bulk_note(self, field):
        """Closing several cases at once: the one line each resident reads, asked once for all."""
        if self.bulk_status.data in NEEDS_NOTE and not field.data:
            raise ValidationError(NEEDS_NOTE[self.bulk_status.data])

    def validate_refs(self, field):
        """At most one page of cases at a time, each a reference."""
        if len(field.data or ()) > 200 or any(len(r) > 20 for r in field.data or ()):
            raise ValidationError("一次最多改 200 个问题。")


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
        self.stored_status = report["status"]

    def validate_public_note(self, field):
        """不予受理 needs a reason, 已转办 a destination — said in the public note, which the resident reads."""
        status = self.status.data
        if status in ("不予受理", "已转办") and status != self.stored_status and not field.data:
            raise ValidationError(NEEDS_NOTE[status])

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


# --- Intake by a steward (casework/intake.py) -----------------------------------------------------

class OptionalPhone:
    """Empty is fine (居民不愿留电话); anything typed must be a real phone number (field.phone set)."""

    def __call__(self, form, field):
        field.phone = None
        if field.data:
            Phone("联系电话不对：请填 11 位手机号或上海座机（8 位，可加 021）；居民不愿留电话就空着。")(form, field)


class IntakeForm(PhotosMixin, FlaskForm):
    """A case a steward registers (phone call, walk-in, joint reception …). Subclass or add fields freely:
    `fields()` turns what was entered into intake.register's fields, and templates render every field
    through the shared macros, so a new field needs its declaration and one line in the template."""

    Meta = _Meta
    submission_id = HiddenField(validators=[SubmissionId()])
    session_id = HiddenField()
    signup_id = HiddenField()  # 登记为问题 from a sign-up: the new case is linked to it
    channel = RadioField("问题是从哪里来的", choices={c: c for c in STEWARD_CHANNELS}, validate_choice=False,
                         validators=[Required("请选择来源（电话、来访……）。"), ValidChoice("请从列表里选择来源。")])
    compound = SelectField("小区", validate_choice=False,
                           validators=[Required("请选择小区。"), ValidChoice("请从列表里选择小区。")])
    building = StringField("楼号", validators=[Required("请填写楼号，比如“55号”。"), Length(max=20, label="楼号")], filters=TEXT)
    room = StringField("室号（可不填）", validators=[Length(max=20, label="室号")], filters=TEXT)
    category = SelectField("问题类别", validate_choice=False,
                           validators=[Required("请选择问题类别；不确定就选“其他”。"), ValidChoice("请从列表里选择问题类别。")])
    urgent = Checkbox("紧急：正在漏水、电梯停运、有安全危险")
    description = TextAreaField("居民说的情况", validators=[Required("请写一下居民说的情况。"),
                                                      Length(min=5, max=1000, label="情况说明")], filters=TEXT)
    contact_name = StringField("怎么称呼居民（可不填）", validators=[Length(max=20, label="称呼")], filters=TEXT)
    phone = StringField("居民的电话（可不填）", validators=[OptionalPhone()], filters=TEXT)
    sms_consent = Checkbox("居民同意收短信通知", default=True)
    contacted = Checkbox("已经和居民当面或电话说过了（记为首次联系）", default=True)
    ticket_no = StringField("12345 工单号（12345 转办的问题填）", validators=[Length(max=30, label="12345 工单号")], filters=TEXT)
    # Shown only when the stewards' table is Google Sheets (abroad; PIPL §39 separate consent).
    abroad_consent = Checkbox("居民同意把信息同步到境外的 Google 表格")
    photos = PhotoField("照片（居民带来或发来的，可不传，最多 3 张）")

    def validate_ticket_no(self, field):
        """A 12345转办 case carries the hotline's ticket number."""
        if self.channel.data == "12345转办" and not field.data:
            raise ValidationError("12345 转办的问题，请填写 12345 工单号。")

    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound.choices = compound_choices(directory)
        self.category.choices = {"": "请选择", **{c.id: c.name for c in directory.categories.values()}}
        if not self.is_submitted():
            self.submission_id.data = uuid.uuid4().hex  # a second tap on 登记 reuses it: stored once

    def fields(self, taken_by: str, abroad_asked: bool = False) -> dict:
        """What intake.register needs (abroad_asked: the table is Google, so the consent was asked)."""
        return {"channel": self.channel.data, "compound_id": self.compound.data, "building": self.building.data,
                "room": self.room.data, "category_id": self.category.data, "urgent": bool(self.urgent.data),
                "description": self.description.data, "contact_name": self.contact_name.data,
                "phone": self.phone.phone.e164 if self.phone.phone else "", "taken_by": taken_by,
                "session_id": self.session_id.data or "",
                "sms_consent": int(bool(self.sms_consent.data and self.phone.phone and current_app.config["SMS_ENABLED"])),
                "contacted": bool(self.contacted.data),
                "ticket_no": self.ticket_no.data if self.channel.data == "12345转办" else "",
                "abroad_consent": int(bool(self.abroad_consent.data)) if abroad_asked else -1}


# --- 会商 (casework/consultations.py) --------------------------------------------------------------

def meeting_day(text: str) -> dt.date:
    """'2026-12-03', '2026/12/3', '2026年12月3日' → a date; ValueError when unreadable."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*[日号]?$")


def due_day(text: str, today: dt.date) -> dt.date:
    """A 分工 date: as meeting_day, or '12月9日' / '12/9' without a year — the coming one (today or later)."""
    try:
        return meeting_day(text)
    except ValueError:
        pass
    match = _MONTH_DAY.match(unicodedata.normalize("NFKC", text or "").strip())
    if not match:
        raise ValueError(text)
    month, day = map(int, match.groups())
    for year in range(today.year, today.year + 5):  # 2月29日: the next leap year
        try:
            found = dt.date(year, month, day)
        except ValueError:
            if not 1 <= month <= 12 or not 1 <= day <= 31 or (month, day) != (2, 29):
                raise
            continue
        if found >= today:
            return found
    raise ValueError(text)


class ActionEntry(Form):
    """One row of 谁、做什么、什么时候前."""

    who = StringField("谁来做", validators=[Length(max=30, label="谁来做")], filters=TEXT)
    what = StringField("做什么", validators=[Length(max=200, label="做什么")], filters=TEXT)
    by = StringField("什么时候前", validators=[Length(max=20, label="什么时候前")], filters=TEXT)

    def validate_what(self, field):
        """A row is all empty, or has at least who and what."""
        if (self.who.data or self.by.data) and not field.data:
            raise ValidationError("这一行写了谁来做或时间，请把“做什么”也写上。")

    def validate_who(self, field):
        if (field.data == "" and self.what.data):
            raise ValidationError("这一行写了做什么，请把“谁来做”也写上。")

    def validate_by(self, field):
        if field.data:
            try:
                field.data = due_day(field.data, clock.now().date()).isoformat()
            except ValueError:
                raise ValidationError("“什么时候前”的日期格式不对，请写成 12月20日 或 2026-12-20。") from None


class ConsultationForm(FlaskForm):
    """A 会商 meeting on one case or several."""

    Meta = _Meta
    held_on = StringField("会商日期", validators=[Required("请填写会商日期，比如 2026-12-03。")], filters=TEXT)
    place = StringField("地点", validators=[Required("请填写会商地点。"), Length(max=100, label="地点")], filters=TEXT)
    parties = SelectMultipleField("参加的单位", choices={p: p for p in PARTIES}, validate_choice=False)
    agreed = TextAreaField("商定的办法", validators=[Required("请写一下各方商定的办法。"),
                                                Length(max=1000, label="商定的办法")], filters=TEXT)
    actions = FieldList(FormField(ActionEntry), min_entries=4, max_entries=12)
    other_refs = StringField("一起会商的其他问题编号（可不填）", validators=[Length(max=200, label="其他问题编号")], filters=TEXT)
    public_note = TextAreaField("公开进展（居民查进度时看到）", validators=[Length(max=300, label="公开进展")], filters=TEXT)

    def validate_held_on(self, field):
        """A readable date, not in the future."""
        try:
            day = meeting_day(field.data)
        except ValueError:
            raise ValidationError("会商日期的格式不对，请写成 2026-12-03。") from None
        if day > clock.now().date():
            raise ValidationError("会商日期不能晚于今天。")
        field.data = day.isoformat()

    def validate_parties(self, field):
        """At least one party, only the ones offered."""
        if not field.data:
            raise ValidationError("请勾选参加会商的单位（至少一个）。")
        if not set(field.data) <= set(PARTIES):
            raise ValidationError("请从列表里选择参加的单位。")

    def validate_other_refs(self, field):
        """'2604 1937，2718 0042' (old ones: W7K3-M9P) → the references as stored, each a reported problem."""
        compact = "".join(ch for ch in unicodedata.normalize("NFKC", field.data or "").upper() if ch.isalnum())
        refs, at = [], 0
        while at < len(compact):
            size = references.LENGTH if compact[at].isdigit() else 1 + references.OLD_BODY_LENGTH
            ref = normalise_ref(compact[at:at + size])
            if references.kind_of(ref) != "report":
                raise ValidationError(f"其他问题编号「{field.data}」不对：每个编号 8 个数字、2 开头，"
                                      f"比如 {references.example('report')}。")
            refs.append(ref)
            at += size
        field.refs = list(dict.fromkeys(refs))

    def action_rows(self) -> list[dict]:
        """The filled-in rows of 谁、做什么、什么时候前."""
        return [{"who": e.who.data, "what": e.what.data, "by": e.by.data} for e in self.actions if e.what.data]


# --- 回访 by phone (residents/followup.py) -----------------------------------------------------------

class PhoneFollowupForm(FollowupQuestions):
    """The same questions as the resident's online follow-up, asked by a steward on the phone."""

    class Meta:
        locales = ("zh",)


# --- 督办 and 不满意待核实 (casework/supervision.py) ----------------------------------------------

class SupervisionForm(FlaskForm):
    """The supervisor's 督办 on one case."""

    Meta = _Meta
    note = TextAreaField("督办意见", validators=[Required("请写督办意见。"), Length(max=300, label="督办意见")], filters=TEXT)
    answer_by = StringField("请大管家在哪天前答复", validators=[Required("请填写答复日期，比如 12月10日。")], filters=TEXT)

    def validate_answer_by(self, field):
        """A readable date, today or later ('12月10日' means the coming one)."""
        try:
            day = due_day(field.data, clock.now().date())
        except ValueError:
            raise ValidationError("答复日期的格式不对，请写成 12月10日 或 2026-12-10。") from None
        if day < clock.now().date():
            raise ValidationError("答复日期不能早于今天。")
        field.data = day.isoformat()


class AnswerForm(FlaskForm):
    """The steward's answer to a 督办."""

    Meta = _Meta
    answer = TextAreaField("答复督办", validators=[Required("请写一下答复。"), Length(max=500, label="答复")], filters=TEXT)


class VerifiedForm(FlaskForm):
    """The supervisor checked a 不满意 回访."""

    Meta = _Meta
    note = TextAreaField("核实情况（可不填）", validators=[Length(max=300, label="核实情况")], filters=TEXT)


class DuplicateForm(FlaskForm):
    """Mark a case a 重复件 of another (the main case's reference), or undo it (empty)."""

    Meta = _Meta
    main_ref = StringField("主件编号（同一件事最早登记的那个问题；空着 = 不是重复件）",
                           validators=[Length(max=20, label="主件编号")], filters=TEXT)

    def validate_main_ref(self, field):
        """Empty, or a report reference in any spelling ('2604 1937')."""
        if field.data:
            ref = normalise_ref(field.data)
            if references.kind_of(ref) != "report":
                raise ValidationError(f"主件编号「{field.data}」不对：8 个数字、2 开头，比如 {references.example('report')}。")
            field.data = ref
