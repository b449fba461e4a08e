"""Issue 13, the forms side, over HTTP: urgency, reopened cases, references, 代办, confirmation copy,
the waiting list, WeChat and the site address, a number to call on every page, status words."""
import datetime as dt
import re
from pathlib import Path

import pytest
from icalendar import Calendar

from forms_app import create_app
from forms_app.core import clock, history, references
from forms_app.core.cases import STATUS_MEANINGS, STATUSES
from forms_app.delivery.sheet_layout import REPORTS, report_row
from forms_app.publishing import retention
from forms_app.residents import reports
from forms_app.views.status import progress
from tests.conftest import Forms, checked, reference, text
from tests import REPO_ROOT
from tests.samples import OFFICE_PHONE, STEWARD, STEWARD_PHONE, tel

OFFICE = OFFICE_PHONE             # data/directory.yaml street.office.phone
STEWARD_YANJI2 = STEWARD_PHONE["s5"]  # the steward of yanji2
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2171A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
             "Chrome/111.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN")


def submitted(forms, **changes):
    """Submit a report; (stored ref, confirmation page body)."""
    page = forms.client.get(forms.report(**changes).headers["Location"])
    return reference(page), text(page)


def row_of(db, ref):
    return db.execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()


def look(forms, ref, last4):
    return forms.submit("/forms/status", {"ref": ref, "last4": last4})


# --- 1. urgent: resident's tick OR an urgent category, everywhere the same ---------------------


@pytest.fixture(autouse=True)
def open_hours(clock_at):
    """Wednesday 2026-12-02 10:00: the 事务所 is open (out-of-hours wording: tests/residents/test_promises.py)."""
    return clock_at("2026-12-02T10:00:00+08:00")


@pytest.mark.parametrize("category, answer", [("leak", ["yes"]), ("lift", ["yes"]), ("garbage", ["no"]), ("", ["no"])])
def test_urgent_categories_default_to_urgent_on_the_server(client, category, answer):
    assert checked(text(client.get(f"/forms/report?category={category}")), "urgent") == answer


def test_the_form_names_the_urgent_categories_and_the_script_knows_them(client):
    body = text(client.get("/forms/report"))
    assert 'data-urgent-categories="leak lift"' in body and "漏水/渗水、电梯运行都按紧急处理" in body


def test_urgent_category_is_urgent_even_when_not_ticked(forms, db, app):
    ref, body = submitted(forms, category="leak", urgent="no")
    row = row_of(db, ref)
    assert row["urgent"] == 0 and row["first_contact_due"] == clock.now().date().isoformat()
    assert "今天下班前" in body and "这是紧急问题" in body and "漏水/渗水都按紧急处理" in body
    values = dict(zip(REPORTS.headers, report_row(row, app.extensions["directory"])))
    assert values["是否紧急"] == "紧急"


def test_non_urgent_confirmation_promises_the_stored_first_contact_day(forms, db):
    ref, body = submitted(forms, category="garbage", urgent="no")
    due = dt.date.fromisoformat(row_of(db, ref)["first_contact_due"])
    assert due > clock.now().date()
    sentence = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body.split('id="callback">')[1].split("</p>")[0]))
    assert sentence.strip() == f"最晚{clock.chinese_date(due)}下班前，{STEWARD['s5']}会用 {STEWARD_YANJI2} 给您打电话，请留意接听。"
    assert "这是紧急问题" not in body


def test_the_stewards_number_is_at_the_top_of_the_confirmation(forms):
    _, body = submitted(forms)
    panel = body.split('class="panel"')[1].split("<h2>")[0]
    assert f'href="{tel(STEWARD_YANJI2)}"' in panel and 'id="reference"' in panel


def test_alert_sentence_only_when_alerts_are_configured(forms, app_config):
    assert "已经收到提醒" not in submitted(forms, category="leak")[1]
    alerting = Forms(create_app({**app_config, "ALERT_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}).test_client())
    assert "大管家已经收到提醒" in submitted(alerting, category="leak")[1]


# --- 2. reopened cases: no stale note, the history, the call-back day ---------------------------

def reopen(db, ref, at="2026-12-01T10:00:00+08:00", due="2026-12-04"):
    """What an unsatisfied follow-up leaves behind (H8b writes it; the display must not depend on who)."""
    row = row_of(db, ref)
    with db:
        reports.apply_changes(db, row, {"status": "处理中", "reopened_at": at, "rehandle_due": due, "rehandled_at": ""},
                              history.RESIDENT)


def note(db, ref, words, at):
    row = row_of(db, ref)
    with db:
        db.execute("UPDATE reports SET public_note = ? WHERE id = ?", (words, row["id"]))
        history.record(db, row["id"], "s5", "public_note", row["public_note"], words, at=at)


def test_reopened_case_hides_the_stale_note_and_says_when_the_steward_calls(forms, db):
    ref, _ = submitted(forms)
    note(db, ref, "已修好，物业换了楼上的水管。", "2026-11-25T09:00:00+08:00")
    reopen(db, ref)
    body = text(look(forms, ref, "5678"))
    assert "已修好" not in body
    assert f"您12月1日说还没解决，{STEWARD['s5']}最晚12月4日（周五）下班前再联系您。" in body
    assert "12月1日</span> 您说问题还没有解决，重新处理。" in body
    assert 'id="status">处理中<' in body


def test_a_note_written_after_the_reopening_is_shown_with_the_whole_history(forms, db):
    ref, _ = submitted(forms)
    db.execute("UPDATE reports SET created_at = '2026-11-20T09:00:00+08:00' WHERE ref = ?", (ref,))
    note(db, ref, "已修好，物业换了楼上的水管。", "2026-11-25T09:00:00+08:00")
    reopen(db, ref)
    note(db, ref, "物业周三再来查楼上的管道。", "2026-12-02T09:00:00+08:00")
    body = text(look(forms, ref, "5678"))
    history_list = body.split('id="history"')[1].split("</ol>")[0]
    order = [history_list.index(w) for w in ("收到您反映的问题", "已修好", "还没有解决", "物业周三再来")]
    assert order == sorted(order)
    assert 'id="public-note">物业周三再来查楼上的管道。' in body and "reopen-note" not in body


def test_call_back_day_is_shown_until_the_first_contact(forms, db, app):
    ref, _ = submitted(forms, category="garbage")
    row = row_of(db, ref)
    due = dt.date.fromisoformat(row["first_contact_due"])
    body = text(look(forms, ref, "5678"))
    assert f"{STEWARD['s5']}最晚{clock.chinese_date(due)}下班前给您打电话。" in body
    with db:
        reports.apply_changes(db, row, {"first_contact_at": "2026-12-01 09:30", "status": "处理中"})
    assert 'id="next-call"' not in text(look(forms, ref, "5678"))


def test_progress_says_today_for_a_same_day_re_handling(app, forms, db):
    ref, _ = submitted(forms)
    today = clock.now().date()
    reopen(db, ref, at=clock.iso(clock.now()), due=today.isoformat())
    with app.app_context():
        words = progress(db, row_of(db, ref), app.extensions["directory"], today)
    assert words["reopen_line"] == f"您今天说还没解决，{STEWARD['s5']}今天下班前再联系您。" and words["note"] == ""


# --- 3. references: digits, a check digit, old ones still work ----------------------------------

def test_new_report_reference_is_digits_shown_in_fours(forms):
    ref, body = submitted(forms)
    assert references.kind_of(ref) == "report" and re.fullmatch(r"2\d{7}", ref)
    assert f'id="reference" class="reference">{ref[:4]} {ref[4:]}<' in body


@pytest.mark.parametrize("position", range(8))
def test_a_mistyped_digit_is_caught_before_any_look_up(forms, position):
    ref, _ = submitted(forms)
    typo = ref[:position] + str((int(ref[position]) + 3) % 10) + ref[position + 1:]
    response = look(forms, f"{typo[:4]} {typo[4:]}", "5678")
    assert response.status_code == 400 and "编号可能写错了一位" in text(response)
    assert f'value="{typo[:4]} {typo[4:]}"' in text(response)       # what was typed is kept


def test_too_few_digits_says_how_many(forms):
    response = look(forms, "2604 193", "5678")
    assert response.status_code == 400 and "编号是 8 个数字，您填了 7 个" in text(response)


def test_reference_typed_with_spaces_dashes_or_full_width_digits_is_found(forms):
    ref, _ = submitted(forms)
    for typed in (ref, f"{ref[:4]} {ref[4:]}", f"{ref[:4]}-{ref[4:]}", "".join(chr(ord(c) + 0xFEE0) for c in ref)):
        assert 'id="status">已受理<' in text(look(forms, typed, "5678")), typed


def test_old_letter_references_still_work_for_look_up_cancel_and_linking(forms, db):
    ref, _ = submitted(forms)
    db.execute("UPDATE reports SET ref = 'W7K3-M9P' WHERE ref = ?", (ref,))
    assert 'id="status">已受理<' in text(look(forms, "w7k3 m9p", "5678"))
    session = db.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    signup_ref = reference(forms.client.get(forms.signup(session, linked_ref="w7k3m9p").headers["Location"]))
    assert db.execute("SELECT linked_ref FROM signups").fetchone()[0] == "W7K3-M9P"
    db.execute("UPDATE signups SET ref = 'J4KM-7PX' WHERE ref = ?", (signup_ref,))
    assert "联合接待报名" in text(look(forms, "J4KM-7PX", "4321"))
    cancelled = forms.submit("/forms/reception/cancel", {"ref": "j4km-7px", "last4": "4321"})
    assert "已取消报名" in text(cancelled) and db.execute("SELECT state FROM signups").fetchone()[0] == "cancelled"


def test_look_up_lists_the_references_this_browser_sent(forms, app):
    first, _ = submitted(forms)
    second, _ = submitted(forms, category="garbage")
    body = text(forms.client.get("/forms/status"))
    listed = body.split('id="sent-refs"')[1].split("</ul>")[0]
    assert listed.index(references.display(second)) < listed.index(references.display(first))
    assert f'href="/forms/status?ref={first}#last4"' in listed and "反映的问题" in listed
    tapped = text(forms.client.get(f"/forms/status?ref={first}"))
    assert f'value="{references.display(first)}"' in tapped
    assert 'id="sent-refs"' not in text(app.test_client().get("/forms/status"))   # another browser sees none


# --- 4. 代办 ----------------------------------------------------------------------------------------

BEHALF = {"on_behalf": "y", "behalf_relation": "女儿", "behalf_consent": "y", "resident_name": "王阿姨",
          "resident_phone": "139 1234 5678", "contact_name": "小王", "phone": "138 0000 1111"}


def test_the_form_asks_first_and_relabels_for_behalf(client):
    own = text(client.get("/forms/report"))
    assert own.index("替自己还是替家人、邻居反映？") < own.index("您住在哪个小区")
    assert checked(own, "on_behalf") == ["no"]
    other = text(client.get("/forms/report?on_behalf=y"))
    assert ">住户住在哪个小区<" in other and ">住户住在哪里<" in other and checked(other, "on_behalf") == ["y"]
    for label in ("住户称呼（可不填）", "住户电话（可不填）", "大管家先打给谁"):
        assert label in other


def test_behalf_is_stored_confirmed_shown_to_stewards_and_sent_to_the_sheet(forms, db, app):
    ref, body = submitted(forms, **BEHALF, call_first="resident")
    row = row_of(db, ref)
    assert (row["channel"], row["resident_name"], row["resident_phone"], row["call_first"]) == ("代办", "王阿姨", "+8613912345678", "resident")
    assert "先给住户王阿姨（139 1234 5678）打电话，请提醒住户留意接听" in body
    cell = dict(zip(REPORTS.headers, report_row(row, app.extensions["directory"])))["代办关系"]
    assert cell == "女儿（本人已同意）；住户：王阿姨 139 1234 5678；先打给住户"
    # Either phone opens the look-up: the helper's and the resident's own.
    assert 'id="status">已受理<' in text(look(forms, ref, "1111"))
    assert 'id="status">已受理<' in text(look(forms, ref, "5678"))


def test_behalf_calling_the_helper_first_says_so(forms, db):
    ref, body = submitted(forms, **{**BEHALF, "resident_phone": ""}, call_first="helper")
    assert "给您打电话，请留意接听" in body and row_of(db, ref)["resident_phone"] == ""


def test_for_oneself_nothing_about_a_resident_is_kept(forms, db):
    ref, _ = submitted(forms, resident_name="王阿姨", resident_phone="139 1234 5678", call_first="resident")
    row = row_of(db, ref)
    assert (row["on_behalf"], row["resident_name"], row["resident_phone"], row["call_first"]) == (0, "", "", "")


def test_retention_removes_the_residents_name_and_phone(forms, db):
    ref, _ = submitted(forms, **BEHALF, call_first="resident", description="楼上漏水，王阿姨家天花板湿了一大片。")
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2020-01-01' WHERE ref = ?", (ref,))
    assert retention.run(db, 730)[0] == 1
    row = row_of(db, ref)
    assert (row["resident_name"], row["resident_phone"], row["call_first"], row["behalf_relation"]) == ("", "", "", "")
    assert "王阿姨" not in row["description"]


# --- 6. confirmation copy ------------------------------------------------------------------------

def test_who_handles_it_is_a_plain_list_not_a_garbled_sentence(forms):
    _, body = submitted(forms, category="leak")
    handles = body.split('id="who-handles"')[1].split("</li>\n</ol>")[0] if 'id="who-handles"' in body else ""
    assert "这类问题一般这样分工：" in handles and "<li>物业公司上门查看、找漏点</li>" in handles
    assert "等有关方面一起处理" not in body


# --- 7 & 8. the waiting list, WeChat, the site address ------------------------------------------

@pytest.fixture
def full(db):
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               "VALUES ('full', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 0)")
    return "full"


def test_waiting_list_place_is_amber_says_no_seat_and_has_no_calendar_file(forms, full, client):
    page = forms.client.get(forms.signup(full).headers["Location"])
    body, ref = text(page), reference(page)
    assert 'class="panel panel-waiting"' in body and "<title>候补第1位，还没有座位" in body
    assert "候补第1位，还没有座位" in body.split('id="details"')[1].split("</div>")[0]
    assert ".ics" not in body and "座位确定以后，才能加到手机日历" in body
    assert client.get(f"/forms/reception/{ref}.ics").status_code == 404


def test_confirmed_seat_gets_a_calendar_link_on_the_site_address(forms, db, app):
    session = db.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    page = forms.client.get(forms.signup(session).headers["Location"])
    site = app.extensions["directory"].street["site_url"].rstrip("/")
    assert f'id="ics-link" href="{site}/forms/reception/{reference(page)}.ics"' in text(page)
    cookie = forms.client.get_cookie(app.config["SESSION_COOKIE_NAME"])  # the .ics is for the browser that signed up
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value, domain="evil.example")
    ics = other.get(f"/forms/reception/{reference(page)}.ics", headers={"Host": "evil.example"})
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert f"{site}/forms/status?ref=" in str(event["description"]) and "evil.example" not in ics.get_data(as_text=True)
    assert str(event["summary"]).startswith("联合接待")


def test_inside_wechat_only_the_text_to_copy(forms, db):
    session = db.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    location = forms.signup(session).headers["Location"]
    body = text(forms.client.get(location, headers={"User-Agent": WECHAT_UA}))
    assert ".ics" not in body and 'id="details"' in body and "长按上面的文字复制" in body


def test_calendar_title_of_a_waiting_place_says_no_seat(app, forms, full, db):
    from forms_app.residents import calendar_file, reception
    forms.signup(full)
    signup = db.execute("SELECT * FROM signups").fetchone()
    body = calendar_file.for_signup(signup, reception.get_session(db, "full"), "https://yanji.example.cn/", position=1)
    assert str(Calendar.from_ical(body).walk("VEVENT")[0]["summary"]).startswith("候补第1位，还没有座位")


# --- 9. a number to call on every page ----------------------------------------------------------

@pytest.mark.parametrize("url, phone", [
    ("/forms/report", OFFICE), ("/forms/report?compound=yanji2", STEWARD_YANJI2), ("/forms/reception", OFFICE),
    ("/forms/status", OFFICE), ("/forms/reception/cancel", OFFICE), ("/forms/nowhere", OFFICE),
])
def test_every_form_page_says_call_us_under_its_title(client, url, phone):
    body = text(client.get(url))
    main = body.split("<main")[1]
    assert main.index("</h1>") < main.index('class="call-line"') < main.index("<form") if "<form" in main else True
    assert f'href="tel:{phone.replace(" ", "")}"' in main and phone in main


def test_429_and_500_pages_give_a_number(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOOKUP": "1 per minute"})

    @app.get("/forms/boom")
    def boom():
        raise RuntimeError("boom")
    forms = Forms(app.test_client())
    look(forms, "W222-333", "1234")
    limited = look(forms, "W222-333", "1234")
    assert limited.status_code == 429 and f'href="{tel(OFFICE)}"' in text(limited)
    broken = app.test_client().get("/forms/boom")
    assert broken.status_code == 500 and f'href="{tel(OFFICE)}"' in text(broken) and "Traceback" not in text(broken)


# --- smaller ------------------------------------------------------------------------------------

def test_headings_and_hints_do_not_contradict(client):
    body = text(client.get("/forms/report"))
    assert body.count(">是什么问题<") == 1 and "只给大管家用" not in body
    assert "居委会、业委会、物业" in body.split('class="privacy"')[1]


def test_status_words_are_one_list_for_the_status_page_and_the_knowledge_base(forms):
    assert tuple(STATUS_MEANINGS) == STATUSES
    ref, _ = submitted(forms)
    body = text(look(forms, ref, "5678"))
    progress_page = (REPO_ROOT / "docs" / "progress" / "index.md").read_text(encoding="utf-8")
    assert "[[statuses]]" in progress_page          # the KB renders the same list (hooks/markers.py)
    from hooks.markers import render_statuses
    table = render_statuses()
    for status, meaning in STATUS_MEANINGS.items():
        assert f"{status}：{meaning}" in body
        assert f"| **{status}** | {meaning} |" in table, status


@pytest.mark.parametrize("alerts", [False, True])
def test_reopened_thanks_page_says_an_alert_went_out_only_when_one_did(app, forms, db, alerts):
    from flask import render_template
    ref, _ = submitted(forms)
    app.config["ALERTS_ENABLED"] = alerts
    with app.test_request_context("/forms/status/followup"):
        page = render_template("status/followup_done.html", row=row_of(db, ref), reopened=True, already=False,
                               reopen_line=f"您12月1日说还没解决，{STEWARD['s5']}最晚12月4日（周五）再联系您。")
    assert ("大管家已经收到提醒" in page) is alerts
    assert f"您12月1日说还没解决，{STEWARD['s5']}最晚12月4日（周五）再联系您。" in page
