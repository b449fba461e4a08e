"""Texts only when texting is on: no "短信通知我" box or promise of a text without an SMS provider."""
from types import SimpleNamespace

import pytest

from forms_app import create_app
from forms_app.residents import reception
from tests.conftest import Forms, text
from tests.sms_emulator.fixtures import sms_settings

TEXT_PROMISES = ("短信通知我", "发短信告诉您", "短信里只有", "发短信提醒")


@pytest.fixture
def texting(app_config):
    """The same app with an SMS provider configured (no text leaves: nothing is delivered here)."""
    return Forms(create_app({**app_config, **sms_settings("aliyun", SimpleNamespace(endpoint="127.0.0.1:9"))}).test_client())


def full_session(forms, db):
    """The first sample session, filled up; the next sign-up waits."""
    session = reception.open_sessions(db)[0]
    for i in range(session.capacity):
        forms.signup(session.id, phone=f"139 0000 00{i:02d}")
    return session


@pytest.mark.parametrize("url", ["/forms/report", "/forms/reception"])
def test_no_text_box_and_no_text_promise_when_texting_is_off(client, url):
    page = text(client.get(url))
    assert 'name="sms_consent"' not in page
    for words in TEXT_PROMISES:
        assert words not in page, words


@pytest.mark.parametrize("url", ["/forms/report", "/forms/reception"])
def test_the_box_and_the_privacy_sentence_when_texting_is_on(texting, url):
    page = text(texting.client.get(url))
    assert 'name="sms_consent"' in page and "短信通知我" in page


def test_off_a_ticked_box_stores_no_consent_and_the_confirmation_says_keep_the_number(forms, db):
    page = text(forms.client.get(forms.report(sms_consent="y").headers["Location"]))
    assert db.execute("SELECT sms_consent FROM reports").fetchone()[0] == 0
    assert "请截图或抄下编号" in page.split('id="keep-ref"')[1].split("</p>")[0]


def test_on_with_consent_the_confirmation_does_not_insist(texting, db):
    page = text(texting.client.get(texting.report(sms_consent="y").headers["Location"]))
    assert db.execute("SELECT sms_consent FROM reports").fetchone()[0] == 1
    assert "请截图或抄下编号" not in page and "请记下这个编号" in page


def test_waiting_list_off_says_no_text_will_come_and_whom_to_call(forms, db):
    session = full_session(forms, db)
    page = text(forms.client.get(forms.signup(session.id, phone="139 1111 2222").headers["Location"]))
    news = page.split('id="seat-news"')[1].split("</p>")[0]
    assert "候补第" in page and "补上了不会发短信" in news and "查进度" in news and 'href="tel:' in news
    assert "请截图或抄下编号" in page


def test_waiting_list_on_says_a_text_will_come(texting, db):
    session = full_session(texting, db)
    page = text(texting.client.get(texting.signup(session.id, phone="139 1111 2222", sms_consent="y").headers["Location"]))
    news = page.split('id="seat-news"')[1].split("</p>")[0]
    assert "补上了，会发短信告诉您" in news
    unticked = text(texting.client.get(texting.signup(session.id, phone="139 1111 3333").headers["Location"]))
    assert "补上了不会发短信" in unticked   # on, but this resident said no to texts



def test_the_progress_page_of_a_waiting_sign_up_says_the_same(forms, db):
    session = full_session(forms, db)
    forms.signup(session.id, phone="139 1111 2222")
    signup = db.execute("SELECT ref FROM signups WHERE phone = '+8613911112222'").fetchone()
    page = text(forms.submit("/forms/status", {"ref": signup["ref"], "last4": "2222"}))
    assert "候补第" in page and "补上了不会发短信" in page.split('id="seat-news"')[1].split("</p>")[0]
