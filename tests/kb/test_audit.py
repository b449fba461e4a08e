"""Issue 19's fact-check: each correction's new wording is there and the old one gone."""
from __future__ import annotations

import re

import pytest
import yaml

from forms_app.core import directory
from tests.kb.conftest import mkdocs_build
from tests.kb.test_content import DIRECTORY, DOCS, ROOT, page


# (page, new wording, old wording)
CORRECTIONS = [
    ("index.md", "[[sample-notice]]", "按小区查名字、电话和接待时间"),
    ("index.md", "[[fact:parties]]一起坐下来，当面听您说", "当面解决"),
    ("rules/consultation.md", "**月度联席会议**", "每次都参加"),
    ("rules/consultation.md", "哪一方来不了，要事先说明原因", "@@never@@"),
    ("guides/index.md", "讲“反映以后怎么走”的那篇是查进度的按钮", "每篇最后都有一个大按钮，点了就可以直接登记问题。"),
    ("guides/maintenance-fund.md", "[[report-button:facilities]]", "[[report-button:lift]]"),
    ("guides/owners-committee.md", "**备案证明**上写着届别和任期：《上海市住宅物业管理规定》第二十三条第二款", "备案公告"),
    ("progress/index.md", "介绍没有写明统计到哪一天", "从2018年开始试点起"),
    ("guides/how-a-case-moves.md", "不是法律规定的期限", "15个工作日"),
    ("guides/lift-retrofit.md", "用于电梯以后的使用管理（第五部分第（四）项）", "@@never@@"),
    ("rules/dispute-mediation.md", "《上海市住宅物业管理规定》第五条第三款第（六）项", "第二百八十七条"),
    ("rules/dispute-mediation.md", "《中华人民共和国民法典》第二百八十六条第三款", "第二百八十七条"),
    ("guides/lift.md", "有人受伤，拨打 **120**", "有人受伤或情况危急，拨打 **110** 或 **119**"),
    ("guides/lift.md", "有人受伤，拨打 120；", "有人受伤、冒烟起火等危急情况"),
    ("guides/maintenance-fund.md", "有人受伤，拨打120；", "@@never@@"),
    ("guides/how-a-case-moves.md", "超过期限**[[fact:supervise-after-days]]个工作日以上**", "超过期限还没办好的"),
    ("guides/index.md", "**已经到期**", "它们现在是否继续有效"),
    ("site/to-confirm.md", "推广到四个社区", "@@never@@"),
]


@pytest.mark.parametrize("rel, right, wrong", CORRECTIONS, ids=[f"{c[0]}:{c[1][:14]}" for c in CORRECTIONS])
def test_correction(rel, right, wrong):
    text = page(rel)
    assert right in text
    assert wrong not in text


def test_36_hao_is_listed_once_for_checking_not_on_every_page():
    scattered = [str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "待核对原文" in p.read_text(encoding="utf-8")]
    assert scattered == []
    assert "沪房物业〔2026〕36号" in page("site/to-confirm.md")


BUTTON = re.compile(r"^\[\[(report-button:[a-z-]+|status-button)\]\]$", re.MULTILINE)
# guide -> the button its page ends with (category guides: their own category)
EXPECTED_LAST = {c.guide.removeprefix("guides/"): f"report-button:{c.id}" for c in DIRECTORY.categories.values()}
EXPECTED_LAST |= {"maintenance-fund": "report-button:facilities", "how-a-case-moves": "status-button"}


@pytest.mark.parametrize("name", sorted(p.stem for p in (DOCS / "guides").glob("*.md") if p.stem != "index"))
def test_every_guide_ends_with_the_right_button(name):
    body = page(f"guides/{name}.md").split("## 依据")[0]
    buttons = BUTTON.findall(body)
    assert buttons, f"guides/{name}.md has no button"
    assert buttons[-1] == EXPECTED_LAST[name]
    tail = body[body.rindex(f"[[{buttons[-1]}]]"):]
    assert "\n## " not in tail, f"guides/{name}.md: the button is not at the end"


def test_an_uncovered_area_shows_its_committee_never_a_steward(tmp_path):
    data = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    area = data["areas"][0]
    area["covered"] = False
    compound = next(c for c in data["compounds"] if c["area"] == area["id"])
    steward = next(s for s in data["stewards"] if s["id"] == compound["steward"])
    (tmp_path / "dir.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(tmp_path / "dir.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "site" / "compounds" / f"{compound['id']}" / "index.html").read_text(encoding="utf-8")
    assert "还没有社区大管家" in html and area["committee"]["name"] in html
    assert steward["name"] not in html
    poster = (tmp_path / "site" / "compounds" / f"{compound['id']}-poster" / "index.html").read_text(encoding="utf-8")
    assert steward["name"] not in poster and "给居委会" in poster
    index = (tmp_path / "site" / "compounds" / "index.html").read_text(encoding="utf-8")
    assert f"{compound['name']}</a>：还没有社区大管家" in index


@pytest.mark.parametrize("value", ["yes", 1, "否"])
def test_coverage_must_be_true_or_false(value):
    data = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    data["areas"][0]["covered"] = value
    with pytest.raises(directory.DirectoryError, match="covered"):
        directory.parse(data)


def test_every_area_says_whether_it_is_covered():
    raw = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    assert all("covered" in a for a in raw["areas"])


def test_contacts_are_marked_as_samples_where_they_show(kb_site):
    assert DIRECTORY.street.get("sample")
    for rel in ("index.html", "compounds/index.html", f"compounds/{next(iter(DIRECTORY.compounds))}/index.html"):
        assert "示例信息" in kb_site.read(rel), rel


def test_a_new_category_reaches_the_nav_the_guides_index_and_search_with_no_other_edit(tmp_path):
    """Turn the maintenance-fund guide into a category of its own in the data file only."""
    import json
    data = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    data["guides"] = [g for g in data["guides"] if g["page"] != "guides/maintenance-fund"]
    data["categories"].insert(3, {"id": "fund", "name": "维修资金测试类", "urgent": False, "asks": "想用维修资金修东西",
                                  "guide": "guides/maintenance-fund", "parties": "业委会审核；物业组织维修"})
    (tmp_path / "dir.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(tmp_path / "dir.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    index = (tmp_path / "site" / "guides" / "index.html").read_text(encoding="utf-8")
    assert "想用维修资金修东西" in index and "维修资金测试类" in index
    nav_titles = re.findall(r'class="md-nav__link">\s*<span class="md-ellipsis">\s*([^<\s]+)', index)
    assert "维修资金测试类" in nav_titles
    search = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    entry = next(d for d in search["docs"] if d["location"] == "guides/maintenance-fund/")
    assert "维修资金测试类" in entry["keywords"]


def test_a_guide_page_nobody_names_fails_the_build(tmp_path):
    data = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    data["guides"] = [g for g in data["guides"] if g["page"] != "guides/maintenance-fund"]
    (tmp_path / "dir.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(tmp_path / "dir.yaml"))
    assert result.returncode != 0
    assert "docs/guides/maintenance-fund.md 没有对应的问题类别" in result.stdout + result.stderr
