"""Chinese search in a real Chromium, for the words residents actually type.

Each query opens Material's search from a `?q=` URL (as a shared search link does) and reads the
first result. The expected page is where the answer is, whatever word the resident used.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

QUERIES = [
    # residents' words for official terms
    ("维修基金", "guides/maintenance-fund/"),     # 维修资金
    ("渗水", "guides/leak/"),                     # 漏水
    ("装电梯", "guides/lift-retrofit/"),          # 加装电梯
    ("物业费", "guides/property-service/"),       # 物业服务
    ("电梯坏了", "guides/lift/"),                 # 电梯运行
    ("电梯困人", "guides/lift/"),
    ("电梯停了", "guides/lift/"),
    ("停车费", "guides/parking/"),
    ("信号差", "guides/mobile-signal/"),
    ("手机没信号", "guides/mobile-signal/"),
    ("楼上漏水", "guides/leak/"),
    ("我家楼上漏水怎么办", "guides/leak/"),
    ("业主委员会", "guides/owners-committee/"),   # 业委会
    ("换届", "guides/owners-committee/"),
    ("扶手", "guides/shared-facilities/"),
    ("楼道灯不亮", "guides/shared-facilities/"),
    ("垃圾房", "guides/garbage-room/"),           # 垃圾厢房
    ("邻居吵架", "guides/neighbour-disputes/"),
    ("楼上太吵", "guides/neighbour-disputes/"),
    ("我的事办到哪了", "guides/how-a-case-moves/"),   # the page opens with the 查进度 button (its kb-now box)
    ("办到哪了", "guides/how-a-case-moves/"),
    ("12345", "guides/other/"),
    ("打12345", "guides/other/"),
    ("噪音", "guides/neighbour-disputes/"),
    ("物业不作为", "guides/property-service/"),
    ("大管家电话", "compounds/"),
    # every category's own guide, by residents' words
    ("垃圾桶", "guides/garbage-room/"),
    ("楼道灯", "guides/shared-facilities/"),
    ("别的问题", "guides/other/"),
    ("其他问题", "guides/other/"),
    # every form: where it is and what happens next
    ("查进度", "guides/how-a-case-moves/"),
    ("办理进度", "guides/how-a-case-moves/"),
    ("回访", "guides/how-a-case-moves/"),
    ("反映问题", "guides/how-a-case-moves/"),
    ("投诉", "guides/how-a-case-moves/"),
    ("报修", "guides/how-a-case-moves/"),
    ("联合接待报名", "reception/"),
    ("接待日", "reception/"),
    # official terms still work
    ("维修资金", "guides/maintenance-fund/"),
    ("加装电梯", "guides/lift-retrofit/"),
    ("联合接待", "reception/"),
    ("业委会", "guides/owners-committee/"),
    # a compound by name
    ("延吉二村", "compounds/yanji2/"),
    ("控江东三村", "compounds/kongjiangdong3/"),
]


@pytest.mark.parametrize("query, expected", QUERIES, ids=[q for q, _ in QUERIES])
def test_first_result(kb_site, phone_page, query, expected):
    phone_page.goto(f"{kb_site.base}?q={quote(query)}")
    first = phone_page.locator(".md-search-result__item > a.md-search-result__link").first
    first.wait_for(timeout=10_000)
    assert phone_page.locator("input.md-search__input").input_value() == query
    assert urlsplit(first.get_attribute("href")).path == urlsplit(kb_site.base + expected).path


def test_typing_into_the_search_box_finds_the_page(kb_site, phone_page):
    """IME input arrives as whole words: fill() the box (keyup is what Material listens to)."""
    phone_page.goto(kb_site.base + "guides/")
    phone_page.locator("label.md-header__button[for=__search]").click()
    box = phone_page.locator("input.md-search__input")
    box.fill("维修基金")
    box.dispatch_event("keyup")
    first = phone_page.locator(".md-search-result__item > a.md-search-result__link").first
    first.wait_for(timeout=10_000)
    assert urlsplit(first.get_attribute("href")).path.endswith("/guides/maintenance-fund/")


def test_a_progress_question_leads_straight_to_the_look_up(kb_site, phone_page):
    """办到哪了 → the page whose first box has the 查进度 button (the look-up itself)."""
    phone_page.goto(f"{kb_site.base}?q={quote('我的事办到哪了')}")
    first = phone_page.locator(".md-search-result__item > a.md-search-result__link").first
    first.wait_for(timeout=10_000)
    first.click()
    phone_page.wait_for_load_state()
    button = phone_page.locator("article .kb-now a[href^='/forms/status']").first
    assert button.is_visible() and button.bounding_box()["y"] < 844


def test_no_struck_through_missing_words_line(kb_site, phone_page):
    phone_page.goto(f"{kb_site.base}?q={quote('楼上太吵怎么办呀')}")
    phone_page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    terms = phone_page.locator(".md-search-result__terms")
    assert all(not t.is_visible() for t in terms.all())
