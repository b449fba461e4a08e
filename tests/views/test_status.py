"""HTTP tests of /forms/status: the right pair shows progress; every wrong pair looks the same."""
import pytest

from tests.conftest import reference, text, without_refs


@pytest.fixture
def report_ref(forms):
    return reference(forms.client.get(forms.report().headers["Location"]))


def look(forms, ref, last4):
    return forms.submit("/forms/status", {"ref": ref, "last4": last4})


def test_right_pair_shows_status_and_public_note(forms, report_ref, db):
    db.execute("UPDATE reports SET status = '处理中', public_note = '物业已上门查看，明天修。'")
    body = text(look(forms, report_ref.lower(), "５６７８"))
    assert '<p class="status" id="status">处理中</p>' in body and "物业已上门查看，明天修。" in body
    assert "最后更新" in body and "王阿姨" not in body and "5678" not in without_refs(body)


def test_new_report_is_received(forms, report_ref):
    assert '<p class="status" id="status">已受理</p>' in text(look(forms, report_ref, "5678"))


def test_signup_status_with_waiting_place(forms, db):
    db.execute("UPDATE sessions SET capacity = 0")
    session = db.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    ref = reference(forms.client.get(forms.signup(session).headers["Location"]))
    assert "候补第 1 位" in text(look(forms, ref, "4321"))


def test_wrong_last4_and_unknown_reference_get_the_same_answer(forms, report_ref):
    wrong = look(forms, report_ref, "0000")
    unknown = look(forms, "W222-333", "5678")
    garbage = look(forms, "hello", "5678")
    assert wrong.status_code == unknown.status_code == garbage.status_code == 404
    strip = lambda r: text(r).split('name="csrf_token"')[0]  # noqa: E731 - the rest echoes input
    assert strip(wrong) == strip(unknown) == strip(garbage)


@pytest.mark.parametrize("ref, last4, message", [
    ("", "5678", "请填写编号"), ("W222-333", "", "请填写电话号码的最后四位数字。"),
    ("W222-333", "12", "是 4 个数字"), ("W222-333", "abcd", "是 4 个数字"),
    ("W222-333", "١٢٣٤", "是 4 个数字"),  # Arabic-Indic digits: digits, but not ours
])
def test_missing_or_malformed_input(forms, ref, last4, message):
    response = look(forms, ref, last4)
    assert response.status_code == 400 and message in text(response)


def test_get_prefills_reference(client):
    assert 'value="W222-333"' in text(client.get("/forms/status?ref=W222-333"))


def test_status_meanings_are_the_knowledge_base_words(forms, report_ref):
    """The same six sentences as the KB's status tables (both read core.cases.STATUS_MEANINGS)."""
    from forms_app.core.cases import STATUS_MEANINGS

    body = text(look(forms, report_ref, "5678"))
    for name, meaning in STATUS_MEANINGS.items():
        assert f"<li>{name}：{meaning}</li>" in body
