"""查进度, third pass: the number pad, Chinese numerals and spaces, why the last four digits, a look-up's
own error heading, the old letter-reference hint only where it helps, and a shared link that says why."""
import re

import pytest

from forms_app.core import references
from tests.conftest import reference, text


@pytest.fixture
def report_ref(forms):
    return reference(forms.client.get(forms.report().headers["Location"]))


def look(forms, ref, last4):
    return forms.submit("/forms/status", {"ref": ref, "last4": last4})


def chinese(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "零一二三四五六七八九"))


def field(body: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)


def test_the_reference_gets_the_number_pad_and_no_letter_hint(client):
    body = text(client.get("/forms/status"))
    assert 'inputmode="numeric"' in field(body, "ref") and 'inputmode="numeric"' in field(body, "last4")
    assert "W7K3-M9P" not in body
    assert "核对后四位，是为了不让别人看到您的进度。" in body


@pytest.mark.parametrize("shown", [lambda r: chinese(references.display(r)),          # 二九一二 零六五九
                                   lambda r: chinese(r[:4]) + " " + r[4:],             # mixed
                                   lambda r: " ".join(r)])                             # digit by digit
def test_chinese_numerals_and_spaces_are_read(forms, report_ref, shown):
    body = text(look(forms, shown(report_ref), "五六七八"))
    assert '<p class="status" id="status">已受理</p>' in body


def test_fold_digits():
    assert references.fold_digits("二九一二 零六五九") == "2912 0659"
    assert references.fold_digits("幺两三〇") == "1230"
    good = references.example("report").replace(" ", "")
    assert references.normalise(chinese(references.display(good))) == good
    assert references.problem(chinese(good[:-1])) != ""                   # seven digits: named, as when typed in digits


def test_a_look_up_that_finds_nothing_has_its_own_heading_and_the_letter_hint(forms, report_ref):
    body = text(look(forms, report_ref, "0000"))
    assert "提交前，请修改下面的内容" not in body
    assert '<h2 id="error-summary-title">没有查到，请再核对一下</h2>' in body
    assert "以前拿到的字母编号（比如 W7K3-M9P）也能查。" in body
    assert "inputmode" not in field(body, "ref")          # letters can be typed now


def test_a_typed_letter_reference_keeps_the_letter_keyboard(client):
    body = text(client.get("/forms/status?ref=W222-333"))
    assert "W7K3-M9P" in body and "inputmode" not in field(body, "ref")


def test_a_missing_field_on_a_look_up_is_not_called_not_found(forms):
    body = text(look(forms, "", "5678"))
    assert '<h2 id="error-summary-title">请核对一下下面的内容</h2>' in body and "没有查到" not in body


def test_cancelling_a_sign_up_also_has_the_look_up_heading(forms):
    body = text(forms.submit("/forms/reception/cancel", {"ref": "8" * 8, "last4": "1234"}))
    assert "提交前，请修改下面的内容" not in body


def test_the_form_still_says_submit_before_on_a_form(forms):
    assert "提交前，请修改下面的内容" in text(forms.report(description=""))


def test_a_shared_confirmation_link_says_why_the_form_is_shown(app, forms, report_ref):
    family = app.test_client()
    opened = family.get(f"/forms/report/done/{report_ref}")
    assert opened.status_code == 303
    body = text(family.get(opened.headers["Location"]))
    assert 'id="shared-note"' in body and "别人发给您的回执链接" in body
    assert "王阿姨" not in body
    again = text(family.get(opened.headers["Location"]))       # said once, not on every later visit
    assert 'id="shared-note"' not in again
    assert 'id="shared-note"' not in text(forms.client.get(f"/forms/status?ref={report_ref}"))
