"""A steward registers a case (every channel): one case, its outbox rows, the resident's look-up; no phone."""
import re

import pytest

from forms_app.casework import intake
from forms_app.core import clock, history, outbox
from forms_app.residents import reports
from tests.conftest import Forms, hidden_fields, reference, text, without_refs
from tests.conftest import add_accounts, checked, sign_in
from tests.samples import STEWARD

NEW = "/forms/steward/reports/new"
SESSION = "2099-01-03-am"
INTAKE = {"channel": "电话", "compound": "yanji2", "building": "55号", "room": "601", "category": "garbage",
          "description": "楼道里的垃圾三天没人清运了。", "contact_name": "王阿姨", "phone": "138 1234 5678",
          "abroad_consent": "y"}  # asked only when the stewards' table is Google (abroad); ignored otherwise


@pytest.fixture
def app_config(app_config):
    """The steward pages (on once an account exists)."""
    return app_config


def sign_in_steward(forms, account: str = "s1"):
    """THE one way these tests sign a steward in: the accounts s1…s5 and 'duban', then the real form."""
    add_accounts(forms.client.application.config["DATABASE"])
    response = sign_in(forms.client, account)
    assert response.status_code == 303
    return forms


@pytest.fixture
def steward(forms):
    return sign_in_steward(forms)


def register(forms, **changes):
    """Submit the intake form; the response."""
    data = {k: v for k, v in {**INTAKE, **changes}.items() if v is not None}
    if data.get("channel") == "12345转办":
        data.setdefault("ticket_no", "2026120700001")  # a 12345 case carries the hotline's ticket number
    return forms.submit(NEW, data)


def look_up(app, ref, last4):
    """The resident's own look-up, from another browser."""
    return Forms(app.test_client()).submit("/forms/status", {"ref": ref, "last4": last4})


@pytest.mark.parametrize("channel", intake.CHANNELS)
def test_every_channel_makes_one_case_found_by_the_residents_lookup(app, steward, db, channel):
    response = register(steward, channel=channel)
    assert response.status_code == 303
    done = steward.client.get(response.headers["Location"])
    ref = reference(done)
    assert 'class="reference"' in text(done) and "回执" in text(done) and "最后四位" in text(done)
    [row] = db.execute("SELECT * FROM reports").fetchall()
    assert (row["ref"], row["channel"], row["taken_by"], row["phone"]) == (ref, channel, "s1", "+8613812345678")
    assert row["first_contact_due"] and row["resolve_due"]
    items = db.execute("SELECT kind, row_id FROM outbox").fetchall()
    assert [tuple(i) for i in items] == [("report", row["id"])]  # not urgent: no alert
    assert [(h["actor"], h["field"], h["new"]) for h in history.for_report(db, row["id"])] == [("s1", "created", channel)]
    found = look_up(app, ref, "5678")
    assert found.status_code == 200 and '<p class="status" id="status">已受理</p>' in text(found)


@pytest.mark.parametrize("changes", [{"urgent": "y"}, {"category": "leak"}])
def test_urgent_as_the_online_form_decides_it_alerts(steward, db, changes):
    register(steward, **changes)
    [row] = db.execute("SELECT * FROM reports").fetchall()
    kinds = sorted(i[0] for i in db.execute("SELECT kind FROM outbox"))
    assert kinds == ["alert", "report"]
    assert row["first_contact_due"] == row["created_at"][:10]  # urgent: contact the same day


def test_a_second_tap_stores_once(steward, db):
    page = steward.client.get(NEW)
    fields = {**hidden_fields(text(page)), **INTAKE}
    first = steward.client.post(NEW, data=fields)
    second = steward.client.post(NEW, data=fields)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_no_phone_is_accepted_and_never_matched_by_the_lookup(app, steward, db):
    response = register(steward, phone="", contact_name="")
    assert response.status_code == 303
    done = text(steward.client.get(response.headers["Location"]))
    assert "网上查不了进度" in done
    [row] = db.execute("SELECT * FROM reports").fetchall()
    assert row["phone"] == "" and row["contact_name"] == ""
    for last4 in ("0000", "5678", "----"):
        assert look_up(app, row["ref"], last4).status_code in (400, 404)
    assert not reports.phone_matches(row, "----") and not reports.phone_matches(row, "")
    case_page = text(steward.client.get(f"/forms/steward/reports/{row['ref']}"))
    assert "居民没有留电话" in case_page


def test_from_a_joint_reception_the_session_is_linked(steward, db):
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               f"VALUES ('{SESSION}', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 2)")
    outcomes = text(steward.client.get(f"/forms/steward/sessions/{SESSION}/outcomes"))
    link = re.search(r'<a[^>]*id="intake-link"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*id="intake-link"', outcomes)
    assert "为没有编号的居民登记" in outcomes and link
    url = (link.group(1) or link.group(2)).replace("&amp;", "&")
    page = text(steward.client.get(url))
    assert re.search(r'value="联合接待"[^>]*checked|checked[^>]*value="联合接待"', page)
    data = {**hidden_fields(page), **{k: v for k, v in INTAKE.items() if k != "channel"}, "channel": "联合接待",
            "session_id": re.search(r'name="session_id"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="session_id"', page).group(1)
            or SESSION}
    response = steward.client.post(url, data=data)
    assert response.status_code == 303
    row = db.execute("SELECT * FROM reports").fetchone()
    assert (row["channel"], row["session_id"]) == ("联合接待", SESSION)
    assert "回到接待结果" in text(steward.client.get(response.headers["Location"]))


@pytest.mark.parametrize("changes, message", [
    ({"channel": None}, "请选择来源"),
    ({"channel": "微信群"}, "请从列表里选择来源。"),
    ({"compound": ""}, "请选择小区。"),
    ({"compound": "nowhere"}, "请从列表里选择小区。"),
    ({"building": ""}, "请填写楼号"),
    ({"building": "1" * 21}, "楼号太长了"),
    ({"category": ""}, "请选择问题类别"),
    ({"category": "ufo"}, "请从列表里选择问题类别。"),
    ({"description": ""}, "请写一下居民说的情况。"),
    ({"description": "漏水"}, "情况说明太短了"),
    ({"contact_name": "王" * 21}, "称呼太长了"),
    ({"phone": "12345"}, "联系电话不对"),
    ({"room": "6" * 21}, "室号太长了"),
])
def test_bad_input_names_the_field_keeps_what_was_typed_and_stores_nothing(steward, db, changes, message):
    response = register(steward, **changes)
    body = text(response)
    assert response.status_code == 400 and message in body and 'class="error-summary"' in body
    assert "楼道里的垃圾三天没人清运了。" in body or changes.get("description") is not None
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    assert outbox.backlog(db) == 0


def test_intake_needs_a_signed_in_steward(client, db):
    add_accounts(client.application.config["DATABASE"])
    response = Forms(client).submit(NEW, INTAKE)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


@pytest.mark.parametrize("path", ["/forms/steward/reports/new", "/forms/steward/supervise",
                                  "/forms/steward/reports/{ref}/registered", "/forms/steward/reports/{ref}/consultation"])
def test_new_pages_need_sign_in(app, client, steward, db, path):
    ref = reference(steward.client.get(register(steward).headers["Location"]))
    response = app.test_client().get(path.format(ref=ref))
    assert response.status_code == 302 and "/forms/steward/login" in response.headers["Location"]
    assert "王阿姨" not in text(response) and "5678" not in without_refs(text(response))


# --- photos and text consent on a steward's intake ----------------------------------------------------

def test_a_photo_the_resident_brought_is_stored_with_the_case_without_its_location(steward, db, app):
    import io

    from PIL import Image

    from forms_app.residents import photos
    from tests.photo_samples import gps_jpeg

    response = register(steward, photos=(io.BytesIO(gps_jpeg()), "leak.jpg"))
    assert response.status_code == 303
    [row] = db.execute("SELECT * FROM reports").fetchall()
    [photo] = photos.for_report(db, row["id"])
    assert photo["origin"] == "intake"
    page = text(steward.client.get(f"/forms/steward/reports/{row['ref']}"))
    assert photo["name"] in page  # the steward sees it on the case page
    served = steward.client.get(f"/forms/steward/photos/{photo['name']}")
    assert served.status_code == 200 and "no-store" in served.headers["Cache-Control"]
    assert not Image.open(io.BytesIO(served.data)).getexif()  # re-encoded: no EXIF, no GPS


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(steward, db):
    import io

    response = register(steward, photos=(io.BytesIO(b"%PDF-1.7 not a photo"), "scan.jpg"))
    assert response.status_code == 400
    body = text(response)
    assert "第1张" in body and "楼道里的垃圾三天没人清运了。" in body  # named, and what was typed kept
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


@pytest.mark.parametrize("changes, consent", [
    ({"sms_consent": "y"}, 1),                   # a phone, and the resident agreed
    ({}, 0),                                     # unticked
    ({"sms_consent": "y", "phone": ""}, 0),      # no phone: nothing to text
])
def test_text_consent_is_stored_only_with_a_phone(app_config, db, changes, consent):
    from types import SimpleNamespace

    from forms_app import create_app
    from tests.sms_emulator.fixtures import sms_settings

    texting = create_app({**app_config, **sms_settings("aliyun", SimpleNamespace(endpoint="127.0.0.1:9"))})
    steward = sign_in_steward(Forms(texting.test_client()))
    assert 'name="sms_consent"' in text(steward.client.get(NEW))
    assert register(steward, **changes).status_code == 303
    assert db.execute("SELECT sms_consent FROM reports").fetchone()[0] == consent


def test_no_text_consent_is_asked_or_stored_when_texting_is_off(steward, db):
    assert 'name="sms_consent"' not in text(steward.client.get(NEW))
    assert register(steward, sms_consent="y").status_code == 303
    assert db.execute("SELECT sms_consent FROM reports").fetchone()[0] == 0


def test_the_intake_offers_the_stewards_doors_only(steward, db):
    page = text(steward.client.get(NEW))
    offered = [re.search(r'value="([^"]+)"', tag).group(1) for tag in re.findall(r'<input[^>]*name="channel"[^>]*>', page)]
    assert offered == list(intake.CHANNELS)  # 电话, 来访 … 其他; never the online form's 网页/二维码/代办
    response = register(steward, channel="网页")  # the online form's own door: not a steward's
    assert response.status_code == 400 and "请从列表里选择来源" in text(response)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


# --- The steward's own contact is the first contact (issue 20, item 1) -------------------------------

def slip(steward, response) -> str:
    page = text(steward.client.get(response.headers["Location"]))
    return re.search(r'id="slip".*?</section>', page, re.S).group(0)


@pytest.mark.parametrize("channel", intake.IN_PERSON)
def test_a_steward_who_spoke_to_the_resident_records_the_first_contact_at_once(steward, db, channel):
    response = register(steward, channel=channel, contacted="y")
    row = db.execute("SELECT * FROM reports").fetchone()
    assert row["first_contact_at"][:10] == clock.now().strftime("%Y-%m-%d")
    page = text(steward.client.get(f"/forms/steward/reports/{row['ref']}"))
    assert "先行联系按时" in page and "先行联系今天到期" not in page and "先行联系还有" not in page
    listing = text(steward.client.get("/forms/steward?f=1"))
    assert "未联系" not in listing and "先行联系" not in listing.split('id="worklist"')[1]
    words = slip(steward, response)
    assert "今天已经听您说过了" in words and "之前" not in words and "打电话。" not in words


@pytest.mark.parametrize("channel", ["居委会转来", "12345转办"])
def test_a_referral_still_owes_the_first_call(steward, db, channel):
    register(steward, channel=channel, contacted="y")
    assert db.execute("SELECT first_contact_at FROM reports").fetchone()[0] == ""


def test_the_box_is_on_by_default_and_unticked_means_not_yet_contacted(steward, db):
    form = text(steward.client.get(NEW))
    assert checked(form, "contacted")
    response = register(steward)  # the box unticked: a browser sends nothing
    assert db.execute("SELECT first_contact_at FROM reports").fetchone()[0] == ""
    words = slip(steward, response)
    assert "之前" not in words and ("今天会给您打电话" in words or "最晚" in words)


def test_an_urgent_case_not_yet_contacted_promises_a_call_today_never_before_today(office_hours_now, steward, db):
    words = slip(steward, register(steward, urgent="y"))
    assert f"{STEWARD['s5']}今天下班前给您打电话。" in words and "之前" not in words


def test_an_urgent_case_registered_after_hours_promises_the_next_opening(clock_at, steward, db):
    clock_at("2026-12-08T19:00:00+08:00")  # Tuesday evening (words: residents/promises.py)
    words = slip(steward, register(steward, urgent="y"))
    assert f"现在是下班时间，{STEWARD['s5']}最晚12月9日（周三）上午联系您。" in words and "之前" not in words


def test_a_walk_in_without_a_phone_gets_a_slip_that_promises_no_call(steward, db, app):
    office = app.extensions["directory"].street["office"]
    words = slip(steward, register(steward, channel="来访", phone="", contact_name="", contacted="y"))
    assert "打电话" not in words.replace("打上面大管家的电话", "")
    assert f"到{office['name']}来问" in words and office["hours"] in words and "请留意" in words


def test_the_slip_of_a_case_from_before_the_due_column_keeps_its_categorys_deadline(clock_at, tmp_path, app_config):
    from forms_app import create_app
    from forms_app.core.store import connect
    from tests.conftest import directory_file, slow_garbage

    app = create_app({**app_config, "DIRECTORY_FILE": directory_file(tmp_path, slow_garbage)})
    clock_at("2026-12-08T10:00:00+08:00")  # Tuesday; 垃圾 has 3 working days to first contact (the street: 1)
    steward, db = sign_in_steward(Forms(app.test_client())), connect(app.config["DATABASE"])
    ref = reference(steward.client.get(register(steward, category="garbage").headers["Location"]))
    db.execute("UPDATE reports SET first_contact_due = '' WHERE ref = ?", (ref,))  # as a row from before the column
    db.close()
    slip = text(steward.client.get(f"/forms/steward/reports/{ref}/registered")).split('id="slip"')[1]
    assert "12月11日（周五）" in slip and "12月9日" not in slip
