"""In real Chromium at a phone viewport (375x667, WeChat): a steward registers a phone call and reads
back the reference; the resident then looks it up with the reference and the last four digits."""
import pytest

from forms_app.core.store import connect
from tests.browser import WECHAT, assert_accessible
from tests.views.test_browser_steward import server, sign_in  # noqa: F401  (the module's gunicorn fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def wechat(browser):
    """Two phones in WeChat: the steward's and the resident's."""
    contexts = [browser.new_context(**WECHAT) for _ in range(2)]
    yield [c.new_page() for c in contexts]
    for c in contexts:
        c.close()


def test_steward_registers_a_phone_call_and_the_resident_looks_it_up(server, wechat):  # noqa: F811
    base, db = server
    steward, resident = wechat
    sign_in(steward, base, path="/forms/steward/reports/new", account="s5")
    assert steward.locator("h1").inner_text() == "登记一个问题"
    assert_accessible(steward)
    steward.get_by_role("button", name="登记").click()  # nothing filled in: the error summary, nothing stored
    assert steward.locator(".error-summary").is_visible()
    assert "请选择来源" in steward.locator(".error-summary").inner_text()
    steward.get_by_label("电话", exact=True).check()
    steward.get_by_label("小区").select_option("yanji2")
    steward.get_by_label("楼号").fill("55号")
    steward.get_by_label("问题类别").select_option("garbage")
    steward.get_by_label("居民说的情况").fill("楼道里的垃圾三天没人清运了，味道很大。")
    steward.get_by_label("怎么称呼居民（可不填）").fill("王阿姨")
    steward.get_by_label("居民的电话（可不填）").fill("138 1234 5678")
    steward.get_by_role("button", name="登记").click()
    shown = steward.locator("#reference").inner_text().strip()
    ref = shown.replace(" ", "")
    assert shown == f"{ref[:4]} {ref[4:]}" and ref.startswith("2") and len(ref) == 8  # read out in fours
    assert steward.locator("#reference").is_visible()
    box = steward.locator("#reference").bounding_box()
    assert box["width"] <= 375 and float(steward.locator("#reference").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")) >= 30  # large enough to read aloud
    assert shown in steward.locator("#slip").inner_text()
    assert steward.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(steward)
    conn = connect(db)
    try:
        row = conn.execute("SELECT channel, taken_by FROM reports WHERE ref = ?", (ref,)).fetchone()
        assert tuple(row) == ("电话", "s5")
    finally:
        conn.close()

    resident.goto(f"{base}/forms/status")
    resident.get_by_label("编号").fill(shown)
    resident.get_by_label("电话号码的最后四位").fill("5678")
    resident.get_by_role("button", name="查询").click()
    assert resident.locator("#reference").inner_text() == shown
    assert resident.locator("#status").inner_text() == "已受理"


def test_consultation_minutes_and_supervise_pages_are_accessible(server, wechat):  # noqa: F811
    from forms_app.residents import reports
    from tests.residents.test_reports import DATA

    base, db = server
    conn = connect(db)
    try:
        row, _ = reports.create(conn, "c" * 32, DATA)
    finally:
        conn.close()
    page = wechat[0]
    sign_in(page, base, path=f"/forms/steward/reports/{row['ref']}", account="s5")
    assert "时限" in page.locator("#deadlines-title").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="记录会商").click()
    page.get_by_label("地点").fill("延吉二村居委会")
    page.get_by_label("居委会").check()
    page.get_by_label("物业", exact=True).check()
    page.get_by_label("商定的办法").fill("物业本周内修好屋面防水。")
    page.get_by_role("button", name="预览").click()
    assert "一起会商，商定：物业本周内修好屋面防水。" in page.get_by_label("公开进展（居民查进度时看到）").input_value()
    assert_accessible(page)
    page.get_by_role("button", name="保存会商").click()
    assert page.locator("#minutes h1").inner_text() == "会商纪要"
    assert page.locator("#signatures tbody tr").count() == 2
    assert_accessible(page)
    page.goto(f"{base}/forms/steward/supervise")
    assert page.locator("h1").inner_text() == "督办清单"
    assert_accessible(page)
