"""data/search-synonyms.yaml: residents' words → one page each, indexed with their prefixes."""
from __future__ import annotations

import itertools

import pytest
from mkdocs.exceptions import PluginError

from hooks import search


def test_keywords_are_words_and_their_han_prefixes():
    assert search.keywords(["维修基金", "5G基站", "渗水"]).split() == ["维修", "维修基", "维修基金", "5G基站", "渗水"]


def test_no_two_pages_share_a_keyword_or_prefix():
    """Material looks a query up by its longest known prefix: a shared one makes pages compete."""
    pages = {page: set(words.split()) for page, words in search.page_keywords(search.load_synonyms()).items()}
    shared = {f"{a} & {b}": pages[a] & pages[b] for a, b in itertools.combinations(pages, 2) if pages[a] & pages[b]}
    assert shared == {}


def test_a_start_two_pages_share_stays_with_the_first_and_the_longer_starts_stay():
    pages = search.page_keywords({"guides/leak": ["漏水", "楼上漏水"], "guides/neighbour-disputes": ["噪音", "楼上太吵"]})
    assert pages == {"guides/leak": "漏水 楼上 楼上漏 楼上漏水", "guides/neighbour-disputes": "噪音 楼上太 楼上太吵"}


def test_jieba_user_dictionary_has_the_domain_terms():
    words = {line.split()[0] for line in (search.ROOT / "data" / "search-dict.txt").read_text(encoding="utf-8").splitlines()
             if line.strip()}
    assert {"业委会", "大管家", "维修资金", "加装电梯", "垃圾厢房", "联合接待"} <= words


@pytest.mark.parametrize("text, message", [
    ("guides/leak:\n  漏水: [渗水]\nguides/parking:\n  停车: [渗水]\n", "「渗水」同时写在 guides/leak 和 guides/parking 下面"),
    ("guides/leak: [渗水]\n", "「guides/leak」下面要写「正式说法: [居民说法, ...]」"),
    ("guides/leak:\n  漏水: []\n", "「guides/leak」下面要写"),
])
def test_malformed_synonyms_fail(tmp_path, text, message):
    path = tmp_path / "search-synonyms.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PluginError) as error:
        search.load_synonyms(path)
    assert message in str(error.value)


def test_every_category_and_every_form_has_a_search_test():
    """Residents' words for each category's guide and each form's page are checked in Chromium."""
    from forms_app.core import directory
    from tests.kb.test_search_browser import QUERIES

    tested = {expected for _, expected in QUERIES}
    guides = {f"{c.guide}/" for c in directory.load().categories.values()}
    forms = {"guides/how-a-case-moves/", "reception/"}   # 反映问题 + 查进度; 联合接待报名
    assert guides | forms <= tested
