"""A steward's day at a phone viewport (issue 20): a phone intake counted as contacted; a 会商 with two
分工 lines, one made late, seen under 超时 and in the digest; a phone 回访 with 结果不满意 reopening the
case — and the resident's page after each step."""
import datetime as dt

import pytest

from forms_app.core.directory import load as load_directory
from forms_app.core.store import connect, transaction
from forms_app.publishing import digest
from forms_app.core import clock
from tests.browser import PHONE, steward_server
from tests.views.test_browser_steward import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with steward_server(tmp_path_factory, "day") as served:
        yield served


@pytest.fixture
def phones(browser):
    """The steward's phone and the resident's."""
    contexts = [browser.new_context(**PHONE) for _ in range(2)]
    yield [c.new_page() for c in contexts]
    for c in contexts:
        c.close()


def resident_sees(page, base, ref: str) -> str:
    """The resident looks the case up (reference and last four digits); the page's text."""
    page.goto(f"{base}/forms/status")
    page.get_by_label("编号").fill(ref)
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    return page.locator("main").inner_text()


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_a_stewards_day(server, phones):
    base, db = server
    steward, resident = phones
    # 1. A phone call: the resident is on the line — the first contact, at once.
    sign_in(steward, base, path="/forms/steward/reports/new", account="s5")
    steward.get_by_label("电话", exact=True).check()
    steward.get_by_label("小区").select_option("yanji2")
    steward.get_by_label("楼号").fill("55号")
    steward.get_by_label("问题类别").select_option("leak")
    steward.get_by_label("居民说的情况").fill("顶楼卫生间天花板一直滴水，下雨更厉害。")
    steward.get_by_label("居民的电话（可不填）").fill("138 1234 5678")
    assert steward.get_by_label("已经和居民当面或电话说过了（记为首次联系）").is_checked()
    steward.get_by_role("button", name="登记").click()
    ref = steward.locator("#reference").inner_text().replace(" ", "")
    assert "今天已经听您说过了" in steward.locator("#slip").inner_text()
    fits(steward)
    steward.goto(f"{base}/forms/steward/reports/{ref}")
    assert "先行联系按时" in steward.locator("#deadlines").inner_text()
    assert "已受理" in resident_sees(resident, base, ref)

    # 2. A 会商 with two 分工 lines (a date without a year: the coming one).
    steward.get_by_role("link", name="记录会商").click()
    steward.get_by_label("地点").fill("延吉二村居委会")
    for party in ("物业", "业委会"):
        steward.get_by_label(party, exact=True).check()
    steward.get_by_label("商定的办法").fill("物业更换楼顶防水层，业委会公示维修资金使用。")
    coming = clock.now().date() + dt.timedelta(days=30)
    for n, (who, what, by) in enumerate((("物业", "更换防水层", f"{coming.month}月{coming.day}日"),
                                         ("业委会", "公示维修资金使用", "2099-01-10")), start=1):
        steward.get_by_label(f"第 {n} 行 谁来做").fill(who)
        steward.get_by_label(f"第 {n} 行 做什么").fill(what)
        steward.get_by_label(f"第 {n} 行 什么时候前").fill(by)
    steward.get_by_role("button", name="保存会商").click()   # first: the proposed public note to read
    steward.get_by_role("button", name="保存会商").click()
    assert "会商纪要" in steward.locator("#minutes").inner_text()
    steward.goto(f"{base}/forms/steward/reports/{ref}")
    items = steward.locator("#action-items").inner_text()
    assert "物业：更换防水层" in items and "业委会：公示维修资金使用" in items and "落实" in steward.locator("#deadlines").inner_text()
    assert 'id="followup-phone"' not in steward.content()           # no 回访 while the plan is carried out
    assert "已形成方案" in resident_sees(resident, base, ref)

    # One 分工 made late (its date has passed): under 超时 and in the digest.
    conn = connect(db)
    with transaction(conn):
        conn.execute("UPDATE action_items SET due = '2026-11-02' WHERE what = '公示维修资金使用'")
        conn.execute("UPDATE reports SET action_due = '2026-11-02' WHERE ref = ?", (ref,))
    steward.goto(f"{base}/forms/steward?f=1&overdue=y")
    row = steward.locator("#worklist tbody tr", has_text=ref[:4])
    assert "分工超时" in row.inner_text()
    fits(steward)
    moment = clock.now()
    lines = [line for d in digest.build(conn, load_directory(), moment, moment) for line in d.long_open]
    assert any(ref in line and "业委会：公示维修资金使用" in line for line in lines)

    # 3. Resolved, then a phone 回访: 已解决 ticked, but 结果不满意 — the case reopens.
    steward.goto(f"{base}/forms/steward/reports/{ref}")
    steward.locator('select[name="status"]').select_option("已解决")
    steward.get_by_label("公开进展").fill("物业已更换防水层。")
    steward.get_by_role("button", name="保存", exact=True).click()
    assert "已解决" in resident_sees(resident, base, ref)
    steward.goto(f"{base}/forms/steward/reports/{ref}")
    form = steward.locator("#followup-phone + p + form")
    for name, value in (("outcome", "已解决"), ("efficiency", "满意"), ("attitude", "满意"), ("result", "不满意")):
        form.locator(f'input[name="{name}"][value="{value}"]').check()
    form.get_by_role("button", name="保存回访").click()
    assert steward.locator("#current-status").inner_text() == "处理中"
    assert "重新处理" in steward.locator("#deadlines").inner_text()
    seen = resident_sees(resident, base, ref)
    assert "处理中" in seen and "对结果不满意" in seen
    fits(resident)
    conn.close()
