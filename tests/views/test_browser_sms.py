"""A resident in Chromium at 375x667 with WeChat's user agent: "短信通知我" is ticked by default and
can be unticked; the text that then goes (official SDK → emulator) carries no name; the steward's
case page lists it. axe-core checks the pages."""

import pytest

from forms_app import create_app
from forms_app.core.store import connect
from forms_app.delivery.sms import SmsDelivery
from tests.browser import WECHAT, assert_accessible, fill_report
from tests.conftest import add_accounts, browser_sign_in
from tests.server import gunicorn
from tests.sms_emulator import start_emulator
from tests.sms_emulator.fixtures import sms_settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sms():
    with start_emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def server(tmp_path_factory, sms):
    db = str(tmp_path_factory.mktemp("sms") / "store.sqlite3")
    settings = {**sms_settings("aliyun", sms), "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00"}
    env = {"DATABASE": db, "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "1", **{k: str(v) for k, v in settings.items()}}
    add_accounts(db)
    with gunicorn(env, workers=1) as url:
        yield url, db, settings


@pytest.fixture
def wechat(browser):
    context = browser.new_context(**WECHAT)
    yield context.new_page()
    context.close()


def send_texts(db: str, settings: dict) -> None:
    """What the worker does: deliver the queued texts through the official SDK."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t" * 32, "DATABASE": db, **settings})
    conn = connect(db)
    SmsDelivery.from_config(conn, app.config, timeout=2.0).deliver()
    conn.close()


def test_report_form_asks_for_texts_ticked_by_default_and_the_text_names_no_one(wechat, server, sms, browser):
    base, db, settings = server
    wechat.goto(f"{base}/forms/report?compound=yanji2")
    box = wechat.get_by_label("短信通知我")
    assert box.is_checked()
    assert "短信里只有编号、进展和大管家的电话" in wechat.locator(".privacy").inner_text()
    assert_accessible(wechat)
    reference = fill_report(wechat, category="垃圾厢房与环境卫生", phone="139 1111 2222")
    send_texts(db, settings)
    [text] = [m for m in sms.messages() if m["phone"] == "+8613911112222"]
    assert text["params"]["ref"] == reference and "王阿姨" not in str(text["params"])
    # The steward sees it on the case page.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    browser_sign_in(desk, base, "s5", path=f"/forms/steward/reports/{reference}")
    row = desk.locator("#texts tbody tr").first
    assert "受理" in row.inner_text() and "已发送" in row.inner_text()
    assert_accessible(desk)
    context.close()


def test_a_resident_can_untick_it_on_the_sign_up_form(wechat, server, sms):
    base, db, settings = server
    wechat.goto(f"{base}/forms/reception")
    wechat.locator("input[name=session]").first.check()
    wechat.get_by_label("怎么称呼您").fill("李先生")
    wechat.get_by_label("联系电话").fill("139 3333 4444")
    wechat.get_by_label("您住在哪个小区").select_option("kongjiangdong3")
    wechat.get_by_label("想谈什么问题").fill("我们楼想加装电梯，想问问怎么征询意见。")
    box = wechat.get_by_label("短信通知我")
    assert box.is_checked()
    box.uncheck()
    assert_accessible(wechat)
    wechat.get_by_label("我已看过隐私说明").check()
    wechat.get_by_role("button", name="报名").click()
    wechat.locator("#reference").wait_for()
    conn = connect(db)
    assert conn.execute("SELECT sms_consent FROM signups WHERE phone = '+8613933334444'").fetchone()[0] == 0
    conn.close()
