"""`[[marker]]` lines in content pages: each renders from the directory; anything unknown fails."""
from __future__ import annotations

import json

import pytest
from mkdocs.exceptions import PluginError

from forms_app.core import directory
from hooks import markers

DIRECTORY = directory.load()


def render(markdown: str, src_uri: str = "about/index.md") -> str:
    """Render the markers of one page's Markdown."""
    return markers.render_markers(markdown, src_uri, DIRECTORY)


def test_who_does_what_lists_every_category_with_its_guide():
    table = render("前言\n\n[[who-does-what]]\n\n后记", "rules/index.md")
    assert table.startswith("前言\n\n| 问题 | 谁来做什么 |") and table.endswith("\n\n后记")
    for category in DIRECTORY.categories.values():
        assert f"[{category.name}](../{category.guide}.md)" in table
    assert "物业公司上门查看、找漏点<br>居委会或人民调解委员会调解邻里责任" in table


def test_who_does_what_links_relative_to_the_page():
    assert "[漏水/渗水](leak.md)" in render("[[who-does-what]]", "guides/index.md")
    assert "[漏水/渗水](guides/leak.md)" in render("[[who-does-what]]", "index.md")


@pytest.mark.parametrize("marker, href, label", [
    ("[[report-button:leak]]", "/forms/report?category=leak", "在线反映这个问题"),
    ("[[reception-button]]", "/forms/reception", "报名参加联合接待"),
    ("[[status-button]]", "/forms/status", "查询办理进度"),
])
def test_buttons_link_to_the_forms(marker, href, label):
    html = render(f"文字\n\n  {marker}  \n")
    assert f'<a class="md-button md-button--primary kb-button" href="{href}">{label}</a>' in html
    assert "[[" not in html


@pytest.mark.parametrize("markdown, message", [
    ("[[report-button:flood]]", "问题类别「flood」不在目录数据里"),
    ("[[report-button]]", "要写成 [[report-button:类别]]"),
    ("[[status-button:leak]]", "这个标记不带冒号后面的内容"),
    ("[[who-does-waht]]", "不认识这个标记"),
    ("[[]]", "不认识这个标记"),
])
def test_unknown_or_malformed_marker_fails_naming_the_page(markdown, message):
    with pytest.raises(PluginError) as error:
        render(f"# 标题\n\n{markdown}\n", "guides/leak.md")
    assert message in str(error.value)
    assert "docs/guides/leak.md" in str(error.value)


def test_marker_inside_a_sentence_is_left_alone():
    text = "写 [[figures]] 可以插入数字。"
    assert render(text) == text


def test_figures_without_a_file_say_they_are_being_counted(tmp_path):
    assert markers.render_figures(tmp_path / "figures.json") == "最新数字正在统计中。"


def test_figures_file_becomes_a_table(tmp_path):
    path = tmp_path / "figures.json"
    path.write_text(json.dumps({"as_of": "2025年6月30日", "figures": {"收到": 216, "已协商解决": 175}},
                               ensure_ascii=False), encoding="utf-8")
    table = markers.render_figures(path)
    assert table.startswith("截至2025年6月30日：")
    assert "| 收到 | 216 |" in table and "| 已协商解决 | 175 |" in table


def test_malformed_figures_file_fails(tmp_path):
    path = tmp_path / "figures.json"
    path.write_text('{"收到": 216}', encoding="utf-8")
    with pytest.raises(PluginError, match="格式不对"):
        markers.render_figures(path)


def test_office_card_has_a_tap_to_call_phone():
    card = render("[[office]]", "index.md")
    assert DIRECTORY.street["office"]["name"] in card
    digits = "".join(ch for ch in DIRECTORY.street["office"]["phone"] if ch.isdigit())   # 021-… → +8621…
    assert f'href="tel:+86{digits[1:]}"' in card
