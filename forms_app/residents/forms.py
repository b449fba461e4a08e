"""The resident-facing forms. Labels, hints and messages in plain Chinese."""
from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from forms_app.core.references import KINDS as REF_KINDS, example as ref_example, fold_digits, kind_of as ref_kind, normalise as normalise_ref, problem as ref_problem
from forms_app.core.validators import Empty, Length, Phone, Required, ValidChoice, clean_text
from forms_app.residents.photo_field import PhotoField, PhotosMixin

# Choices use WTForms' shorthand dicts: {value: label} or {group: {value: label}}.
BEST_TIMES = {"": "什么时间都可以", "上午": "上午（9:00–12:00）", "下午": "下午（13:00–17:00）",
              "傍晚": "傍晚（17:00–19:00）", "周末": "周末"}
URGENCY = {"no": "不紧急", "yes": "紧急：正在漏水、电梯停运、有安全危险"}
WHO = {"no": "替自己反映", "y": "替家人、邻居反映（代办）"}
CALL_FIRST = {"helper": "先打给我", "resident": "先打给住户"}
TEXT = [clean_text]


class Checkbox(BooleanField):
    """A checkbox whose meaning is pinned: only what a ticked box sends ("y", or on/yes/true/1) is yes.

    WTForms' BooleanField treats every value but "false" and "" as ticked, so a crafted consent=0
    or consent=no would count as consent.
    """

    TRUE_VALUES = ("y", "yes", "on", "true", "1")

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and str(valuelist[0]).strip().lower() in self.TRUE_VALUES


class SubmissionId:
    """The hidden submission id must be one we could have issued (32 hex digits)."""

    def __call__(self, form, field):
        try:
            field.data = uuid.UUID(hex=field.data or "").hex
        except ValueError:
            raise ValidationError("页面信息不完整，请刷新页面后重新填写。") from None


class _Base(FlaskForm):
    """Fields every submission form has: its id and the honeypot."""

    class Meta:
        locales = ("zh",)

    submission_id = HiddenField(validators=[SubmissionId()])
    website = StringField("请勿填写", validators=[Empty()], filters=TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            # A fresh id for this filled-in form: a second tap on 提交 reuses it, so it stores once.
            self.submission_id.data = uuid.uuid4().hex


def compound_choices(directory) -> dict:
    """Compounds grouped by residential area, for an <optgroup> select."""
    groups: dict = {"": "请选择小区"}
    for area in directory.areas_in_order():     # pinyin order, as on the site (core.directory.sort_key)
        groups[f"{area.name}居民区"] = {c.id: c.name for c in directory.compounds_in_order(area.id)}
    return groups


class ReportForm(PhotosMixin, _Base):
    """Report a problem (问题登记)."""

    compound = SelectField("您住在哪个小区", validate_choice=False, validators=[Required("请选择您住的小区。"), ValidChoice("请从列表里选择您住的小区。")])
    building = StringField("楼号", validators=[Required("请填写楼号，比如“55号”。"), Length(max=20, label="楼号")], filters=TEXT)
    room = StringField("室号（可不填）", validators=[Length(max=20, label="室号")], filters=TEXT)
    category = RadioField("是什么问题", validate_choice=False, validators=[Required("请选择问题的类别；不确定就选“其他”。"), ValidChoice("请从列表里选择问题的类别。")])
    urgent = RadioField("紧急吗", choices=URGENCY, default="no", validate_choice=False, validators=[Required("请选择是否紧急。"), ValidChoice("请选择是否紧急。")])
    description = TextAreaField("请说说情况", validators=[Required("请写一下是什么情况。"), Length(min=5, max=1000, label="情况说明")], filters=TEXT)
    photos = PhotoField()
    contact_name = StringField("怎么称呼您", validators=[Required("请填写怎么称呼您，比如“王阿姨”。"), Length(max=20, label="称呼")], filters=TEXT)
    phone = StringField("联系电话", validators=[Required("请填写联系电话。"), Phone()], filters=TEXT)
    best_time = SelectField("什么时间方便接电话", choices=BEST_TIMES, default="", validate_choice=False, validators=[ValidChoice("请从列表里选择方便接电话的时间。")])
    join_reception = Checkbox("我愿意参加联合接待，当面说说")
    # 代办: asked first. Posted "y" (also what the old checkbox posted) means on someone's behalf.
    on_behalf = RadioField("替自己还是替家人、邻居反映？", choices=WHO, default="no", validate_choice=False,
                           validators=[ValidChoice("请选择是替自己，还是替家人、邻居反映。")])
    behalf_relation = StringField("您和住户是什么关系", validators=[Length(max=20, label="关系")], filters=TEXT)
    resident_name = StringField("住户称呼（可不填）", validators=[Length(max=20, label="住户称呼")], filters=TEXT)
    resident_phone = StringField("住户电话（可不填）", validators=[Length(max=30, label="住户电话")], filters=TEXT)
    call_first = RadioField("大管家先打给谁", choices=CALL_FIRST, default="helper", validate_choice=False,
                            validators=[ValidChoice("请选择大管家先打给您，还是先打给住户。")])
    behalf_consent = Checkbox("住户已同意由我代为反映")
    sms_consent = Checkbox("短信通知我", default=True)
    # Asked only when the stewards' table is Google Sheets (abroad; PIPL §39 separate consent): see views.
    abroad_consent = Checkbox("我同意把我的信息同步到境外的 Google 表格（不同意也照样受理）")
    consent = Checkbox("我已看过隐私说明，同意大管家用这些信息联系我、处理问题", validators=[Required("请勾选同意隐私说明，我们才能联系您。")])

    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound.choices = compound_choices(directory)
        self.category.choices = {c.id: c.name for c in directory.categories.values()}

    @property
    def behalf(self) -> bool:
        """Reported on someone else's behalf (代办)."""
        return self.on_behalf.data == "y"

    def validate_behalf_relation(self, field):
        if self.behalf and not field.data:
            raise ValidationError("代办时请写您和住户的关系，比如“邻居”“女儿”。")

    def validate_resident_phone(self, field):
        """Optional; when given it must be a phone number. Needed when the steward is to call the resident first."""
        if not self.behalf:
            field.data, field.phone = "", None
            return
        if field.data:
            Phone("住户电话不对：请填 11 位手机号，或上海座机（8 位，可加 021）；不知道可以不填。")(self, field)
        elif self.call_first.data == "resident":
            raise ValidationError("要大管家先打给住户，请填写住户电话；不知道的话，请选“先打给我”。")

    def validate_behalf_consent(self, field):
        """Someone reporting for a neighbour must confirm the neighbour agreed."""
        if self.behalf and not field.data:
            raise ValidationError("代办时，请先征得住户本人同意，并勾选这一项。")


class ReceptionForm(_Base):
    """Sign up for a joint reception (联合接待报名)."""

    session = RadioField("选择场次", validate_choice=False, validators=[Required("请选择一个接待场次。"), ValidChoice("这一场已经不能报名了，请选择其他场次。")])
    name = StringField("怎么称呼您", validators=[Required("请填写怎么称呼您。"), Length(max=20, label="称呼")], filters=TEXT)
    phone = StringField("联系电话", validators=[Required("请填写联系电话。"), Phone()], filters=TEXT)
    compound = SelectField("您住在哪个小区", validate_choice=False, validators=[Required("请选择您住的小区。"), ValidChoice("请从列表里选择您住的小区。")])
    topic = TextAreaField("想谈什么问题", validators=[Required("请简单写一下想谈的问题。"), Length(min=5, max=300, label="问题")], filters=TEXT)
    linked_ref = StringField("以前反映过的编号（可不填）", validators=[Length(max=12, label="编号")], filters=TEXT)
    sms_consent = Checkbox("短信通知我", default=True)
    # Asked only when the stewards' table is Google Sheets (abroad; PIPL §39 separate consent): see views.
    abroad_consent = Checkbox("我同意把我的信息同步到境外的 Google 表格（不同意也照样受理）")
    consent = Checkbox("我已看过隐私说明，同意大管家用这些信息联系我", validators=[Required("请勾选同意隐私说明。")])

    def __init__(self, *args, directory=None, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.compound.choices = compound_choices(directory)
        self.session.choices = {s.id: s.label for s in sessions}

    def validate_linked_ref(self, field):
        """A report's reference, typed any way ('2604 1937', '26041937', or an old 'w7k3 m9p')."""
        if field.data:
            mistake = ref_problem(field.data)
            if mistake:
                raise ValidationError(mistake + "不记得可以不填。")
            field.data = normalise_ref(field.data)
            if ref_kind(field.data) != "report":
                raise ValidationError(f"这不像问题编号：问题编号是 {REF_KINDS['report']} 开头的 8 个数字，"
                                      f"比如 {ref_example('report')}。不记得可以不填。")


class LookupForm(FlaskForm):
    """Reference + last four phone digits: check progress, or cancel a sign-up."""

    class Meta:
        locales = ("zh",)

    ref = StringField("编号", validators=[Required("请填写编号，在提交成功的页面上。")], filters=TEXT)
    last4 = StringField("电话号码的最后四位", validators=[Required("请填写电话号码的最后四位数字。")], filters=TEXT)

    def validate_ref(self, field):
        """A digits-only reference must pass its check digit: a mistyped digit is named, not 'not found'."""
        mistake = ref_problem(field.data)
        if mistake:
            raise ValidationError(mistake)

    def validate_last4(self, field):
        """Exactly four digits (full-width digits and Chinese numerals are fine: 五六七八)."""
        digits = "".join(ch for ch in fold_digits(clean_text(field.data)) if not ch.isspace())
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            raise ValidationError("请填写电话号码的最后四位，是 4 个数字。")
        field.data = digits


OUTCOMES = {"已解决": "已解决", "部分解决": "部分解决", "没有解决": "没有解决"}
RATINGS = {"满意": "满意", "基本满意": "基本满意", "不满意": "不满意"}
ASPECTS = {"efficiency": "效率", "attitude": "态度", "result": "结果"}


class ScoredUnlessUnsolved:
    """A rating is required, except after "没有解决" (nothing to rate yet); when given it must be offered."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            if form.outcome.data == "没有解决":
                field.errors[:] = []
                raise StopValidation()
            raise StopValidation(self.message)
        if field.data not in field.choices:
            raise StopValidation(self.message)


class FollowupQuestions(FlaskForm):
    """回访 in three aspects (效率、态度、结果) and the outcome — the same questions online and by phone."""

    class Meta:
        locales = ("zh",)

    outcome = RadioField("问题解决了吗？", choices=OUTCOMES, validate_choice=False,
                         validators=[Required("请选择问题解决了没有。"), ValidChoice("请选择问题解决了没有。")])
    efficiency = RadioField("办得快不快（效率）", choices=RATINGS, validate_choice=False,
                            validators=[ScoredUnlessUnsolved("请选择对效率是否满意。")])
    attitude = RadioField("大管家的态度", choices=RATINGS, validate_choice=False,
                          validators=[ScoredUnlessUnsolved("请选择对态度是否满意。")])
    result = RadioField("处理的结果", choices=RATINGS, validate_choice=False,
                        validators=[ScoredUnlessUnsolved("请选择对结果是否满意。")])
    comment = TextAreaField("还想说点什么（可不填）", validators=[Length(max=300, label="意见")], filters=TEXT)

    def answers(self) -> dict:
        """outcome, efficiency, attitude, result ('' when not rated), comment."""
        return {"outcome": self.outcome.data, "comment": self.comment.data or "",
                **{k: self[k].data or "" for k in ASPECTS}}


class FollowupForm(PhotosMixin, FollowupQuestions):
    """回访 online: the resident, after proving they know the phone's last four digits.

    After 没有解决 the one thing asked is what is still wrong: the comment, then required; no ratings."""

    UNSOLVED_LABEL = "哪里还没有解决？"
    ref = HiddenField()
    photos = PhotoField()

    def validate_comment(self, field):
        if self.outcome.data == "没有解决" and not field.data:
            raise ValidationError("请说说哪里还没有解决，大管家好接着办。")
