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


def test_count_a_stairwell_vote(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    assert "不保存、不记录" in page.locator("#not-stored").inner_text()
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
    page.get_by_label("每户一行：室号、面积、意见").fill("101 50 同意\n101 50 反对\n103 零 同意")
    page.get_by_role("button", name="计算").click()
    summary = page.locator(".error-summary").inner_text()
    assert "第2行：室号 101 和第1行重复了" in summary and "第3行：面积“零”不对" in summary
    assert page.get_by_label("每户一行：室号、面积、意见").input_value().startswith("101 50 同意")
    if page.js:
        assert_accessible(page)


def test_the_tally_prints_without_the_form(page, base):
    page.goto(base + "/forms/tools/lift-vote")
    page.get_by_label("每户一行：室号、面积、意见").fill("101 50 同意\n102 50 同意\n103 50 同意")
    page.get_by_role("button", name="计算").click()
    page.locator("#households-table").wait_for()  # the answer has come (a page load, or the script's update)
    page.emulate_media(media="print")
    assert page.locator("#households-table").is_visible()
    assert not page.get_by_role("button", name="计算").is_visible()
