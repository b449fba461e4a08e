"""The sessions editor in real Chromium at a phone viewport: a steward adds a session, a resident sees it."""
import datetime as dt

import pytest

from forms_app.core import clock
from forms_app.core.store import connect
from tests.browser import assert_accessible
from tests.conftest import add_accounts, browser_sign_in
from tests.server import gunicorn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("sessions") / "store.sqlite3")
    add_accounts(db)
    env = {"DATABASE": db, "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "0"}
    with gunicorn(env, workers=1) as url:
        yield url, db


def sign_in(page, base, path):
    """The one place this file signs a steward in: the account s1 (conftest's accounts and helper)."""
    browser_sign_in(page, base, "s1", path)


def test_steward_adds_a_session_on_a_phone_and_a_resident_can_sign_up(server, phone_page):
    base, db = server
    day = clock.now().date() + dt.timedelta(days=20)
    sign_in(phone_page, base, "/forms/steward/sessions/new")
    assert_accessible(phone_page)
    phone_page.get_by_label("开始时间").fill("9:00")
    phone_page.get_by_label("结束时间").fill("8:00")
    phone_page.get_by_role("button", name="保存").click()
    assert phone_page.locator(".error-summary").is_visible()          # date missing, end before start, …
    summary = phone_page.locator(".error-summary").inner_text()
    assert "请填写日期" in summary and "结束时间要晚于开始时间" in summary and "请至少选一个参加单位" in summary
    assert phone_page.get_by_label("开始时间").input_value() == "9:00"  # what was typed stays
    assert_accessible(phone_page)
    phone_page.get_by_label("日期").fill(day.isoformat())
    phone_page.get_by_label("结束时间").fill("11:30")
    phone_page.get_by_label("地点", exact=True).select_option("other")
    phone_page.get_by_label("其他地点").fill("控江东三村居委会活动室")
    phone_page.get_by_label("居委会").check()
    phone_page.get_by_label("法治专员").check()
    phone_page.get_by_label("名额").fill("8")
    phone_page.get_by_label("是，居民可以报名").check()
    phone_page.get_by_role("button", name="保存").click()
    assert "已保存" in phone_page.locator("#saved").inner_text()
    assert_accessible(phone_page)
    conn = connect(db)
    assert conn.execute("SELECT place, capacity, parties FROM sessions").fetchone()[:] == \
        ("控江东三村居委会活动室", 8, "居委会、法治专员")
    conn.close()
    phone_page.goto(base + "/forms/reception")
    assert "控江东三村居委会活动室" in phone_page.content() and "还有 8 个名额" in phone_page.content()
