"""The lift-vote calculator in WeChat at 375×667 and 125 % text, with JavaScript off: it still works."""
from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.kb.conftest import TEXT_125, WECHAT
from tests.server import gunicorn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    db = tmp_path_factory.mktemp("lift-vote") / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0"}, workers=1) as url:
        yield url


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def page(browser, request):
    context = browser.new_context(**WECHAT, java_script_enabled=request.param)
    context.add_init_script(TEXT_125)
    page = context.new_page()
    page.js = request.param   # axe and page.evaluate need JavaScript; the no-JS run checks the form itself
    yield page
    context.close()


def fill_totals(page, households: str, area: str) -> None:
    page.get_by_label("全部户数").fill(households)
    page.get_by_label("全部面积（平方米）").fill(area)


def test_count_a_stairwell_vote(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    assert "不保存、不记录" in page.locator("#not-stored").inner_text()
    fill_totals(page, "4", "150")
    page.get_by_label("每户一行：室号、面积、意见").fill(
        "101\t60\t同意\n102\t40\t同意\n201\t10\t反对\n202\t40\t反对")
    page.get_by_role("button", name="计算").click()
    assert page.locator("#verdict").inner_text() == "未通过"
    assert page.locator("#shortfall").inner_text() == "还差 1 户、12.5 m² 同意"
    assert "第一千二百五十九条" in page.locator("#basis").inner_text()
    if page.js:
        width = page.evaluate("document.documentElement.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert_accessible(page)


def test_bad_lines_are_summarised_with_their_line_numbers(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    fill_totals(page, "3", "150")
    page.get_by_label("每户一行：室号、面积、意见").fill("101 50 同意\n101 50 反对\n103 零 同意")
    page.get_by_role("button", name="计算").click()
    summary = page.locator(".error-summary").inner_text()
    assert "第2行：室号 101 和第1行重复了" in summary and "第3行：面积“零”不对" in summary
    assert page.get_by_label("每户一行：室号、面积、意见").input_value().startswith("101 50 同意")
    if page.js:
        assert_accessible(page)


def test_the_tally_prints_without_the_form(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    fill_totals(page, "3", "150")
    page.get_by_label("每户一行：室号、面积、意见").fill("101 50 同意\n102 50 同意\n103 50 同意")
    page.get_by_role("button", name="计算").click()
    page.locator("#households-table").wait_for()  # the answer has come (a page load, or the script's update)
    page.emulate_media(media="print")
    assert page.locator("#households-table").is_visible()
    assert not page.get_by_role("button", name="计算").is_visible()


def test_an_estate_vote_shows_both_verdicts_as_cards_that_fit_a_phone(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    page.get_by_label("加装电梯要占用小区全体业主共有的地方：全体业主表决").check()
    fill_totals(page, "12", "600")
    page.get_by_label("每户一行：室号、面积、意见").fill(
        "\n".join(f"{100 + i} 50 {'同意' if i <= 7 else '反对' if i <= 10 else '未参与'}" for i in range(1, 13)))
    page.get_by_role("button", name="计算").click()
    assert page.locator("#verdict").inner_text() == "两种算法结果不一样"
    assert page.locator("#verdicts li").count() == 2
    assert "先问街道房管办" in page.locator("#advice").inner_text()
    # the 要求 line of every card stays on one or two lines, never a character per line
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.vote-need')).lineHeight)")
    heights = page.locator(".vote-need").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and max(heights) <= 2.2 * line, heights
    if page.js:
        width = page.evaluate("document.documentElement.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert_accessible(page)
