"""The stewards' form for one joint-reception session (create or edit), checked with Chinese messages."""
from __future__ import annotations

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms_app.casework.sessions import MAX_CAPACITY
from forms_app.core import clock
from forms_app.core.deadlines import day_of
from forms_app.core.validators import Length, Required, clean_text

TEXT = [clean_text]
OTHER_PLACE = "other"
_TIME = re.compile(r"^(\d{1,2})(?:[:：点](\d{2})?)?分?$")


class _Meta:
    locales = ("zh",)


def time_of_day(text: str) -> str | None:
    """'9:00', '09:00', '9：30', '9点', '14点30' → 'H:MM'; None when it is not a time."""
    found = _TIME.match(unicodedata.normalize("NFKC", text or "").replace(" ", ""))
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    return f"{hour}:{minute:02d}" if hour < 24 and minute < 60 else None


def minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


class SessionForm(FlaskForm):
    """Date, times, place (a reception place or written in), parties, capacity, open or not, a note."""

    Meta = _Meta
    date = StringField("日期", filters=TEXT, validators=[Required("请填写日期，比如 2026-12-05。")])
    start_time = StringField("开始时间", filters=TEXT, validators=[Required("请填写开始时间，比如 9:00。")])
    end_time = StringField("结束时间", filters=TEXT, validators=[Required("请填写结束时间，比如 11:00。")])
    place = SelectField("地点", validate_choice=False, validators=[Required("请选择地点。")])
    place_other = StringField("其他地点", filters=TEXT, validators=[Length(max=100, label="其他地点")])
    parties = SelectMultipleField("参加单位", validate_choice=False)
    capacity = StringField("名额", filters=TEXT, validators=[Required("请填写名额，0 到 500 之间的整数。")])
    is_open = RadioField("开放报名", choices={"yes": "是，居民可以报名", "no": "否，停止报名"}, default="yes", validate_choice=False,
                         validators=[Required("请选择是否开放报名。")])
    note = TextAreaField("说明", filters=TEXT, validators=[Length(max=200, label="说明")])

    def __init__(self, *args, directory=None, current=None, confirmed: int = 0, **kwargs):
        """`current`: the session being edited (None: a new one); `confirmed`: its seats taken."""
        super().__init__(*args, **kwargs)
        places = list(directory.reception_places.values())
        if current is not None and current["place"] not in places and self.place.data in (None, "", current["place"]):
            self.place.data, self.place_other.data = OTHER_PLACE, self.place_other.data or current["place"]
        self.place.choices = {"": "请选择", **{p: p for p in places}, OTHER_PLACE: "其他地点（在下面写）"}
        stored = [p for p in (current["parties"].split("、") if current is not None else []) if p]
        self.parties.choices = {p: p for p in dict.fromkeys([*directory.parties, *stored])}
        self.creating, self.confirmed = current is None, confirmed

    def validate_date(self, field):
        day = day_of(field.data)
        if day is None or not re.fullmatch(r"[\d\s\-/.年月日]+", unicodedata.normalize("NFKC", field.data)):
            raise ValidationError("日期的格式不对，请写成 2026-12-05。")
        if self.creating and day < clock.now().date():
            raise ValidationError("日期不能早于今天。新的场次请选今天或以后的日子。")
        field.data = day.isoformat()

    def validate_start_time(self, field):
        value = time_of_day(field.data)
        if value is None:
            raise ValidationError("开始时间的格式不对，请写成 9:00。")
        field.data = value

    def validate_end_time(self, field):
        value = time_of_day(field.data)
        if value is None:
            raise ValidationError("结束时间的格式不对，请写成 11:00。")
        field.data = value
        start = time_of_day(self.start_time.data or "")
        if start and minutes(value) <= minutes(start):
            raise ValidationError("结束时间要晚于开始时间。")

    def validate_place(self, field):
        if field.data not in self.place.choices or not field.data:
            raise ValidationError("请从列表里选择地点。")
        if field.data == OTHER_PLACE and not self.place_other.data:
            raise ValidationError("选了“其他地点”，请在下面写上地点。")

    def validate_parties(self, field):
        if not field.data:
            raise ValidationError("请至少选一个参加单位。")
        if not set(field.data) <= set(field.choices):
            raise ValidationError("请从列表里选择参加单位。")

    def validate_capacity(self, field):
        text = unicodedata.normalize("NFKC", field.data or "").removesuffix("人").strip()
        # A strict pattern before int(): a 5,000-digit "number" or a digit int() cannot read is a message, not a 500.
        if not re.fullmatch(r"\d{1,4}", text, re.ASCII) or not 0 <= int(text) <= MAX_CAPACITY:
            raise ValidationError(f"名额请填 0 到 {MAX_CAPACITY} 之间的整数。")
        if int(text) < self.confirmed:
            raise ValidationError(f"已有 {self.confirmed} 位居民报上了名，名额不能少于 {self.confirmed}。"
                                  "要减少名额，请先请居民取消报名。")
        field.data = str(int(text))

    def validate_is_open(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("请选择是否开放报名。")

    def values(self) -> dict:
        """The session's columns as the store keeps them."""
        chosen = [p for p in self.parties.choices if p in self.parties.data]
        return {"date": self.date.data, "start_time": self.start_time.data, "end_time": self.end_time.data,
                "place": self.place_other.data if self.place.data == OTHER_PLACE else self.place.data,
                "parties": "、".join(chosen), "capacity": int(self.capacity.data), "is_open": self.is_open.data == "yes",
                "note": self.note.data or ""}


class CloseForm(FlaskForm):
    """Nothing but the CSRF token: closing a session is a POST."""

    Meta = _Meta


def initial(row) -> dict:
    """The form's starting values for a stored session."""
    return {"date": row["date"], "start_time": row["start_time"], "end_time": row["end_time"], "place": row["place"],
            "parties": [p for p in row["parties"].split("、") if p], "capacity": str(row["capacity"]),
            "is_open": "yes" if row["is_open"] else "no", "note": row["note"]}
