"""Issue 13 in Chromium as a 72-year-old meets it: a 375x667 phone, WeChat's in-app browser, text at 125 %.

"Text at 125 %": the forms already set the root font to 125 % of the browser default; the resident's
own 125 % text setting comes on top (root 156.25 %), applied before every page's first paint.
"""
import re

import pytest

from forms_app.core import references
from forms_app.core.directory import load as load_directory
from forms_app.residents import promises
from forms_app.core.store import connect
from tests.browser import assert_accessible
from tests.server import gunicorn
from tests.samples import OFFICE_PHONE, STEWARD, STEWARD_PHONE, tel

pytestmark = pytest.mark.browser

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2171A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
             "Chrome/111.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN")
WECHAT_PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True,
                "has_touch": True, "locale": "zh-CN", "user_agent": WECHAT_UA}
LARGE_TEXT = "document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '156.25%'; });"
SITE_URL = "http://127.0.0.1:8000"   # data/directory.yaml street.site_url (the test server runs elsewhere)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("journey") / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "1"}, workers=1) as url:
        conn = connect(str(db))
        conn.execute("INSERT OR IGNORE INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
                     "VALUES ('full', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 0)")
        yield url, conn
        conn.close()


def new_page(browser, user_agent=WECHAT_UA):
    context = browser.new_context(**{**WECHAT_PHONE, "user_agent": user_agent})
    context.add_init_script(LARGE_TEXT)
    return context.new_page()


@pytest.fixture
def page(browser):
    p = new_page(browser)
    yield p
    p.context.close()


def fill(page, category="漏水/渗水", name="王阿姨", phone="138 1234 5678"):
    page.get_by_label("楼号").fill("55号")
    if category:
        page.get_by_label(category).check()
    page.get_by_label("请说说情况").fill("卫生间天花板一直滴水，应该是楼上漏下来的。")
    page.get_by_label("怎么称呼您").fill(name)
    page.get_by_label("联系电话").fill(phone)
    page.get_by_label("我已看过隐私说明").check()


def submit(page) -> str:
    page.get_by_role("button", name="提交").click()
    return page.locator("#reference").inner_text().replace(" ", "")


def first_screen_tel(page) -> str:
    """The first tap-to-call link, which must sit on the first screen (above 667 px)."""
    link = page.locator("main a[href^='tel:']").first
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 667, box
    return link.get_attribute("href")


def fits_one_line(page, selector="#reference"):
    """The reference is on one line and inside the screen: box height vs its line height, right edge vs 375."""
    m = page.locator(selector).evaluate(
        "e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();"
        " return {h: r.height, lh: parseFloat(s.lineHeight), right: r.right, sw: e.scrollWidth, cw: e.clientWidth,"
        " root: parseFloat(getComputedStyle(document.documentElement).fontSize)}; }")
    assert m["root"] == 25, m                     # 125 % text really applied (16 px x 1.5625)
    assert m["h"] < 1.5 * m["lh"], m              # one line, not two
    assert m["right"] <= 375 and m["sw"] <= m["cw"] + 1, m


def test_1_urgent_category_defaults_to_urgent_and_the_confirmation_promises_today(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report?compound=kongjiangdong3")
    page.get_by_label("公共设施维修").check()
    assert page.get_by_label("不紧急").is_checked()
    page.get_by_label("漏水/渗水").check()
    assert page.get_by_label("紧急：正在漏水").is_checked()
    assert_accessible(page)
    fill(page, category=None)
    ref = submit(page)
    callback = page.locator("#callback").inner_text()
    # Worded from the actual time (office hours, after hours: tests/residents/test_promises.py sets the clock).
    row = server[1].execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()
    promise = promises.for_case(row, load_directory())
    assert re.sub(r"\s+", "", callback) == re.sub(r"\s+", "", promises.text(promise.sentence()))
    assert STEWARD['s4'] in callback and "0104" in callback
    assert "这是紧急问题" in page.locator("#urgent-note").inner_text()
    # An urgent case: what to do now and the 物业 number come first, on the first screen.
    assert "先关总水阀" in page.locator("#call-now").inner_text()
    assert first_screen_tel(page) == "tel:" + load_directory().compounds["kongjiangdong3"].property_company.phone.replace(" ", "")
    fits_one_line(page)
    assert_accessible(page)


def test_1_a_resident_who_chose_themselves_keeps_their_answer(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report")
    page.get_by_label("不紧急").click()          # tapped, though it was already the answer
    page.get_by_label("漏水/渗水").check()
    assert page.get_by_label("不紧急").is_checked()


def test_2_reopened_case_shows_no_stale_note_but_the_history_and_the_call_back_day(page, server):
    base, conn = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    fill(page, category="公共设施维修")
    ref = submit(page)
    report_id = conn.execute("SELECT id FROM reports WHERE ref = ?", (ref,)).fetchone()[0]
    with conn:
        conn.execute("UPDATE reports SET status = '处理中', public_note = '已修好，物业换了楼上的水管。', "
                     "created_at = '2026-11-20T09:00:00+08:00', reopened_at = '2026-12-01T10:00:00+08:00', "
                     "rehandle_due = '2026-12-04' WHERE id = ?", (report_id,))
        conn.execute("INSERT INTO case_history (report_id, at, actor, field, old, new) VALUES "
                     "(?, '2026-11-25T09:00:00+08:00', 's5', 'public_note', '', '已修好，物业换了楼上的水管。')", (report_id,))
    page.goto(f"{base}/forms/status?ref={ref}")
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    main = page.locator("main").inner_text()
    assert "已修好" not in main
    # 12-04 is past: never "最晚12月4日" again, but whom to call (tests/residents/test_promises.py sets the clock).
    assert f"您12月1日说还没解决，本应12月4日前联系您。还没接到电话，请打 {STEWARD_PHONE['s5']}" in main
    assert "最晚12月4日" not in main
    assert "您说问题还没有解决，重新处理。" in page.locator("#history").inner_text()
    assert first_screen_tel(page) == tel(STEWARD_PHONE["s5"])
    fits_one_line(page)
    assert_accessible(page)


def test_3_reference_fits_a_mistyped_digit_is_caught_and_the_browser_lists_its_references(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    fill(page, category="停车")
    ref = submit(page)
    assert re.fullmatch(r"2\d{3} \d{4}", page.locator("#reference").inner_text())
    fits_one_line(page)
    page.goto(f"{base}/forms/status")
    assert_accessible(page)
    typo = ref[:3] + str((int(ref[3]) + 1) % 10) + ref[4:]
    page.get_by_label("编号", exact=True).fill(typo)
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    assert "编号可能写错了一位" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    # Tap the reference this phone sent instead of typing it.
    page.locator("#sent-refs a", has_text=references.display(ref)).click()
    assert page.get_by_label("编号", exact=True).input_value() == references.display(ref)
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#status").inner_text() == "已受理"


def test_3_old_letter_references_are_still_found(page, server):
    base, conn = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    fill(page, category="停车")
    ref = submit(page)
    with conn:
        conn.execute("UPDATE reports SET ref = 'W7K3-M9P' WHERE ref = ?", (ref,))
    page.goto(f"{base}/forms/status")
    page.get_by_label("编号", exact=True).fill("w7k3 m9p")
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#reference").inner_text() == "W7K3-M9P" and page.locator("#status").inner_text() == "已受理"


def test_4_a_daughter_reports_for_her_mother(page, server):
    base, conn = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    assert page.locator("#behalf-fields").is_hidden()
    page.get_by_label("替家人、邻居反映（代办）").check()
    assert page.get_by_label("住户住在哪个小区").is_visible()
    page.get_by_label("您和住户是什么关系").fill("女儿")
    page.get_by_label("住户称呼（可不填）").fill("王阿姨")
    page.get_by_label("住户电话（可不填）").fill("139 1234 5678")
    page.get_by_label("先打给住户").check()
    page.get_by_label("住户已同意由我代为反映").check()
    assert_accessible(page)
    fill(page, category="公共设施维修", name="小王", phone="138 0000 1111")
    ref = submit(page)
    assert "先给住户王阿姨（139 1234 5678）打电话，请提醒住户留意接听" in page.locator("#callback").inner_text()
    row = conn.execute("SELECT channel, resident_name, call_first FROM reports WHERE ref = ?", (ref,)).fetchone()
    assert tuple(row) == ("代办", "王阿姨", "resident")
    assert_accessible(page)


def test_6_who_handles_in_plain_words_and_a_shared_link_opens_the_look_up(page, server, browser):
    base, _ = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    fill(page, category="漏水/渗水")
    ref = submit(page)
    assert "物业公司上门查看、找漏点" in page.locator("#who-handles").inner_text()
    family = new_page(browser, user_agent=WECHAT_UA)
    family.goto(page.url)
    assert family.url.endswith(f"/forms/status?ref={ref}")
    assert family.get_by_label("编号", exact=True).input_value() == references.display(ref)
    assert "王阿姨" not in family.content()
    assert_accessible(family)
    family.context.close()


def test_7_a_waiting_list_place_is_amber_and_says_there_is_no_seat(page, server):
    base, _ = server
    page.goto(f"{base}/forms/reception?session=full")
    page.get_by_label("怎么称呼您").fill("李先生")
    page.get_by_label("联系电话").fill("13987654321")
    page.get_by_label("您住在哪个小区").select_option("kongjiangdong3")
    page.get_by_label("想谈什么问题").fill("我们楼想加装电梯，想问问怎么征询意见。")
    page.get_by_label("我已看过隐私说明").check()
    page.get_by_role("button", name="报名").click()
    panel = page.locator("#signup-panel")
    assert panel.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 221, 0)"
    assert "候补第 1 位，还没有座位" in panel.inner_text() and page.title().startswith("候补第1位，还没有座位")
    assert "候补第1位，还没有座位" in page.locator("#details").inner_text()
    assert page.locator("a[href$='.ics']").count() == 0
    fits_one_line(page)
    first_screen_tel(page)
    assert_accessible(page)


def sign_up(page, base, session_locator="input[name=session]"):
    page.goto(f"{base}/forms/reception")
    page.locator(session_locator).first.check()
    page.get_by_label("怎么称呼您").fill("李先生")
    page.get_by_label("联系电话").fill("13987654322")
    page.get_by_label("您住在哪个小区").select_option("kongjiangdong3")
    page.get_by_label("想谈什么问题").fill("我们楼想加装电梯，想问问怎么征询意见。")
    page.get_by_label("我已看过隐私说明").check()
    page.get_by_role("button", name="报名").click()


def test_8_inside_wechat_only_text_to_copy_elsewhere_a_calendar_link_on_the_site_address(page, server, browser):
    base, _ = server
    sign_up(page, base)
    assert page.locator("h1").inner_text().startswith("报名成功")
    assert page.locator("a[href$='.ics']").count() == 0 and page.locator("#details").is_visible()
    assert_accessible(page)
    plain = new_page(browser, user_agent="Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36")
    sign_up(plain, base, "input[name=session] >> nth=1")
    href = plain.locator("#ics-link").get_attribute("href")
    assert href.startswith(SITE_URL + "/forms/reception/") and href.endswith(".ics")
    plain.context.close()
    # Cancelling (in WeChat): the form is pre-filled from the link, the done page keeps a number to call.
    page.get_by_role("link", name="取消报名").click()
    page.get_by_label("电话号码的最后四位").fill("4322")
    page.get_by_role("button", name="确认取消报名").click()
    assert page.locator("h1").inner_text() == "已取消报名"
    first_screen_tel(page)
    fits_one_line(page)
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/forms/report", "/forms/report?compound=yanji2", "/forms/reception", "/forms/status",
                                  "/forms/reception/cancel", "/forms/no-such-page"])
def test_9_every_page_has_a_number_to_call_on_its_first_screen(page, server, path):
    base, _ = server
    page.goto(base + path)
    href = first_screen_tel(page)
    assert href == tel(STEWARD_PHONE["s5"] if "yanji2" in path else OFFICE_PHONE)
    if "call-line" in page.content() and path != "/forms/no-such-page":
        assert page.locator(".call-line").inner_text().startswith("不想填表？打")
    assert_accessible(page)
