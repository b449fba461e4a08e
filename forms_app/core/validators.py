"""Small WTForms validators. Each message is a Chinese sentence that says what to do next."""
from __future__ import annotations

import re
import unicodedata

from wtforms.validators import StopValidation, ValidationError

from forms_app.core.phones import PhoneError, normalise_phone

# C0/C1 controls except tab/newline, plus bidi overrides and zero-width tricks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(value: str | None) -> str:
    """NFC-normalise, drop invisible control characters, unify line ends, trim."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


class Phone:
    """A Chinese mobile or Shanghai landline; the field's data becomes the E.164 form."""

    def __init__(self, message: str | None = None):
        self.message = message or "请填写正确的电话：11 位手机号，或上海座机（8 位，可加 021）。"

    def __call__(self, form, field):
        try:
            field.phone = normalise_phone(field.data or "")
        except PhoneError:
            raise ValidationError(self.message) from None


class Length:
    """Character-count bounds with Chinese messages; also surfaces maxlength in HTML."""

    def __init__(self, min: int = 0, max: int = 0, label: str = "内容"):
        self.min, self.max, self.label = min, max, label
        self.field_flags = {"maxlength": max} if max else {}

    def __call__(self, form, field):
        size = len(field.data or "")
        if self.min and size < self.min:
            raise ValidationError(f"{self.label}太短了，请至少写 {self.min} 个字。")
        if self.max and size > self.max:
            raise ValidationError(f"{self.label}太长了，请不超过 {self.max} 个字（现在 {size} 个字）。")


class Required:
    """Present after cleaning; the message names what is missing."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None or field.data is False or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation(self.message)


class RequiredIf:
    """Required only when another boolean field is checked."""

    def __init__(self, other: str, message: str):
        self.other, self.message = other, message

    def __call__(self, form, field):
        data = field.data.strip() if isinstance(field.data, str) else field.data
        if form[self.other].data and not data:
            raise ValidationError(self.message)


class Empty:
    """The honeypot: people never see this field, so anything in it came from a bot."""

    def __init__(self, message: str = "请把最后一栏（“请勿填写”）清空后再提交。"):
        self.message = message

    def __call__(self, form, field):
        if field.data:
            raise ValidationError(self.message)


def _values(choices) -> set:
    """Every value offered by shorthand choices: {value: label} or {group: {value: label}}."""
    values = set()
    for key, label in (choices or {}).items():
        if isinstance(label, dict):
            values.update(label)
        else:
            values.add(key)
    return values


class ValidChoice:
    """The value must be one the form offered (grouped choices included)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data not in _values(field.choices):
            raise ValidationError(self.message)
