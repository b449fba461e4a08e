"""Promises by the clock: what the resident is told, worded from the actual time (residents/promises.py)."""
import datetime as dt
import re

import pytest

from forms_app.core import clock, deadlines, directory, office_hours
from forms_app.core.directory import DirectoryError
from tests.conftest import add_accounts, reference, sign_in, text
from tests.samples import DIRECTORY, LATE_PHONE, OFFICE_PHONE, STEWARD, STEWARD_PHONE, shown

CHEN = STEWARD['s1']            # steward of 敦化路小区 (dunhualu): 周一、周三、周五 9:00–11:30
CHEN_PHONE = STEWARD_PHONE["s1"]
# OFFICE_PHONE: the 事务所, 周一至周五 8:30–17:00
PROPERTY_PHONE = shown(DIRECTORY.compounds["dunhualu"].property_company.phone)  # 敦化路小区的物业


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def part(body: str, element_id: str) -> str:
    """The plain text of the element with this id (up to its paragraph or block's end)."""
    start = body.index(f'id="{element_id}"')
    end = body.index("</div>" if element_id == "call-now" else "</p>", start)
    return plain(body[body.index(">", start) + 1:end])


def submit(forms, **changes):
    page = forms.client.get(forms.report(compound="dunhualu", **changes).headers["Location"])
    return reference(page), text(page)


def progress(forms, ref):
    return text(forms.submit("/forms/status", {"ref": ref, "last4": "5678"}))


def row_of(db, ref):
    return db.execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()


# --- Saturday 22:30, an urgent leak ----------------------------------------------------------------

def test_saturday_night_leak_gets_what_to_do_now_first_and_monday_morning(clock_at, forms, db):
    clock_at("2026-12-05T22:30:00+08:00")  # Saturday
    ref, body = submit(forms, category="leak", urgent="yes")
    assert body.index('id="call-now"') < body.index('id="callback"')
    now = part(body, "call-now")
    assert "先关总水阀" in now and PROPERTY_PHONE in now and LATE_PHONE in now
    assert f'href="tel:{PROPERTY_PHONE.replace(" ", "")}"' in body
    assert part(body, "callback") == f"现在是下班时间，{CHEN}最晚12月7日（周一）上午会用 {CHEN_PHONE} 给您打电话，请留意接听。"
    assert "今天下班前" not in body
    # The stewards' clock is unchanged: urgent = the day it came in (they are alerted at once).
    assert row_of(db, ref)["first_contact_due"] == "2026-12-05"


def test_urgent_in_office_hours_gives_the_property_number_but_no_night_line(clock_at, forms):
    clock_at("2026-12-08T10:00:00+08:00")  # Tuesday, the 事务所 is open
    _, body = submit(forms, category="leak", urgent="yes")
    now = part(body, "call-now")
    assert PROPERTY_PHONE in now and LATE_PHONE not in now
    assert part(body, "callback") == f"今天下班前，{CHEN}会用 {CHEN_PHONE} 给您打电话，请留意接听。"


def test_a_non_urgent_report_has_no_call_now_block(clock_at, forms):
    clock_at("2026-12-05T22:30:00+08:00")
    _, body = submit(forms, category="garbage", urgent="no")
    assert 'id="call-now"' not in body
    assert part(body, "callback") == f"现在是下班时间，{CHEN}最晚12月7日（周一）下班前会用 {CHEN_PHONE} 给您打电话，请留意接听。"


# --- a public holiday ------------------------------------------------------------------------------

def test_on_a_public_holiday_the_promise_is_the_first_working_day(clock_at, forms, db):
    clock_at("2026-10-02T11:00:00+08:00")  # 国庆 (Friday)
    ref, body = submit(forms, category="garbage", urgent="no")
    due = dt.date.fromisoformat(row_of(db, ref)["first_contact_due"])
    assert due == dt.date(2026, 10, 8) and clock.is_working_day(due)  # 10-1…10-7 off, 10-8 the first working day
    assert part(body, "callback") == f"现在是下班时间，{CHEN}最晚10月8日（周四）下班前会用 {CHEN_PHONE} 给您打电话，请留意接听。"
    _, urgent = submit(forms, category="leak", urgent="yes")
    assert f"{CHEN}最晚10月8日（周四）上午会用" in part(urgent, "callback") and LATE_PHONE in part(urgent, "call-now")


# --- the day after a missed promise ----------------------------------------------------------------

def test_the_day_after_a_missed_promise_says_whom_to_call_and_stewards_see_it_late(clock_at, forms, db, app):
    clock_at("2026-12-07T10:00:00+08:00")  # Monday
    ref, body = submit(forms, category="garbage", urgent="no")
    assert part(body, "callback").startswith(f"最晚12月8日（周二）下班前，{CHEN}会用")
    clock_at("2026-12-08T10:00:00+08:00")
    assert part(progress(forms, ref), "next-call") == f"{CHEN}今天下班前给您打电话。"
    clock_at("2026-12-09T10:00:00+08:00")  # the day after
    page = progress(forms, ref)
    line = part(page, "next-call")
    assert line.startswith("本应12月8日前联系您。还没接到电话，请打 ")
    assert CHEN_PHONE in line and OFFICE_PHONE in line and "最晚12月8日" not in page
    assert 'id="next-call" class="overdue"' in page
    # The same evening of the promised day already counts as missed (the last opening has passed).
    clock_at("2026-12-08T18:00:00+08:00")
    line = part(progress(forms, ref), "next-call")
    assert line.startswith("本应12月8日前联系您。") and "现在是下班时间，12月9日（周三）08:30以后有人接。" in line
    # The stewards see the case overdue.
    assert deadlines.summary(row_of(db, ref), app.extensions["directory"], dt.date(2026, 12, 9)) == "先行联系超时 1 个工作日"
    add_accounts(app.config["DATABASE"])
    clock_at("2026-12-09T10:00:00+08:00")
    sign_in(forms.client, "s1")
    assert "先行联系超时 1 个工作日" in forms.client.get(f"/forms/steward/reports/{ref}").get_data(as_text=True)


# --- across the new year: 2027-01-04 ----------------------------------------------------------------

def test_new_year_promises_2027_01_04_and_keep_it_that_day(clock_at, forms, db):
    clock_at("2026-12-31T16:00:00+08:00")  # Thursday; 元旦 2027 (statutory fallback) is Friday
    ref, body = submit(forms, category="garbage", urgent="no")
    assert row_of(db, ref)["first_contact_due"] == "2027-01-04"
    assert part(body, "callback").startswith(f"最晚1月4日（周一）下班前，{CHEN}会用")
    clock_at("2027-01-04T10:00:00+08:00")
    assert part(progress(forms, ref), "next-call") == f"{CHEN}今天下班前给您打电话。"
    fresh, body = submit(forms, category="garbage", urgent="no")
    assert row_of(db, fresh)["first_contact_due"] == "2027-01-05"
    clock_at("2027-01-05T09:00:00+08:00")
    assert part(progress(forms, ref), "next-call").startswith("本应1月4日前联系您。")


def test_new_years_day_2027_is_a_rest_day_for_promises(clock_at, forms):
    clock_at("2027-01-01T10:00:00+08:00")  # Friday, 元旦 (statutory, provisional)
    _, body = submit(forms, category="leak", urgent="yes")
    assert f"现在是下班时间，{CHEN}最晚1月4日（周一）上午会用" in part(body, "callback")


# --- a reopened urgent case ----------------------------------------------------------------------

def test_a_reopened_urgent_case_keeps_the_urgent_clock_and_the_call_now_line(clock_at, forms, db, app):
    clock_at("2026-12-05T22:30:00+08:00")
    ref, _ = submit(forms, category="leak", urgent="yes")
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-12-07', first_contact_at = '2026-12-07 09:00', "
               "followup_due = 1")
    clock_at("2026-12-12T21:00:00+08:00")  # Saturday night: "还在滴水"
    from tests.residents.test_followup import answer

    done = answer(forms, ref, outcome="没有解决", comment="还在滴水")
    body = text(done)
    row = row_of(db, ref)
    assert row["rehandle_due"] == "2026-12-12"  # urgent: the same day, not three working days
    assert "现在是下班时间，" + CHEN + "最晚12月14日（周一）上午再联系您。" in plain(body)
    assert 'id="call-now"' in body and LATE_PHONE in part(body, "call-now")
    look = progress(forms, ref)
    assert 'id="call-now"' in look and "先关总水阀" in part(look, "call-now")


# --- the hours themselves ----------------------------------------------------------------------

def test_hours_are_read_from_the_directory_words():
    hours = office_hours.parse("周二、周四 9:00–11:30，周六 9:00–11:00")
    assert hours.slots[1] == ((dt.time(9), dt.time(11, 30)),) and hours.slots[0] == ()
    assert office_hours.parse("周一至周五 8:30–17:00").slots[4] == ((dt.time(8, 30), dt.time(17)),)
    sat = dt.datetime(2026, 12, 5, 10, tzinfo=clock.SHANGHAI)
    assert office_hours.is_open([hours], sat)
    holiday_sat = dt.datetime(2026, 10, 3, 10, tzinfo=clock.SHANGHAI)   # 国庆: closed even on its Saturday hours
    assert not office_hours.is_open([hours], holiday_sat)


@pytest.mark.parametrize("words", ["周一到周五", "8:30–17:00", "周八 9:00–10:00", "周一 17:00–9:00", "周五至周一 9:00–10:00",
                                   "周一 25:00–26:00", ""])
def test_unreadable_hours_are_refused(words):
    with pytest.raises(ValueError):
        office_hours.parse(words)


def test_a_directory_with_unreadable_hours_names_the_steward():
    import yaml

    data = yaml.safe_load(directory.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["stewards"][0]["hours"] = "看情况"
    with pytest.raises(DirectoryError, match="大管家 s1 的 hours"):
        directory.parse(data)


def test_the_texts_date_is_the_promised_day(clock_at, forms, db, app):
    from forms_app.residents import promises

    clock_at("2026-12-05T22:30:00+08:00")
    ref, _ = submit(forms, category="leak", urgent="yes")
    row = row_of(db, ref)
    assert row["first_contact_due"] == "2026-12-05"
    assert promises.promised_day(row, app.extensions["directory"]) == dt.date(2026, 12, 7)  # the 受理 text's day


def test_the_printed_slip_words_the_promise_from_the_time(clock_at, forms, db, app):
    from tests.views.test_steward_intake import INTAKE, NEW, sign_in_steward

    clock_at("2026-12-05T10:30:00+08:00")  # Saturday morning: 陈静 does not work on Saturdays, nor the 事务所
    steward = sign_in_steward(forms)
    done = steward.client.get(steward.submit(NEW, {**INTAKE, "compound": "dunhualu", "category": "leak"}).headers["Location"])
    slip = text(done).split('id="slip"')[1].split("</section>")[0]
    assert f"现在是下班时间，{CHEN}最晚12月7日（周一）上午联系您。" in plain(slip)
    assert PROPERTY_PHONE in slip and LATE_PHONE in slip


# --- a case from before the due column: its category's own deadline, never the street's -----------

@pytest.fixture
def slow_garbage_app(tmp_path, app_config):
    from forms_app import create_app
    from tests.conftest import directory_file, slow_garbage

    return create_app({**app_config, "DIRECTORY_FILE": directory_file(tmp_path, slow_garbage)})


def test_a_case_from_before_the_due_column_is_promised_by_its_categorys_deadline(clock_at, slow_garbage_app):
    from forms_app.core.store import connect
    from forms_app.residents import promises
    from tests.conftest import Forms

    clock_at("2026-12-08T10:00:00+08:00")  # Tuesday; 垃圾 has 3 working days to first contact (the street: 1)
    forms, db = Forms(slow_garbage_app.test_client()), connect(slow_garbage_app.config["DATABASE"])
    ref, _ = submit(forms, category="garbage", urgent="no")
    assert row_of(db, ref)["first_contact_due"] == "2026-12-11"
    db.execute("UPDATE reports SET first_contact_due = '' WHERE ref = ?", (ref,))  # as a row from before the column
    directory = slow_garbage_app.extensions["directory"]
    assert promises.for_case(row_of(db, ref), directory).day == dt.date(2026, 12, 11)
    assert promises.promised_day(row_of(db, ref), directory) == dt.date(2026, 12, 11)
    db.close()
    assert "12月11日（周五）" in progress(forms, ref)
