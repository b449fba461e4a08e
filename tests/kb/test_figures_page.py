"""The 工作成效 page built from a figures file: big numbers, accessible SVG charts, tables, nothing personal."""
from __future__ import annotations

import functools
import http.server
import json
import re
import threading

import pytest
from mkdocs.exceptions import PluginError

from forms_app.publishing import figures
from forms_app.core.store import connect
from hooks import charts, markers
from tests.kb.conftest import QuietHandler, Site, mkdocs_build
from tests.kb.test_build import FETCHES_ELSEWHERE
from tests.publishing.test_figures import DIRECTORY, HOSTILE_AREA, HOSTILE_CATEGORY, PERSONAL, TODAY, seed_all

SVG = re.compile(r"<svg class=\"kb-chart__svg\".*?</svg>", re.S)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site built once with a figures file computed from a seeded store, served on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("figures")
    conn = connect(str(tmp / "store.sqlite3"))
    seed_all(conn)
    data = figures.compute(conn, DIRECTORY, TODAY)
    conn.close()
    figures.write(data, tmp / "figures.json")
    result = mkdocs_build(tmp / "site", FIGURES_FILE=str(tmp / "figures.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(QuietHandler, directory=str(tmp / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(tmp / "site", f"http://127.0.0.1:{server.server_address[1]}/", result.stdout + result.stderr), data
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(built) -> str:
    """The built progress page."""
    return built[0].read("progress/index.html")


@pytest.fixture(scope="module")
def section(page) -> str:
    """The generated part of the page: from 最新数字 to the next static heading."""
    return page[page.index('id="最新数字"'):page.index('id="每种状态是什么意思"')]


def svgs(section: str) -> dict[str, str]:
    """Each chart's markup by its id (category, area, month)."""
    return {re.search(r'id="kb-chart-(\w+)-title"', s).group(1): s for s in SVG.findall(section)}


def contrast(colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 1.05 / (0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] + 0.05)


def test_strict_build_stays_warning_free(built):
    assert "WARNING" not in built[0].log and "ERROR" not in built[0].log


def test_headline_numbers_and_that_they_add_up(section, built):
    for label, value in built[1]["figures"].items():
        assert re.search(rf"<td>{label}</td>\s*<td[^>]*>{value}</td>", section), label
    assert '<div class="kb-headline">' in section and "截至2026年11月28日" in section
    assert "正好是收到的问题：4 + 1 + 3 + 1 + 1 = 10。" in section


def test_four_accessible_charts_with_chinese_labels(section):
    charts_by_id = svgs(section)
    assert set(charts_by_id) == {"category", "area", "channel", "month"}
    for ident, svg in charts_by_id.items():
        assert 'role="img"' in svg and f'aria-labelledby="kb-chart-{ident}-title kb-chart-{ident}-desc"' in svg
        assert re.search(rf'<title id="kb-chart-{ident}-title">[^<]*[\u4e00-\u9fff]', svg)
        assert re.search(rf'<desc id="kb-chart-{ident}-desc">[^<]*[\u4e00-\u9fff]', svg)
    texts = {ident: re.findall(r"<text[^>]*>([^<]*)</text>", svg) for ident, svg in charts_by_id.items()}
    assert {c.name for c in DIRECTORY.categories.values()} <= set(texts["category"])
    assert {a.name for a in DIRECTORY.areas.values()} <= set(texts["area"])
    assert {"收到", "已解决", "9月", "10月", "11月"} <= set(texts["month"])
    assert {"网页", "电话", "来访", "12345转办", "少于3"} <= set(texts["channel"]) | set(texts["category"])


def test_charts_use_large_text_and_colours_of_3_to_1(section):
    for svg in svgs(section).values():
        sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
        assert sizes and min(sizes) >= 14
        assert svg.startswith('<svg class="kb-chart__svg"') and 'font-size="16"' in svg.split(">", 1)[0]
        for colour in set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', svg)):
            assert contrast(colour) >= 3, colour


def test_every_chart_has_a_data_table_under_it(section):
    blocks = re.findall(r'<div class="kb-figure">\s*<figure class="kb-chart">.*?</figure>\s*<table>(.*?)</table>',
                        section, re.S)
    assert len(blocks) == 4
    category, area, channel, month = blocks
    assert re.search(r"<td>漏水/渗水</td>\s*<td[^>]*>少于3</td>\s*<td[^>]*>少于3</td>", category)
    assert re.search(r"<td>通信信号</td>\s*<td[^>]*>0</td>\s*<td[^>]*>0</td>", category)
    assert re.search(r"<td>延吉二三村</td>\s*<td[^>]*>4</td>\s*<td[^>]*>少于3</td>", area)
    assert re.search(r"<td>网页</td>\s*<td[^>]*>10</td>\s*<td[^>]*>4</td>", channel)
    assert re.search(r"<td>2026年11月</td>\s*<td[^>]*>5</td>\s*<td[^>]*>1</td>", month)


def test_speed_receptions_and_follow_ups_are_stated(section):
    assert "用时的中位数是 <strong>10 天</strong>" in section and "另有 1 个已解决的问题没有记办结日期" in section
    assert "已经举办联合接待 <strong>1</strong> 次" in section
    assert "一起会商 <strong>0</strong> 次" in section  # 会商次数 (none seeded)
    assert "重新办理的问题：<strong>2</strong> 个，其中 1 个已再次解决" in section
    assert "平均满意度 <strong>3.7 分</strong>" in section


def test_rates_are_stated_with_their_definitions(section):
    for name in ("先行联系按时率", "按时办结率", "回访率", "满意率"):
        assert f"<strong>{name}</strong>" in section
    assert "调休也算在内" in section and "三项都是“满意”或“基本满意”" in section
    assert "答复不到 5 次，暂不公布" in section or "还没有可以计算的问题" in section


def test_definitions_are_on_the_page(page):
    for words in ("正在推进", "状态是“已受理”或“处理中”", "只算日期已经过去、并且至少有一位居民报名成功的场次",
                  "回访答复不到 5 次时不公布", "中位数", "只写“少于3”", "先行联系按时率", "按时办结率", "回访率", "满意率"):
        assert words in page


def test_nothing_is_fetched_from_elsewhere(page, section):
    assert not FETCHES_ELSEWHERE.search(page)
    assert "http" not in section and "//" not in section.replace("</", "")


def test_no_personal_data_on_the_page_or_in_search(built, page):
    index = built[0].read("search/search_index.json")
    for secret in [*PERSONAL.values(), HOSTILE_AREA, HOSTILE_CATEGORY, "欧阳", "1203", "13987654321"]:
        assert secret not in page and json.dumps(secret, ensure_ascii=False)[1:-1] not in index


def test_chart_labels_stay_out_of_search(built):
    docs = json.loads(built[0].read("search/search_index.json"))["docs"]
    progress = " ".join(d["text"] for d in docs if d["location"].startswith("progress/"))
    assert "控江五村" not in progress and "业委会事务" not in progress


# --- The pure parts, without a build ---------------------------------------------------------

@pytest.mark.parametrize("value, end", [(0, 1), (1, 1), (3, 5), (5, 5), (7, 10), (37, 50), (101, 200)])
def test_axis_ends_are_round(value, end):
    assert charts.nice_max(value) == end


def test_charts_of_zeros_and_hostile_labels_are_safe():
    bars = charts.bar_chart("x", "标题<", "说明&", [("<script>", 0), ("停车", 0)])
    assert "<script>" not in bars and "&lt;script&gt;" in bars and "标题&lt;" in bars
    assert "<rect" not in bars and ">0</text>" in bars
    columns = charts.column_chart("m", "每月", "说明", [("1月", (0, 0))], "2026年1月")
    assert 'role="img"' in columns and "nan" not in columns


def test_table_cells_cannot_break_the_table():
    assert charts.cell("a|b<c") == "a&#124;b&lt;c"


def test_missing_sections_are_left_out_and_empty_ones_say_so(tmp_path):
    path = tmp_path / "figures.json"
    path.write_text(json.dumps({"as_of": "2026年1月1日", "figures": {"收到的问题": 0, "已解决": 0, "正在推进": 0},
                                "by_month": [], "resolution_days": {"median": None, "reports": 0, "undated": 2},
                                "followup": {"reopened": 0, "reopened_resolved": 0, "answers": 3,
                                             "not_solved_answers": 0, "average_satisfaction": None, "min_answers": 5}},
                               ensure_ascii=False), encoding="utf-8")
    markdown = markers.render_figures(path)
    assert "<svg" not in markdown and "按问题类别" not in markdown
    assert "暂时算不出用时。另有 2 个已解决的问题没有记办结日期" in markdown
    assert "不到 5 次，暂不公布平均满意度" in markdown and "按月份\n\n还没有收到问题。" in markdown


@pytest.mark.parametrize("broken", [
    {"figures": {"收到的问题": "很多"}},
    {"figures": {"收到的问题": 1}, "by_area": [{"label": "敦化路"}]},
    {"figures": {"收到的问题": 1}, "by_month": [{"month": "2026年1月", "received": 1, "resolved": 0}]},
    {"figures": {"收到的问题": 1}, "by_category": []},
])
def test_a_broken_figures_file_fails_the_build(tmp_path, broken):
    path = tmp_path / "figures.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PluginError, match="格式不对"):
        markers.render_figures(path)


def test_figures_file_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIGURES_FILE", str(tmp_path / "none.json"))
    assert markers.figures_path() == tmp_path / "none.json"
    assert markers.render_figures() == "最新数字正在统计中。"
    monkeypatch.delenv("FIGURES_FILE")
    assert markers.figures_path().relative_to(markers.ROOT).as_posix() == "data/figures.json"


# --- In a phone-sized Chromium -----------------------------------------------------------------

@pytest.mark.browser
def test_progress_page_with_figures_has_no_wcag_violations(built, phone_page):
    from tests.browser import axe_violations, describe

    phone_page.goto(built[0].base + "progress/", wait_until="networkidle")
    violations = axe_violations(phone_page)
    assert violations == [], describe(violations)


@pytest.mark.browser
def test_chart_text_is_at_least_14px_on_a_phone(built, phone_page):
    phone_page.goto(built[0].base + "progress/", wait_until="networkidle")
    scales = phone_page.eval_on_selector_all(
        "svg.kb-chart__svg", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)")
    assert len(scales) == 4                                     # category, area, channel, month
    for scale in scales:
        assert charts.FONT * scale >= 14
