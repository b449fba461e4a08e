"""HTTP tests of /forms/report through the test client, CSRF on."""
import re

import pytest

from forms_app.core import references

from forms_app import create_app
from tests.conftest import Forms, VALID_REPORT, checked, hidden_fields, reference, selected, text
from tests.samples import STEWARD, STEWARD_PHONE


def count(db):
    return db.execute("SELECT count(*) FROM reports").fetchone()[0]


def test_get_preselects_compound_and_category_from_a_qr_code(client):
    page = text(client.get("/forms/report?compound=yanji2&category=lift"))
    assert selected(page, "compound") == ["yanji2"]
    assert checked(page, "category") == ["lift"]


@pytest.mark.parametrize("query", ["endpoint=x", "_method=DELETE", "_anchor=x&_external=1", "compound=yanji2&foo=bar"])
def test_odd_query_strings_do_not_break_the_form(client, query):
    response = client.get(f"/forms/report?{query}")
    assert response.status_code == 200 and "_external" not in text(response)


def test_unknown_preselection_is_ignored(client):
    page = text(client.get("/forms/report?compound=nope&category=nope"))
    assert selected(page, "compound") == [] and checked(page, "category") == []


def test_valid_report_is_stored_and_confirmed(office_hours_now, forms, db):
    response = forms.report()
    assert response.status_code == 303
    page = forms.client.get(response.headers["Location"])
    ref = reference(page)
    row = db.execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()
    assert row["phone"] == "+8613812345678" and row["channel"] == "网页" and row["status"] == "已受理"
    body = text(page)
    assert STEWARD['s5'] in body and STEWARD_PHONE["s5"] in body  # the compound's steward
    assert f"今天下班前，{STEWARD['s5']}会用" in body and "给您打电话，请留意接听" in body
    assert references.display(ref) in body


def test_qr_and_on_behalf_channels(forms, db):
    forms.report(url="/forms/report?compound=yanji2&src=qr")
    forms.report(on_behalf="y", behalf_relation="邻居", behalf_consent="y")
    forms.report(url="/forms/report?compound=yanji2")   # the compound page's 在线反映 button: not the QR code
    assert [r[0] for r in db.execute("SELECT channel FROM reports ORDER BY id")] == ["二维码", "代办", "网页"]
    assert tuple(db.execute("SELECT behalf_relation, behalf_consent FROM reports WHERE channel='代办'").fetchone()) == ("邻居", 1)


def test_double_submit_of_the_same_form_is_one_report(forms, client, db):
    page = client.get("/forms/report")
    fields = {**hidden_fields(text(page)), **VALID_REPORT}
    first = client.post("/forms/report", data=fields)
    second = client.post("/forms/report", data=fields)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db) == 1


@pytest.mark.parametrize("changes, field_id, message", [
    ({"compound": ""}, "compound", "请选择您住的小区。"),
    ({"compound": "atlantis"}, "compound", "请从列表里选择您住的小区。"),
    ({"building": ""}, "building", "请填写楼号"),
    ({"building": "1" * 21}, "building", "楼号太长了"),
    ({"room": "1" * 21}, "room", "室号太长了"),
    ({"category": ""}, "category-0", "请选择问题的类别"),
    ({"category": "ufo"}, "category-0", "请从列表里选择问题的类别。"),
    ({"urgent": "maybe"}, "urgent-0", "请选择是否紧急。"),
    ({"description": ""}, "description", "请写一下是什么情况。"),
    ({"description": "漏水"}, "description", "情况说明太短了"),
    ({"description": "漏" * 1001}, "description", "情况说明太长了"),
    ({"contact_name": ""}, "contact_name", "请填写怎么称呼您"),
    ({"contact_name": "王" * 21}, "contact_name", "称呼太长了"),
    ({"phone": ""}, "phone", "请填写联系电话。"),
    ({"phone": "12345"}, "phone", "请填写正确的电话"),
    ({"phone": "=1+1"}, "phone", "请填写正确的电话"),
    ({"best_time": "半夜"}, "best_time", "请从列表里选择方便接电话的时间。"),
    ({"on_behalf": "y"}, "behalf_relation", "代办时请写您和住户的关系"),
    ({"on_behalf": "y", "behalf_relation": "邻居"}, "behalf_consent", "代办时，请先征得住户本人同意"),
    ({"on_behalf": "maybe"}, "on_behalf-0", "请选择是替自己，还是替家人、邻居反映。"),
    ({"on_behalf": "y", "behalf_relation": "女儿", "behalf_consent": "y", "resident_phone": "12345"},
     "resident_phone", "住户电话不对"),
    ({"on_behalf": "y", "behalf_relation": "女儿", "behalf_consent": "y", "call_first": "resident"},
     "resident_phone", "要大管家先打给住户，请填写住户电话"),
    ({"on_behalf": "y", "behalf_relation": "女儿", "behalf_consent": "y", "call_first": "nobody"},
     "call_first-0", "请选择大管家先打给您，还是先打给住户。"),
    ({"on_behalf": "y", "behalf_relation": "女儿", "behalf_consent": "y", "resident_name": "王" * 21},
     "resident_name", "住户称呼太长了"),
    ({"consent": ""}, "consent", "请勾选同意隐私说明"),
])
def test_each_invalid_field_gets_a_chinese_message_linked_to_it(forms, db, changes, field_id, message):
    response = forms.report(**changes)
    body = text(response)
    assert response.status_code == 400
    summary = body.split('class="error-summary"')[1].split("</div>")[0]
    assert re.search(rf'<a href="#{field_id}">{re.escape(message)}', summary), summary
    assert f'id="{field_id.split("-")[0]}-error"' in body
    assert body.count("<title>错误：") == 1
    assert count(db) == 0


def test_invalid_form_keeps_everything_typed(forms):
    body = text(forms.report(phone="12345", description="楼上漏水，已经三天了。<b>别</b>", building="55号"))
    assert 'value="12345"' in body and 'value="55号"' in body
    assert "楼上漏水，已经三天了。&lt;b&gt;别&lt;/b&gt;</textarea>" in body
    assert checked(body, "category") == ["leak"]


def test_missing_csrf_token_stores_nothing_and_keeps_input(forms, db):
    response = forms.submit("/forms/report", {**VALID_REPORT}, drop=("csrf_token",))
    body = text(response)
    assert response.status_code == 400 and "页面停留时间太长了" in body and 'value="55号"' in body
    assert count(db) == 0


def test_missing_submission_id_stores_nothing(forms, db):
    response = forms.submit("/forms/report", {**VALID_REPORT}, drop=("submission_id",))
    assert response.status_code == 400 and "请刷新页面" in text(response)
    assert count(db) == 0


def test_honeypot_stores_nothing(forms, db):
    response = forms.report(website="http://spam.example")
    assert response.status_code == 400
    assert count(db) == 0


def test_confirmation_is_only_for_the_browser_that_sent_it(forms, app, db):
    location = forms.report().headers["Location"]
    ref = location.rsplit("/", 1)[1]
    elsewhere = app.test_client().get(location)   # shared with family: the look-up, reference filled in
    assert elsewhere.status_code == 303 and elsewhere.headers["Location"].endswith(f"/forms/status?ref={ref}")
    page = text(app.test_client().get(elsewhere.headers["Location"]))
    assert f'value="{references.display(ref)}"' in page and "王阿姨" not in page and "卫生间" not in page
    # A reference that does not exist is answered the same way: the link tells a stranger nothing.
    other = app.test_client().get("/forms/report/done/20000000")
    assert other.status_code == 303 and other.headers["Location"].endswith("/forms/status?ref=20000000")


def test_urgent_report_says_the_steward_was_alerted_only_when_alerts_are_on(forms, app_config):
    page = forms.client.get(forms.report(category="garbage", urgent="yes").headers["Location"])
    assert "这是紧急问题" in text(page) and "已经收到提醒" not in text(page)
    alerting = Forms(create_app({**app_config, "ALERT_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}).test_client())
    page = alerting.client.get(alerting.report(category="garbage", urgent="yes").headers["Location"])
    assert "大管家已经收到提醒" in text(page)


def test_confirmation_survives_a_compound_removed_from_the_directory(forms, app, db):
    location = forms.report().headers["Location"]
    db.execute("UPDATE reports SET compound_id = 'gone'")
    page = forms.client.get(location)
    assert page.status_code == 200 and "周芳" not in text(page)
