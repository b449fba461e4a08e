"""Validators on tiny inline forms, without an app."""
import pytest
from wtforms import BooleanField, Form, SelectField, StringField

from forms_app.core.validators import Empty, Length, Phone, Required, RequiredIf, ValidChoice, clean_text


class Tiny(Form):
    name = StringField(validators=[Required("请填写称呼。"), Length(max=5, label="称呼")], filters=[clean_text])
    phone = StringField(validators=[Phone()])
    helper = BooleanField()
    relation = StringField(validators=[RequiredIf("helper", "请写关系。")])
    trap = StringField(validators=[Empty()])
    pick = SelectField(choices={"甲": {"a": "A"}, "乙": {"b": "B"}}, validate_choice=False,
                       validators=[ValidChoice("请从列表里选。")])


class Data(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


def errors(**values):
    form = Tiny(Data({"name": "王", "phone": "13812345678", "pick": "a", **values}))
    form.validate()
    return {k: v for k, v in form.errors.items()}


def test_valid_form_has_no_errors():
    assert errors() == {}


@pytest.mark.parametrize("values, field, message", [
    ({"name": ""}, "name", "请填写称呼。"),
    ({"name": " \u200b "}, "name", "请填写称呼。"),                       # only invisible characters
    ({"name": "一二三四五六"}, "name", "称呼太长了，请不超过 5 个字（现在 6 个字）。"),
    ({"phone": "12345"}, "phone", "请填写正确的电话"),
    ({"helper": "y"}, "relation", "请写关系。"),
    ({"trap": "http://spam"}, "trap", "请把最后一栏"),
    ({"pick": "zzz"}, "pick", "请从列表里选。"),
])
def test_each_bad_value_names_its_field_in_chinese(values, field, message):
    found = errors(**values)
    assert list(found) == [field]
    assert found[field][0].startswith(message)


def test_phone_validator_keeps_the_normalised_number():
    form = Tiny(Data({"name": "王", "phone": "１３８ １２３４ ５６７８", "pick": "b"}))
    assert form.validate()
    assert form.phone.phone.e164 == "+8613812345678"


@pytest.mark.parametrize("raw, cleaned", [
    ("  你好  ", "你好"), ("a\r\nb", "a\nb"), ("左\u202e右", "左右"), ("x\x00y\x07z", "xyz"), (None, ""),
    ("😀 表情", "😀 表情"),
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_length_surfaces_maxlength_in_html():
    assert 'maxlength="5"' in Tiny(Data({}))["name"]()
