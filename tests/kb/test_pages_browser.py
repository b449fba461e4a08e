"""The knowledge base in a phone-sized Chromium: offline, accessible, readable, printable."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from forms_app.core import directory
from tests.browser import axe_violations, describe

pytestmark = pytest.mark.browser

PAGES = {"home": "", "guide": "guides/leak/", "compound": "compounds/yanji2/"}


def _open(page, url: str) -> None:
    """Load a page and let the search worker fetch its index and language scripts."""
    page.goto(url, wait_until="networkidle")


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_every_request_goes_to_this_host(kb_site, phone_page, path):
    requests: list[str] = []
    phone_page.context.on("request", lambda request: requests.append(request.url))
    _open(phone_page, kb_site.base + path)
    assert not any(u.endswith("/search/search_index.json") for u in requests)   # held until search opens
    phone_page.locator("label.md-header__button[for=__search]").click()
    phone_page.wait_for_load_state("networkidle")
    phone_page.wait_for_function("() => document.querySelector('.md-search-result__meta') !== null")
    here = urlsplit(kb_site.base).netloc
    elsewhere = [u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != here]
    assert elsewhere == []
    assert any(u.endswith("/search/search_index.json") for u in requests)


def test_an_old_browser_without_resize_observer_still_loads_nothing_from_outside(kb_site, phone_page):
    """Material would fetch a polyfill from unpkg.com here; our own copy must come first."""
    requests: list[str] = []
    phone_page.context.on("request", lambda request: requests.append(request.url))
    phone_page.add_init_script("delete window.ResizeObserver")
    _open(phone_page, kb_site.base + PAGES["guide"])
    here = urlsplit(kb_site.base).netloc
    assert [u for u in requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != here] == []
    assert any(u.endswith("/assets/vendor/resize-observer-polyfill.js") for u in requests)
    assert phone_page.evaluate("typeof window.ResizeObserver") == "function"


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_no_wcag_violations(kb_site, phone_page, path):
    _open(phone_page, kb_site.base + path)
    violations = axe_violations(phone_page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_body_text_is_large_with_generous_line_height(kb_site, phone_page, path):
    _open(phone_page, kb_site.base + path)
    sizes = phone_page.eval_on_selector_all(
        "article.md-typeset p", """els => els.map(e => {
            const s = getComputedStyle(e);
            return [parseFloat(s.fontSize), parseFloat(s.lineHeight)];
        })""")
    assert sizes
    for font_size, line_height in sizes:
        assert font_size >= 18
        assert line_height / font_size >= 1.6


def test_four_ways_in_are_big_tap_targets(kb_site, phone_page):
    _open(phone_page, kb_site.base)
    boxes = [way.bounding_box() for way in phone_page.locator("a.kb-way").all()]
    assert len(boxes) == 4
    for box in boxes:
        assert box["height"] >= 44 and box["width"] >= 44


def test_four_ways_in_are_visible_without_scrolling_far(kb_site, phone_page):
    _open(phone_page, kb_site.base)
    first, last = phone_page.locator("a.kb-way").first, phone_page.locator("a.kb-way").last
    assert first.bounding_box()["y"] < 844
    assert last.bounding_box()["y"] < 844 * 1.5


def test_focus_is_a_thick_yellow_outline(kb_site, phone_page):
    _open(phone_page, kb_site.base)
    phone_page.locator("a.kb-way").first.focus()
    phone_page.keyboard.press("Tab")
    outline = phone_page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                  " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    assert outline == ["solid", "3px", "rgb(255, 191, 71)"]


def test_poster_prints_on_one_a4_page_with_the_phone_in_large_type(kb_site, browser):
    page = browser.new_page()
    try:
        page.goto(kb_site.base + "compounds/yanji2-poster/", wait_until="networkidle")
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
        page.emulate_media(media="print")
        phone = page.locator(".kb-poster__phone")
        assert phone.inner_text() == directory.load().compounds["yanji2"].steward.phone
        assert float(phone.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 60
        assert page.locator(".kb-poster__name").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 48
        assert page.locator(".kb-poster__qr").is_visible()
        assert not page.locator(".kb-screen-only").is_visible()
        assert not page.locator(".md-header").is_visible()
    finally:
        page.close()
