"""The resident's journey, third pass, in WeChat at 375×667 with text at 125 % and a real Chinese font:
联合接待's order and flags, 查进度's number pad and Chinese numerals, 回访 after 没有解决, the compound
finder, the forms' icon and /forms/, and this phone's references after WeChat is closed."""
import pytest

from forms_app.core import references
from forms_app.core.store import connect
from forms_app.views import PHONE_REFS_COOKIE
from tests.browser import WECHAT, assert_accessible, fill_report
from tests.server import gunicorn
from tests.views.test_browser_journey import LARGE_TEXT
from tests.samples import OFFICE_PHONE, tel

pytestmark = pytest.mark.browser
HEIGHT = WECHAT["viewport"]["height"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("journey3") / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "0"}, workers=1) as url:
        conn = connect(str(db))
        conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) VALUES "
                     "('full', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 0), "
                     "('open', '2099-01-10', '9:00', '11:00', '居委会活动室', '居委会、物业', 5)")
        yield url, conn
        conn.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(**WECHAT)
    context.add_init_script(LARGE_TEXT)
    p = context.new_page()
    yield p
    context.close()


def test_sessions_with_seats_first_and_a_full_one_flagged_bold_then_the_next_with_seats(page, server):
    base, _ = server
    page.goto(f"{base}/forms/reception")
    labels = page.locator("input[name=session] + label")
    assert labels.nth(0).inner_text().startswith("1月10日")
    flag = labels.nth(1).locator("strong.flag")
    assert flag.inner_text() == "【已满·可候补】" and int(flag.evaluate("e => getComputedStyle(e).fontWeight")) >= 700
    assert labels.nth(1).inner_text().startswith("【已满·可候补】")
    page.get_by_label("【已满·可候补】", exact=False).check()
    page.get_by_label("怎么称呼您").fill("李先生")
    page.get_by_label("联系电话").fill("13987654321")
    page.locator("#compound").select_option("kongjiangdong3")
    page.get_by_label("想谈什么问题").fill("我们楼想加装电梯，想问问怎么征询意见。")
    page.get_by_label("我已看过隐私说明").check()
    page.get_by_role("button", name="报名").click()
    offer = page.locator("#next-with-seats")
    assert "1月10日" in offer.inner_text()
    offer.get_by_role("link", name="改报这一场").click()
    assert page.locator("input[name=session][value=open]").is_checked()
    assert_accessible(page)


def test_look_up_with_the_number_pad_and_chinese_numerals(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    ref = fill_report(page, category="停车")
    page.goto(f"{base}/forms/status")
    box = page.get_by_label("编号", exact=True)
    assert box.get_attribute("inputmode") == "numeric"
    spoken = references.display(ref).translate(str.maketrans("0123456789", "零一二三四五六七八九"))
    box.fill(spoken)
    page.get_by_label("电话号码的最后四位").fill("五六七八")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#status").inner_text() == "已受理"
    assert_accessible(page)


def test_not_solved_asks_only_what_is_wrong_and_the_page_after_reloads(page, server):
    base, conn = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    ref = fill_report(page, category="公共设施维修")
    with conn:
        conn.execute("UPDATE reports SET status = '已解决', followup_due = 1 WHERE ref = ?", (ref,))
    page.goto(f"{base}/forms/status?ref={ref}")
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    page.get_by_label("没有解决", exact=True).check()
    assert page.locator("#followup-ratings").is_hidden()
    page.get_by_label("哪里还没有解决？").fill("扶手还是松的。")
    page.get_by_role("button", name="提交回访").click()
    assert "重新打开" in page.locator("main").inner_text()
    assert page.url.endswith(f"/forms/status/followup/{ref}")
    page.reload()
    assert "重新打开" in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_compound_finder_takes_residents_spellings(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report")
    finder = page.get_by_label("找不到？输入小区名字")
    finder.fill("延吉4村")
    assert page.locator("#compound").input_value() == "yanji4"
    assert "延吉四村" in page.locator("#compound-found").inner_text()
    finder.fill("延吉新村")
    shown = page.locator("#compound option:not([hidden])").all_inner_texts()
    assert [s for s in shown if s.startswith("延吉")] == ["延吉一村", "延吉二村", "延吉三村", "延吉四村", "延吉五村", "延吉六村", "延吉七村"]
    assert_accessible(page)


def test_the_forms_have_the_sites_icon_and_forms_root_leads_home(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(base + href).headers["content-type"].startswith("image/svg+xml")
    answer = page.request.get(f"{base}/forms/", max_redirects=0)
    assert answer.status == 302 and answer.headers["location"] in ("/", base + "/")


def test_this_phones_references_after_wechat_is_closed(browser, server):
    base, _ = server
    context = browser.new_context(**WECHAT)
    page = context.new_page()
    page.goto(f"{base}/forms/report?compound=yanji2")
    ref = fill_report(page, category="停车")
    kept = [c for c in context.cookies() if c["expires"] > 0]          # what survives closing the app
    assert [c["name"] for c in kept] == [PHONE_REFS_COOKIE]
    context.close()
    reopened = browser.new_context(**WECHAT)
    reopened.add_cookies(kept)
    again = reopened.new_page()
    again.goto(f"{base}/forms/status")
    assert references.display(ref) in again.locator("#sent-refs").inner_text()
    reopened.close()


@pytest.mark.parametrize("path", ["/forms/tools/lift-vote"])
def test_every_other_form_has_a_number_to_call_on_its_first_screen(page, server, path):
    base, _ = server
    page.goto(base + path)
    link = page.locator("main a[href^='tel:']").first
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT, box
    assert link.get_attribute("href") == tel(OFFICE_PHONE)


def test_every_number_to_call_is_on_one_line(page, server):
    base, _ = server
    page.goto(f"{base}/forms/report?compound=yanji2")
    fill_report(page, category="漏水/渗水")
    for link in page.locator("main a[href^='tel:']").all():
        m = link.evaluate("e => ({h: e.getBoundingClientRect().height, lh: parseFloat(getComputedStyle(e).lineHeight),"
                          " ws: getComputedStyle(e).whiteSpace, right: e.getBoundingClientRect().right})")
        assert m["ws"] == "nowrap" and m["h"] < 1.5 * m["lh"] and m["right"] <= 375, (link.inner_text(), m)
