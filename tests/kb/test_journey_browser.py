"""A resident's journey in WeChat (375×667, 125 % text): guides open with what to do, tables fit,
the home page has a call button, compounds are easy to find, QR wording fits paper and phone."""
from __future__ import annotations

from pathlib import Path

import pytest

from forms_app.core import directory
from tests.browser import axe_violations, describe

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = sorted(f"guides/{p.stem}/" for p in (DOCS / "guides").glob("*.md") if p.stem != "index")
WITH_TABLES = GUIDES + ["about/", "rules/steward-duties/", "rules/joint-reception/", "progress/", "privacy/"]
DIRECTORY = directory.load()
HEIGHT = 667


def _open(page, url: str) -> None:
    page.goto(url, wait_until="networkidle")


def test_text_really_is_at_125_percent(kb_site, wechat_page, phone_page):
    _open(wechat_page, kb_site.base + "guides/leak/")
    _open(phone_page, kb_site.base + "guides/leak/")
    size = "() => parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)"
    assert wechat_page.evaluate(size) == pytest.approx(phone_page.evaluate(size) * 1.25, rel=0.02)


@pytest.mark.parametrize("path", GUIDES)
def test_guide_opens_with_do_now_on_the_first_screen(kb_site, wechat_page, path):
    _open(wechat_page, kb_site.base + path)
    box = wechat_page.locator("article .kb-now")
    assert box.count() == 1
    top = box.bounding_box()["y"]
    assert top < HEIGHT / 2, f"现在就做 starts at {top}px"
    steps = box.locator(":scope > ol > li").count()
    assert 1 <= steps <= 3
    button = box.locator("a.kb-button").first
    assert button.get_attribute("href").startswith("/forms/")
    assert box.locator("a[href^='tel:']").first.is_visible()


@pytest.mark.parametrize("path", WITH_TABLES)
def test_tables_never_overflow(kb_site, wechat_page, path):
    _open(wechat_page, kb_site.base + path)
    overflow = wechat_page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const bad = [];
        document.querySelectorAll('article table').forEach((t, i) => {
            const r = t.getBoundingClientRect();
            const wrap = t.closest('.md-typeset__scrollwrap');
            const clipped = wrap && wrap.scrollWidth > wrap.clientWidth + 1;
            if (r.right > width + 1 || clipped) bad.push(i);
        });
        return {bad, page: document.documentElement.scrollWidth - width};
    }""")
    assert overflow["bad"] == []
    assert overflow["page"] <= 1


def test_stacked_table_cells_carry_their_column_heading(kb_site, wechat_page):
    _open(wechat_page, kb_site.base + "guides/leak/")
    cell = wechat_page.locator("article table td[data-label='谁负责']").first
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"谁负责"'


def test_home_first_screen_has_a_call_button_for_the_office(kb_site, wechat_page):
    _open(wechat_page, kb_site.base)
    button = wechat_page.locator("a.kb-call-button")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= HEIGHT
    assert box["height"] >= 44
    office = DIRECTORY.street["office"]["phone"].replace("-", "").replace(" ", "")
    assert button.get_attribute("href") == "tel:+86" + office[1:]


def test_home_number_is_on_one_line_inside_the_screen(kb_site, wechat_page):
    _open(wechat_page, kb_site.base)
    m = wechat_page.locator("a.kb-call-button strong").evaluate(
        "e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();"
        " return {h: r.height, lh: parseFloat(s.lineHeight) || 1.4 * parseFloat(s.fontSize), right: r.right,"
        " ws: s.whiteSpace, width: document.documentElement.clientWidth}; }")
    assert m["ws"] == "nowrap", m
    assert m["h"] < 1.5 * m["lh"], m
    assert m["right"] <= m["width"], m


def test_home_four_main_actions_are_on_the_first_screen(kb_site, wechat_page):
    _open(wechat_page, kb_site.base)
    ways = wechat_page.locator("a.kb-way")
    assert ways.count() == 4
    for way in ways.all():
        box = way.bounding_box()
        assert box["y"] + box["height"] <= HEIGHT, (way.inner_text(), box)
        assert box["height"] >= 44


def test_compound_list_has_area_index_phones_and_a_clear_order(kb_site, wechat_page):
    from hooks.compound_pages import sort_key

    _open(wechat_page, kb_site.base + "compounds/")
    index = wechat_page.locator("nav.kb-area-index a")
    assert index.count() == len(DIRECTORY.areas)
    assert index.first.bounding_box()["y"] < HEIGHT
    names = [a.inner_text() for a in index.all()]
    assert names == sorted(names, key=sort_key)
    items = wechat_page.locator(".kb-compound-list li")
    assert items.count() == len(DIRECTORY.compounds)
    for item in items.all():
        assert item.locator("a[href^='tel:']").count() == 1


def test_filter_box_narrows_the_list(kb_site, wechat_page):
    _open(wechat_page, kb_site.base + "compounds/")
    box = wechat_page.get_by_label("输入小区或居民区的名字，快速查找")
    box.fill("控江东三")
    box.dispatch_event("input")
    visible = [li.inner_text() for li in wechat_page.locator(".kb-compound-list li").all() if li.is_visible()]
    expected = [c for c in DIRECTORY.compounds.values() if "控江东三" in c.name or "控江东三" in c.area.name]
    assert len(visible) == len(expected) > 0
    assert sorted(v.split("：")[0] for v in visible) == sorted(c.name for c in expected)
    assert "找到" in wechat_page.locator("#kb-filter-count").inner_text()
    box.fill("没有这个小区")
    box.dispatch_event("input")
    assert not any(li.is_visible() for li in wechat_page.locator(".kb-compound-list li").all())
    assert "没有找到" in wechat_page.locator("#kb-filter-count").inner_text()


@pytest.mark.parametrize("typed, expected", [
    ("延吉4村", ["延吉四村"]),
    ("延吉新村", ["延吉一村", "延吉二村", "延吉三村", "延吉四村", "延吉五村", "延吉六村", "延吉七村"]),
    ("延吉新村5村", ["延吉五村"]),
    ("控江路645弄", ["控江路645弄小区"]),
])
def test_filter_box_finds_the_spellings_residents_use(kb_site, wechat_page, typed, expected):
    _open(wechat_page, kb_site.base + "compounds/")
    box = wechat_page.get_by_label("输入小区或居民区的名字，快速查找")
    box.fill(typed)
    box.dispatch_event("input")
    visible = [li.inner_text().split("：")[0] for li in wechat_page.locator(".kb-compound-list li").all() if li.is_visible()]
    assert visible == expected


def test_without_javascript_the_whole_list_is_there_and_no_dead_box(kb_site, wechat_page_no_js):
    wechat_page_no_js.goto(kb_site.base + "compounds/")
    assert not wechat_page_no_js.locator("#kb-filter").is_visible()
    shown = [li for li in wechat_page_no_js.locator(".kb-compound-list li").all() if li.is_visible()]
    assert len(shown) == len(DIRECTORY.compounds)


@pytest.mark.parametrize("path", ["compounds/yanji2/", "compounds/yanji2-poster/"])
def test_qr_wording_long_press_on_a_phone_scan_on_paper(kb_site, wechat_page, path):
    _open(wechat_page, kb_site.base + path)
    assert wechat_page.locator(".kb-scan-phone").first.is_visible()
    assert "长按" in wechat_page.locator(".kb-scan-phone").first.inner_text()
    assert not wechat_page.locator(".kb-scan-paper").first.is_visible()
    wechat_page.emulate_media(media="print")
    assert wechat_page.locator(".kb-scan-paper").first.is_visible()
    assert wechat_page.locator(".kb-scan-paper").first.inner_text() == "用微信扫一扫"
    assert not wechat_page.locator(".kb-scan-phone").first.is_visible()


def test_compound_page_button_is_the_web_and_its_qr_is_a_png(kb_site, wechat_page):
    _open(wechat_page, kb_site.base + "compounds/yanji2/")
    button = wechat_page.get_by_role("link", name="在线反映延吉二村的问题")
    assert button.get_attribute("href") == "/forms/report?compound=yanji2"
    img = wechat_page.locator("img.kb-qr")
    assert img.get_attribute("src").endswith(".png")
    assert img.evaluate("e => e.naturalWidth") > 100


TOUCHED = ["", "guides/leak/", "guides/lift/", "guides/other/", "guides/how-a-case-moves/", "guides/lift-retrofit/",
           "compounds/", "compounds/yanji2/", "compounds/yanji2-poster/", "progress/", "about/"]


@pytest.mark.parametrize("path", TOUCHED)
def test_pages_touched_are_axe_clean_in_wechat_at_125_percent(kb_site, wechat_page, path):
    _open(wechat_page, kb_site.base + path)
    violations = axe_violations(wechat_page)
    assert violations == [], describe(violations)
