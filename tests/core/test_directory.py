"""core.directory: compounds found as residents write them, and the one pinyin order of the lists."""
from __future__ import annotations

import copy

import pytest
import yaml

from forms_app.core import directory
from forms_app.residents.forms import compound_choices

D = directory.load()
SAMPLE = yaml.safe_load(directory.DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("typed, expected", [
    ("延吉四村", "yanji4"),
    ("延吉4村", "yanji4"),
    ("延吉４村", "yanji4"),             # full-width digit
    (" 延吉 4 村 ", "yanji4"),
    ("延吉新村四村", "yanji4"),          # the alias in data/directory.yaml
    ("延吉新村4村", "yanji4"),
    ("敦化路小区", "dunhualu"),
    ("敦化路", "dunhualu"),              # 小区 left off
    ("控江路645弄", "kongjianglu645"),
    ("yanji2", "yanji2"),               # an id
    ("延吉新村", None),                  # several compounds
    ("延吉", None),
    ("不存在的小区", None),
    ("", None),
    ("=HYPERLINK(1)", None),
])
def test_match_compound(typed, expected):
    found = D.match_compound(typed)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize("typed, expected", [
    ("延吉新村", ["yanji1", "yanji2", "yanji3", "yanji4", "yanji5", "yanji6", "yanji7"]),
    ("延吉4村", ["yanji4"]),
    ("延吉二三", ["yanji2", "yanji3"]),  # by the area's name
    ("645", ["kongjianglu645"]),
    ("没有这个小区", []),
])
def test_find_compounds(typed, expected):
    assert [c.id for c in D.find_compounds(typed)] == expected


def test_name_key_folds_digits_spaces_and_the_word_xiaoqu():
    assert directory.name_key("延吉 4村") == "延吉四村"
    assert directory.name_key("杨家浜小区") == "杨家浜"
    assert directory.name_key("小区") == "小区"


@pytest.mark.parametrize("aliases, message", [
    ("延吉新村四村", "别名（aliases）要写成一串名字"),
    ([""], "别名（aliases）要写成一串名字"),
    (["延吉二村"], "名字或别名都写作「延吉二村」"),
    (["延吉2村"], "名字或别名都写作「延吉二村」"),
])
def test_aliases_are_checked(aliases, message):
    data = copy.deepcopy(SAMPLE)
    next(c for c in data["compounds"] if c["id"] == "yanji4")["aliases"] = aliases
    with pytest.raises(directory.DirectoryError, match=message):
        directory.parse(data)


def test_the_forms_compound_list_is_in_the_sites_pinyin_order():
    groups = {k: v for k, v in compound_choices(D).items() if isinstance(v, dict)}
    areas = [g.removesuffix("居民区") for g in groups]
    assert areas == sorted(areas, key=directory.sort_key) == [a.name for a in D.areas_in_order()]
    assert areas[0] == "长白三村" and areas[-1] == "友谊新村"
    for names in groups.values():
        assert list(names.values()) == sorted(names.values(), key=directory.sort_key)
    assert list(groups["延吉二三村居民区"].values()) == ["延吉二村", "延吉三村"]


def test_the_site_and_the_forms_sort_with_the_same_function():
    from hooks import compound_pages

    assert compound_pages.sort_key is directory.sort_key
