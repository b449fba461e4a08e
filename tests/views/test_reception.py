"""HTTP tests of /forms/reception: sign up, waiting list, duplicates, cancel, .ics."""
import pytest
from icalendar import Calendar

from tests.conftest import VALID_SIGNUP, Forms, checked, hidden_fields, reference, text


@pytest.fixture
def small(db):
    """A session with two seats, far in the future."""
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               "VALUES ('small', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、业委会、物业、城管中队、法治专员', 2)")
    return "small"


def signups(db):
    return db.execute("SELECT count(*) FROM signups").fetchone()[0]


def test_form_lists_open_sessions_with_seats(client):
    body = text(client.get("/forms/reception"))
    assert body.count('name="session"') == 3 and "还有 3 个名额" in body and "法治专员" in body


def test_preselect_session_from_the_url(client, small):
    assert checked(text(client.get("/forms/reception?session=small")), "session") == ["small"]


def test_sign_up_confirms_with_reference_and_plain_text_details(forms, small, db):
    page = forms.client.get(forms.signup(small).headers["Location"])
    ref = reference(page)
    body = text(page)
    assert "报名成功" in body and "1月3日（周六）9:00–11:00" in body and "社区服务中心" in body
    assert db.execute("SELECT state FROM signups WHERE ref = ?", (ref,)).fetchone()[0] == "confirmed"


def test_full_session_puts_people_on_the_waiting_list_with_their_place(forms, small, db):
    for n in range(2):
        forms.signup(small, phone=f"1380000000{n}")
    page = forms.client.get(forms.signup(small, phone="13800000009").headers["Location"])
    assert "还没有座位" in text(page) and '<span id="position">1</span>' in text(page)


def test_same_phone_twice_is_answered_like_a_first_sign_up_without_revealing_the_reference(forms, small, db, app):
    first_answer = forms.signup(small)
    first = reference(forms.client.get(first_answer.headers["Location"]))
    stranger = Forms(app.test_client())  # anyone who knows the phone number
    again = stranger.signup(small, phone="139-8765-4321")
    assert again.status_code == first_answer.status_code == 303  # the same answer, not a 409
    assert again.headers["Location"].rsplit("/", 1)[0] == first_answer.headers["Location"].rsplit("/", 1)[0]
    page = stranger.client.get(again.headers["Location"])
    assert page.status_code == 200 and "报名已收到" in text(page) and first not in text(page)
    assert "1月3日（周六）9:00–11:00" in text(page) and "<title>错误：" not in text(page)
    assert signups(db) == 1


def test_double_tap_on_the_same_form_shows_the_same_sign_up(forms, small, db):
    page = forms.client.get("/forms/reception")
    fields = {**hidden_fields(text(page)), **VALID_SIGNUP, "session": small}
    first = forms.client.post("/forms/reception", data=fields)
    second = forms.client.post("/forms/reception", data=fields)
    assert first.headers["Location"] == second.headers["Location"] and signups(db) == 1


def test_cancel_promotes_the_first_waiting(forms, small, db):
    refs = [reference(forms.client.get(forms.signup(small, phone=f"1380000000{n}").headers["Location"])) for n in range(3)]
    response = forms.submit("/forms/reception/cancel", {"ref": refs[0].lower().replace("-", " "), "last4": "0000"})
    assert response.status_code == 200 and "已取消报名" in text(response)
    states = dict(db.execute("SELECT ref, state FROM signups").fetchall())
    assert states == {refs[0]: "cancelled", refs[1]: "confirmed", refs[2]: "confirmed"}


@pytest.mark.parametrize("ref, last4", [("J222-333", "4321"), (None, "1234"), (None, "43210")])
def test_cancel_with_a_wrong_pair_changes_nothing(forms, small, db, ref, last4):
    mine = reference(forms.client.get(forms.signup(small).headers["Location"]))
    response = forms.submit("/forms/reception/cancel", {"ref": ref or mine, "last4": last4})
    assert response.status_code == 400
    assert db.execute("SELECT state FROM signups").fetchone()[0] == "confirmed"


@pytest.mark.parametrize("changes, field_id, message", [
    ({"session": ""}, "session-0", "请选择一个接待场次。"),
    ({"session": "gone"}, "session-0", "这一场已经不能报名了"),
    ({"name": ""}, "name", "请填写怎么称呼您。"),
    ({"phone": "12"}, "phone", "请填写正确的电话"),
    ({"compound": ""}, "compound", "请选择您住的小区。"),
    ({"topic": "电梯"}, "topic", "问题太短了"),
    ({"topic": "电" * 301}, "topic", "问题太长了"),
    ({"linked_ref": "hello"}, "linked_ref", "这不像问题编号"),
    ({"linked_ref": "2604 1938"}, "linked_ref", "编号可能写错了一位"),
    ({"linked_ref": "8604 1932"}, "linked_ref", "这不像问题编号"),
    ({"consent": ""}, "consent", "请勾选同意隐私说明。"),
])
def test_each_invalid_field(forms, small, db, changes, field_id, message):
    response = forms.signup(small, **changes)
    body = text(response)
    assert response.status_code == 400 and f'<a href="#{field_id}">{message}' in body
    assert signups(db) == 0
    if "name" not in changes:
        assert 'value="李先生"' in body


def test_linked_report_reference_is_accepted_in_any_case(forms, small, db):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    forms.signup(small, linked_ref=ref.lower())
    assert db.execute("SELECT linked_ref FROM signups").fetchone()[0] == ref


def test_closed_between_page_and_submit(forms, small, db):
    page = forms.client.get("/forms/reception")
    from tests.conftest import hidden_fields
    db.execute("UPDATE sessions SET is_open = 0 WHERE id = 'small'")
    response = forms.client.post("/forms/reception", data={**hidden_fields(text(page)), **VALID_SIGNUP, "session": "small"})
    assert response.status_code == 400 and signups(db) == 0


def test_ics_file(forms, small, client):
    ref = reference(forms.client.get(forms.signup(small).headers["Location"]))
    response = client.get(f"/forms/reception/{ref}.ics")
    assert response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["dtstart"].dt) == "2099-01-03 09:00:00+08:00" and event["location"] == "社区服务中心"
    body = response.get_data(as_text=True)
    assert not any(part in body for part in ("98765", "87654321", "李先生"))  # no phone digits, no name in the file


def test_ics_of_unknown_reference_is_404(client):
    assert client.get("/forms/reception/J222-333.ics").status_code == 404


def test_no_open_sessions_says_so(client, db):
    db.execute("UPDATE sessions SET is_open = 0")
    body = text(client.get("/forms/reception"))
    assert "最近没有可以报名的场次" in body and "<form" not in body.split("<main")[1].split("</main>")[0].replace('action="/forms/reception/cancel"', "")


def test_ics_is_only_for_the_browser_that_signed_up(forms, small, app):
    ref = reference(forms.client.get(forms.signup(small).headers["Location"]))
    stranger = app.test_client()
    assert stranger.get(f"/forms/reception/{ref}.ics").status_code == 404  # same answer as an unknown number
    assert stranger.get("/forms/reception/J222-333.ics").status_code == 404


def test_ics_after_reference_and_last_four(forms, small, app):
    ref = reference(forms.client.get(forms.signup(small).headers["Location"]))
    other = Forms(app.test_client())
    assert other.submit("/forms/status", {"ref": ref, "last4": "0000"}).status_code == 404
    assert other.client.get(f"/forms/reception/{ref}.ics").status_code == 404
    assert other.submit("/forms/status", {"ref": ref, "last4": "4321"}).status_code == 200
    assert other.client.get(f"/forms/reception/{ref}.ics").mimetype == "text/calendar"


def test_ics_is_rate_limited(app_config, db):
    from forms_app import create_app

    client = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOOKUP": "3 per minute"}).test_client()
    codes = [client.get(f"/forms/reception/J222-33{n}.ics").status_code for n in range(5)]
    assert codes == [404, 404, 404, 429, 429]


@pytest.mark.parametrize("linked, flagged", [("W222-333", 1), ("", 0)])
def test_an_unknown_linked_report_is_stored_and_flagged_not_revealed(forms, small, db, linked, flagged):
    response = forms.signup(small, linked_ref=linked)
    assert response.status_code == 303  # the same answer whether or not a report has that number
    assert db.execute("SELECT linked_ref, linked_ref_unknown FROM signups").fetchone()[:] == (linked, flagged)


def test_a_known_linked_report_with_the_same_phone_is_not_flagged(forms, small, db):
    report = reference(forms.client.get(forms.report().headers["Location"]))
    assert forms.signup(small, linked_ref=report, phone="138 1234 5678").status_code == 303
    assert db.execute("SELECT linked_ref, linked_ref_unknown FROM signups").fetchone()[:] == (report, 0)


def test_same_submission_id_with_other_content_is_a_new_sign_up(forms, small, db):
    page = forms.client.get("/forms/reception")
    fields = hidden_fields(text(page))
    first = forms.client.post("/forms/reception", data={**fields, **VALID_SIGNUP, "session": small})
    again = forms.client.post("/forms/reception", data={**fields, **VALID_SIGNUP, "session": small})
    other = forms.client.post("/forms/reception", data={**fields, **VALID_SIGNUP, "session": small,
                                                        "phone": "139 1111 2222", "name": "赵阿姨"})
    assert first.headers["Location"] == again.headers["Location"] != other.headers["Location"]
    rows = db.execute("SELECT submission_id, name FROM signups ORDER BY id").fetchall()
    assert [r["name"] for r in rows] == ["李先生", "赵阿姨"] and rows[0]["submission_id"] == fields["submission_id"]
