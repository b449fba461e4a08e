"""What the pages say: corrections from the legal review, one guide per category, 现在就做 first."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms_app.core import directory

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DIRECTORY = directory.load()


def page(rel: str) -> str:
    return (DOCS / rel).read_text(encoding="utf-8")


# (page, corrected wording that must be there, wrong wording that must be gone)
CORRECTIONS = [
    ("guides/maintenance-fund.md", "电梯专业检测机构出具整改通知书要求停运**；", "电梯停运、屋顶漏水这类急事，可以走"),
    ("guides/maintenance-fund.md", "并经有资质的鉴定机构出具证明**（《上海市住宅物业管理规定》第七十三条第二款", "电梯停运、屋顶漏水这类急事"),
    ("guides/maintenance-fund.md", "**至少每半年公布一次**专项维修资金的收支情况（《上海市住宅物业管理规定》第六十六条第二款）",
     "每半年向全体业主公布一次（《上海市商品住宅专项维修资金管理办法》第十八条第一款第二项）"),
    ("guides/shared-facilities.md", "**至少每半年公布一次**专项维修资金的收支情况（《上海市住宅物业管理规定》第六十六条第二款）",
     "每半年向全体业主公布一次（《上海市商品住宅专项维修资金管理办法》第十八条第一款第二项）"),
    ("guides/shared-facilities.md", "这部办法只适用于商品住宅", "每户分摊多少，每半年向全体业主公布一次（《上海市商品"),
    ("guides/parking.md", "占用业主共有的道路或者其他场地用于停放汽车的车位，属于业主共有", "占用公共道路、场地划的车位，归业主共有"),
    ("guides/parking.md", "但属于城镇公共道路的除外（《中华人民共和国民法典》第二百七十四条）", "占用公共道路"),
    ("guides/property-service.md", "**违规多收的部分可以拒付**", "业主可以拒付"),
    ("guides/property-service.md", "第九百四十四条第二款", "业主可以拒付，并可以要求退还"),
    ("guides/garbage-room.md", "把**有害垃圾与可回收物、湿垃圾、干垃圾混在一起投放**", "个人混投垃圾"),
    ("guides/lift-retrofit.md", "**改变共有部分的用途**，要经参与表决的业主中面积和人数都**四分之三以上**同意", "@@never@@"),
    ("guides/lift-retrofit.md", "**在表决前先问街道房管办**", "@@never@@"),
    ("guides/lift-retrofit.md", "(/forms/tools/lift-vote)", "@@never@@"),
    ("index.md", "帮您找到该管的人、盯着办", "帮您把事情办好"),
    ("about/index.md", "帮您找到该管的人、盯着办", "处理问题快"),
    ("about/index.md", "商量谁做什么、大概什么时候，然后盯着办", "定好谁做什么、什么时候做完"),
    ("../data/directory.yaml", "设施设备陈旧、功能配套不全", "没有电梯，停车很挤"),   # the about page renders the account
    ("rules/consultation.md", "大管家不能命令物业公司，但会按记录盯着办", "各方签字确认"),
    ("rules/joint-reception.md", "帮您找到该管的人、盯着办", "每件事有人负责、有下一步、有大概时间"),
    ("rules/steward-duties.md", "**目前那里的名字和电话还是示例**", "电话和值班时间都公开在"),
    ("reception/index.md", "常用的地点（示例，以报名页为准）", "- 常用的地点有街道社区服务中心和居委会活动室。"),
]


@pytest.mark.parametrize("rel, right, wrong", CORRECTIONS, ids=[f"{c[0]}:{c[1][:12]}" for c in CORRECTIONS])
def test_correction(rel, right, wrong):
    text = page(rel)
    assert right in text
    assert wrong not in text


CITES_2021 = re.compile(r"沪房规范〔2021〕(6|11)号")


def pages_citing_2021_opinions() -> list[str]:
    return sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if CITES_2021.search(p.read_text(encoding="utf-8")))


def test_pages_citing_the_2021_opinions_say_they_expired_and_the_content_manual_lists_them():
    pages = pages_citing_2021_opinions()
    assert "guides/parking.md" in pages and "guides/leak.md" in pages
    readme = (ROOT / "manual" / "content.md").read_text(encoding="utf-8")
    for rel in pages:
        text = page(rel)
        assert "2026年6月30日" in text and "到期" in text, rel
        assert "现行效力待" not in text and "是否继续有效" not in text, rel
        assert f"docs/{rel}" in readme, rel


def test_every_category_has_its_own_guide():
    guides = [c.guide for c in DIRECTORY.categories.values()]
    assert len(set(guides)) == len(guides), "two categories share a guide"
    for category in DIRECTORY.categories.values():
        assert category.guide.startswith("guides/"), category.id
        assert (DOCS / f"{category.guide}.md").is_file(), category.id
    assert DIRECTORY.categories["other"].guide != "about/index"
    assert DIRECTORY.categories["lift"].guide == "guides/lift"


def test_lift_guide_publishes_no_emergency_number_it_cannot_source():
    text = page("guides/lift.md")
    assert "轿厢里的**报警按钮**" in text or "报警按钮" in text
    assert "轿厢内张贴的**应急救援电话**" in text
    assert not re.search(r"\b96\d{3}\b", text)


def test_how_a_case_moves_states_the_deadline_rule():
    text = page("guides/how-a-case-moves.md")
    for words in ("**最晚[[fact:first-contact-when]]**先联系您", "**紧急的当天联系**", "**[[fact:resolve-days]]个工作日内办结**",
                  "**[[fact:rehandle-days]]个工作日内**重新处理", "不是法律规定的期限",
                  "**督办清单**", "调休上班的周六、周日也算工作日", "部分解决", "**效率**、**态度**、**结果**",
                  "**满意**、**基本满意**还是**不满意**", "**居委会、业委会、物业**"):
        assert words in text, words
    assert "[[statuses]]" in text


@pytest.mark.parametrize("rel", ["guides/how-a-case-moves/index.html", "progress/index.html"])
def test_status_words_are_the_status_pages_words(kb_site, rel):
    from forms_app.core.cases import STATUS_MEANINGS, STATUSES

    html = kb_site.read(rel)
    assert list(STATUS_MEANINGS) == list(STATUSES)
    for name, meaning in STATUS_MEANINGS.items():
        assert f"<strong>{name}</strong></td>\n<td data-label=\"意思\">{meaning}</td>" in html or \
            f"<td><strong>{name}</strong></td>\n<td>{meaning}</td>" in html, name


def test_figures_page_labels_both_periods(kb_site):
    html = kb_site.read("progress/index.html")
    assert "介绍没有写明统计到哪一天" in html and "从2018年开始试点起" not in html
    assert "本网站自己的统计（统计时段：从本网站开始登记问题起" in html


def test_other_category_does_not_point_at_about(kb_site):
    html = kb_site.read("about/index.html")
    assert re.search(r'<a href="\.\./guides/other/">其他</a>', html)


GUIDES = sorted(p.stem for p in (DOCS / "guides").glob("*.md") if p.stem != "index")


@pytest.mark.parametrize("name", GUIDES)
def test_every_guide_opens_with_do_now(kb_site, name):
    html = kb_site.read(f"guides/{name}/index.html")
    article = html[html.index("<h1"):]
    after_h1 = article[article.index("</h1>") + 5:].lstrip()
    assert after_h1.startswith('<div class="kb-now">'), name
    box = after_h1[:after_h1.index("</div>")]
    assert "现在就做" in box
    steps = re.findall(r"<li>", box.split("</ol>")[0])
    assert 1 <= len(steps) <= 3, name
    assert re.search(r'class="md-button md-button--primary kb-button" href="/forms/(report|status)', box), name
    assert re.search(r'href="tel:\+86\d+"', box), name


@pytest.mark.parametrize("category", DIRECTORY.categories.values(), ids=lambda c: c.id)
def test_each_category_guide_box_reports_that_category(kb_site, category):
    html = kb_site.read(f"{category.guide}/index.html")
    box = html[html.index('<div class="kb-now">'):]
    box = box[:box.index("</div>")]
    assert f'href="/forms/report?category={category.id}"' in box


def test_wide_tables_are_labelled_for_stacking(kb_site):
    html = kb_site.read("guides/leak/index.html")
    assert "<table data-kb-stack>" in html
    assert '<td data-label="漏点在哪里">' in html and '<td data-label="依据">' in html
