"""A resident on a phone-sized Chromium fills each form; axe-core checks every form page."""
import re

import pytest

from tests.browser import assert_accessible, fill_report
from tests.server import gunicorn
from tests.samples import STEWARD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "1"}, workers=1) as url:
        yield url


@pytest.fixture
def page(phone_page, base):
    """A phone page that records every request it makes."""
    phone_page.requests_seen = []
    phone_page.on("request", lambda r: phone_page.requests_seen.append(r.url))
    return phone_page


def test_resident_reports_a_leak_from_a_stairwell_qr_code(page, base):
    page.goto(f"{base}/forms/report?compound=yanji2&src=qr")
    reference = fill_report(page, category="漏水/渗水")
    assert re.fullmatch(r"2\d{7}", reference) and page.locator("#reference").inner_text() == f"{reference[:4]} {reference[4:]}"
    assert page.get_by_text(STEWARD['s5'], exact=True).is_visible()
    size = page.locator("#reference").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 32
    assert all(url.startswith(base) for url in page.requests_seen), page.requests_seen
    assert_accessible(page)


def test_errors_are_summarised_linked_and_keep_what_was_typed(page, base):
    page.goto(f"{base}/forms/report")
    page.get_by_label("请说说情况").fill("楼道灯坏了好几天")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_role("button", name="提交").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and page.title().startswith("错误：")
    page.wait_for_function("document.activeElement.classList.contains('error-summary')", timeout=5000)
    summary.get_by_role("link", name=re.compile("请填写正确的电话")).click()
    assert page.evaluate("document.activeElement.id") == "phone"
    assert page.get_by_label("联系电话").input_value() == "12345"
    assert page.get_by_label("请说说情况").input_value() == "楼道灯坏了好几天"
    assert_accessible(page)


def test_form_works_with_javascript_off(browser, base):
    from tests.browser import PHONE

    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/forms/status")
    page.get_by_label("编号").fill("W222-333")
    page.get_by_label("电话号码的最后四位").fill("1234")
    page.get_by_role("button", name="查询").click()
    assert "没有找到" in page.locator(".error-summary").inner_text()
    context.close()


def test_resident_signs_up_for_a_joint_reception_and_gets_the_details(page, base):
    page.goto(f"{base}/forms/reception")
    assert_accessible(page)
    page.locator("input[name=session]").first.check()
    page.get_by_label("怎么称呼您").fill("李先生")
    page.get_by_label("联系电话").fill("13987654321")
    page.get_by_label("您住在哪个小区").select_option("kongjiangdong3")
    page.get_by_label("想谈什么问题").fill("我们楼想加装电梯，想问问怎么征询意见。")
    page.get_by_label("我已看过隐私说明").check()
    page.get_by_role("button", name="报名").click()
    assert page.locator("#reference").inner_text().startswith("8")
    assert "联合接待报名编号" in page.locator("#details").inner_text()
    assert_accessible(page)


def test_resident_checks_progress(page, base):
    page.goto(f"{base}/forms/report?category=garbage")
    reference = fill_report(page, category=None, compound="yanji5", building="12号楼", description="垃圾厢房很臭，夏天更厉害。",
                            name="张师傅", phone="021-6543 0001")
    page.get_by_role("link", name="查进度").last.click()
    assert page.get_by_label("编号").input_value().replace(" ", "") == reference
    assert_accessible(page)
    page.get_by_label("电话号码的最后四位").fill("0001")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#status").inner_text() == "已受理"
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/forms/report", "/forms/reception/cancel", "/forms/nope"])
def test_other_pages_pass_axe_and_have_big_text_and_targets(page, base, path):
    page.goto(base + path)
    assert_accessible(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    small = page.evaluate("""() => [...document.querySelectorAll('main a, main button, main input:not([type=hidden]), main select, main textarea, header a')]
        .filter(e => e.offsetParent !== null && !e.closest('.hp'))
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    # inline links inside sentences are exempt (WCAG 2.5.5 inline exception); form controls are not
    assert [s for s in small if not s[0].startswith("<a")] == [], small


def test_confirmation_prints_cleanly(page, base):
    page.goto(f"{base}/forms/report?compound=yanji2")
    reference = fill_report(page)
    page.emulate_media(media="print")
    assert page.locator("#reference").is_visible() and page.locator("#reference").inner_text().replace(" ", "") == reference
    assert not page.locator(".site-nav").is_visible() and not page.locator(".site-footer").is_visible()
    assert page.get_by_text(STEWARD['s5'], exact=True).is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page\r") + pdf.count(b"/Type/Page") <= 2
