"""A steward in real Chromium: sign in, filter, update a report the resident then sees; the sign-in sheet."""
import re

import pytest

from forms_app.core import references
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.core.store import connect
from tests.browser import DESKTOP, assert_accessible, fill_report, steward_server
from tests.conftest import browser_sign_in
from tests.residents.test_reports import DATA
from tests.samples import STEWARD

pytestmark = pytest.mark.browser
# The stewards' phones: a small screen, inside WeChat's browser.
WECHAT_PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
                "locale": "zh-CN", "user_agent": "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) "
                "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, store path) of a gunicorn with the stewards' pages on."""
    with steward_server(tmp_path_factory, "steward") as served:
        yield served


@pytest.fixture
def store(server):
    conn = connect(server[1])
    yield conn
    conn.close()


@pytest.fixture
def desk(browser):
    """A desktop-size page (the stewards' office computer)."""
    context = browser.new_context(**DESKTOP)
    yield context.new_page()
    context.close()


def sign_in(page, base, path="/forms/steward", account="s1"):
    """Open a steward page, get sent to the sign-in page, sign in with an account."""
    browser_sign_in(page, base, account, path)


def test_steward_updates_a_report_and_the_resident_sees_it(server, store, desk, phone_page):
    base = server[0]
    phone_page.goto(f"{base}/forms/report?compound=yanji5")
    ref = fill_report(phone_page, category="漏水/渗水", phone="139 1111 2222")
    other, _ = reports.create(store, "e" * 32, DATA)
    sign_in(desk, base, account="s2")  # 王海: yanji5 is theirs, so it is on their first list
    assert desk.locator("#worklist").is_visible()
    assert_accessible(desk)
    desk.get_by_label("小区").select_option("yanji5")
    desk.get_by_label("我负责的").uncheck()
    desk.get_by_role("button", name="查找").click()
    shown = references.display(ref)  # read aloud in groups of four
    assert desk.get_by_role("link", name=shown).is_visible() and desk.get_by_text(references.display(other["ref"])).count() == 0
    desk.get_by_role("link", name=shown).click()
    assert desk.locator("#reference").inner_text().replace(" ", "") == ref and "139 1111 2222" in desk.locator("#facts").inner_text()
    assert_accessible(desk)
    desk.get_by_label("状态").select_option("处理中")
    desk.get_by_label("公开进展").fill("物业明天上午上门查看漏点。")
    desk.get_by_role("button", name="保存").click()
    assert desk.locator("#saved").is_visible() and desk.locator("#current-status").inner_text() == "处理中"
    assert_accessible(desk)

    phone_page.goto(f"{base}/forms/status?ref={ref}")
    phone_page.get_by_label("电话号码的最后四位").fill("2222")
    phone_page.get_by_role("button", name="查询").click()
    assert phone_page.locator("#status").inner_text() == "处理中"
    assert phone_page.locator("#public-note").inner_text() == "物业明天上午上门查看漏点。"


def test_wrong_password_in_the_browser(server, desk):
    browser_sign_in(desk, server[0], "s2", password="guess")
    assert "账号或密码不对" in desk.locator(".error-summary").inner_text()
    desk.wait_for_function("document.activeElement.classList.contains('error-summary')", timeout=15000)
    assert_accessible(desk)


def test_list_on_a_phone_has_big_text_and_targets(server, store, phone_page):
    reports.create(store, "f" * 32, DATA)
    sign_in(phone_page, server[0])
    assert_accessible(phone_page)
    assert phone_page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    small = phone_page.evaluate("""() => [...document.querySelectorAll('main a, main button, main select, main input, header a, header button')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling


@pytest.fixture
def session_with_people(store):
    """A session with a seat for someone whose report is 处理中, and one person waiting."""
    store.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) VALUES "
                  "('2099-02-07-am', '2099-02-07', '9:00', '11:00', '控江东三村活动室', '居委会、业委会、法治专员', 1)")
    report, _ = reports.create(store, "a1" * 16, {**DATA, "compound_id": "kongjiangdong3", "category_id": "lift-retrofit"})
    reports.update(store, report["id"], {"status": "处理中"})
    person = {"compound_id": "kongjiangdong3", "topic": "加装电梯怎么征询意见"}
    reception.sign_up(store, "2099-02-07-am", "b1" * 16, {**person, "name": "李先生", "phone": report["phone"],
                                                          "linked_ref": report["ref"]})  # their own report: linked
    reception.sign_up(store, "2099-02-07-am", "b2" * 16, {**person, "name": "赵师傅", "phone": "+8613900000002",
                                                          "linked_ref": ""})
    return report["ref"]


def test_sign_in_sheet_prints_without_the_menu_and_takes_outcomes(server, store, desk, session_with_people):
    ref = session_with_people
    sign_in(desk, server[0], path="/forms/steward/sessions")
    assert_accessible(desk)
    desk.get_by_role("link", name=re.compile("^签到表.*2月7日")).click()
    assert f"{ref}（处理中）" in desk.locator("#confirmed").inner_text()
    assert "赵师傅" in desk.locator("#waiting").inner_text()
    assert_accessible(desk)
    assert desk.locator(".site-nav").is_visible()
    desk.emulate_media(media="print")
    assert not desk.locator(".site-nav").is_visible() and not desk.get_by_role("button", name="退出").is_visible()
    assert desk.locator("#confirmed").is_visible() and not desk.get_by_role("link", name="接待后填写结果").is_visible()
    desk.emulate_media(media="screen")

    desk.get_by_role("link", name="接待后填写结果").click()
    assert_accessible(desk)
    first = desk.locator("fieldset.person").first
    first.get_by_label("来了", exact=True).check()
    first.get_by_label("接待结果").fill("法治专员讲了征询流程，下周发征询表。")
    first.get_by_label("关联问题的状态").select_option("已形成方案")
    desk.get_by_role("button", name="保存接待结果").click()
    assert desk.locator("#saved").is_visible()
    assert f"{ref}（已形成方案）" in desk.locator("#confirmed").inner_text()
    row = reports.by_ref(store, ref)
    assert row["status"] == "已形成方案"
    assert row["notes"].endswith(f"s1 {STEWARD['s1']}：状态 处理中→已形成方案\n2099-02-07 联合接待：法治专员讲了征询流程，下周发征询表。")


@pytest.fixture
def wechat_page(browser):
    """A 375×667 phone page with WeChat's user agent."""
    context = browser.new_context(**WECHAT_PHONE)
    yield context.new_page()
    context.close()


def test_on_a_small_phone_a_steward_finds_a_case_by_phone_digits_and_marks_the_call(server, store, wechat_page):
    page = wechat_page
    mine, _ = reports.create(store, "c1" * 16, {**DATA, "compound_id": "yanji4", "phone": "+8613912348765"})
    reports.create(store, "c2" * 16, {**DATA, "compound_id": "yanji4", "phone": "+8613900001111"})
    sign_in(page, server[0], account="s1")
    assert page.get_by_label("我负责的").is_checked()  # a steward starts with their own cases
    assert_accessible(page)
    page.get_by_role("textbox", name="查找").fill("8765")
    page.get_by_role("button", name="查找").click()
    rows = page.locator("#worklist tbody tr")
    assert rows.count() == 1 and references.display(mine["ref"]) in rows.first.inner_text() and "未联系" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    button = page.get_by_role("button", name=re.compile(f"^刚联系过.*{references.display(mine['ref'])}$"))
    assert button.bounding_box()["height"] >= 44
    button.click()
    assert page.locator("#saved").is_visible() and references.display(mine["ref"]) in page.locator("#saved").inner_text()
    assert page.get_by_role("textbox", name="查找").input_value() == "8765"  # the search is kept
    assert "未联系" not in page.locator("#worklist").inner_text()
    assert_accessible(page)
    stamped = reports.by_ref(store, mine["ref"])["first_contact_at"]
    assert stamped and stamped in page.locator("#worklist").inner_text()
