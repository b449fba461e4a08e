"""Issue 18 #6: reception seats cannot be squatted from one address, a sign-up is no oracle for who
attends, and a stranger's sign-up naming someone's report number never touches that case."""
import datetime as dt

import pytest

from forms_app import create_app
from forms_app.casework import edits
from forms_app.core.store import connect
from forms_app.residents import reception, reports
from tests.conftest import Forms, reference, text
from tests.sms_emulator.fixtures import sms_emu, sms_emulator, sms_settings  # noqa: F401
from tests.residents.test_texts import Clock, delivery, drain, text_rows, received

SESSION = "squat"


@pytest.fixture
def limited(app_config):
    """Per-address limits on (as in production), a session with one seat."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RECEPTION_SIGNUPS_PER_ADDRESS": 2,
                      "RATELIMIT_SUBMIT": "100 per minute"})
    db = connect(app.config["DATABASE"])
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               "VALUES (?, '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 1)", (SESSION,))
    yield app, db
    db.close()


def client_at(app, address: str) -> Forms:
    forms = Forms(app.test_client())
    forms.client.environ_base["REMOTE_ADDR"] = address
    return forms


def test_one_address_cannot_take_the_seat_and_the_waiting_places(limited):
    app, db = limited
    squatter = client_at(app, "198.51.100.7")
    answers = [squatter.signup(SESSION, phone=f"139 0000 00{n:02d}") for n in range(4)]
    assert [a.status_code for a in answers] == [303, 303, 429, 429]
    assert "请打电话给您的大管家" in text(answers[2])
    assert db.execute("SELECT count(*) FROM signups").fetchone()[0] == 2
    neighbour = client_at(app, "198.51.100.8")
    assert neighbour.signup(SESSION, phone="139 1234 0000").status_code == 303  # another address still can


def test_probing_phones_from_one_address_stops_at_the_cap_too(limited):
    app, db = limited
    client_at(app, "198.51.100.9").signup(SESSION)
    prober = client_at(app, "198.51.100.10")
    assert [prober.signup(SESSION).status_code for _ in range(3)] == [303, 303, 429]


@pytest.fixture
def texting(app_config, sms_emu):
    provider = "aliyun"
    app = create_app({**app_config, **sms_settings(provider, sms_emu), "SMS_TEMPLATE_SIGNUP": "SMS_480006",
                      "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00"})
    db = connect(app.config["DATABASE"])
    yield app, db
    db.close()


def test_a_duplicate_is_answered_like_a_first_sign_up_and_the_existing_number_goes_by_text(texting, sms_emu):
    app, db = texting
    session = reception.open_sessions(db)[0]
    owner = Forms(app.test_client())
    first = owner.signup(session.id, sms_consent="y")
    mine = reference(owner.client.get(first.headers["Location"]))
    stranger = Forms(app.test_client())
    again = stranger.signup(session.id)  # the same phone, typed by someone else
    assert again.status_code == first.status_code == 303
    page = stranger.client.get(again.headers["Location"])
    assert page.status_code == 200 and mine not in text(page) and "短信发到这个电话" in text(page)
    assert "有您的座位" not in text(page) and "候补" not in text(page)  # no seat state either
    drain(delivery(app, db, Clock()))
    [sent] = [m for m in received(sms_emu) if m["template"] == "SMS_480006"]
    assert sent["phone"] == "+8613987654321" and sent["params"]["ref"] == mine
    assert [n["state"] for n in text_rows(db, kind="signup")] == ["sent"]


def test_the_receipt_page_is_only_for_the_browser_that_got_it(texting):
    app, db = texting
    session = reception.open_sessions(db)[0]
    Forms(app.test_client()).signup(session.id)
    stranger = Forms(app.test_client())
    location = stranger.signup(session.id).headers["Location"]
    other = app.test_client().get(location)
    assert other.status_code == 303 and "/forms/status" in other.headers["Location"]


def test_a_stranger_linking_someones_report_number_links_nothing(app, db, forms, client):
    victim_ref = reference(forms.client.get(forms.report().headers["Location"]))  # phone 138 1234 5678
    session = reception.open_sessions(db)[0]
    stranger = Forms(app.test_client())
    assert stranger.signup(session.id, linked_ref=victim_ref, phone="139 5555 0000").status_code == 303
    signup = db.execute("SELECT * FROM signups").fetchone()
    assert signup["linked_ref"] == victim_ref and signup["linked_ref_unknown"] == 1  # the steward sees 请核对
    assert reception.linked_report(db, signup) is None
    with app.app_context():
        edits.record_outcome(db, signup["id"], dt.date.today(), "是", "已经解决了", "已解决", actor="s1")
    victim = reports.by_ref(db, victim_ref)
    assert victim["status"] == "已受理" and "联合接待" not in victim["notes"]


def test_the_residents_own_sign_up_still_links_and_closes_the_case(app, db, forms):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    session = reception.open_sessions(db)[0]
    assert forms.signup(session.id, linked_ref=ref, phone="138 1234 5678").status_code == 303
    signup = db.execute("SELECT * FROM signups").fetchone()
    assert signup["linked_ref_unknown"] == 0 and reception.linked_report(db, signup)["ref"] == ref
    with app.app_context():
        edits.record_outcome(db, signup["id"], dt.date.today(), "是", "已经解决了", "已解决", actor="s1")
    assert reports.by_ref(db, ref)["status"] == "已解决"
