"""Facts come from the data: no page or template types a deadline, a count or a list the data holds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms_app.core import directory, facts

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = directory.load()
SOURCES = sorted([*ROOT.joinpath("docs").rglob("*.md"), *ROOT.joinpath("forms_app", "templates").rglob("*.html"),
                  ROOT / "hooks" / "charts.py"])


def _office_hours() -> str:
    return str(DIRECTORY.street["office"]["hours"])


# (what the fact is, a pattern of it typed as literal text)
LITERALS = [
    ("a number of working days", re.compile(r"(?<![\]\}])\s?\d+\s*个工作日")),
    ("next working day as the first-contact rule", re.compile(r"最晚\**下一个工作日")),
    ("the number of stewards", re.compile(r"(?<![\]\}])\s?[0-9一二三四五六七八九十]+\s*位(社区)?大管家")),
    ("the urgent categories", re.compile("、".join(re.escape(c.name) for c in DIRECTORY.categories.values() if c.urgent))),
    ("the office's hours", re.compile(re.escape(_office_hours()))),
]


@pytest.mark.parametrize("label, pattern", LITERALS, ids=[x[0] for x in LITERALS])
def test_no_page_or_template_types_a_fact_the_data_holds(label, pattern):
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in SOURCES
             for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert not found, f"{label} typed as text (use [[fact:…]] / fact('…')): {found}"


def test_every_supervise_sentence_names_the_threshold_from_the_configuration():
    for path in ROOT.joinpath("docs").rglob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "督办清单" in line:
                assert "[[fact:supervise-after-days]]" in line, f"{path.relative_to(ROOT)}: {line}"


@pytest.mark.parametrize("n, words", [(1, "一"), (5, "五"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")])
def test_counts_are_said_in_chinese_numerals(n, words):
    assert facts.chinese_count(n) == words


@pytest.mark.parametrize("days, words", [(1, "下一个工作日"), (2, "2个工作日内")])
def test_first_contact_wording_follows_the_rule(days, words):
    assert facts.first_contact_when(days) == words


def test_a_changed_deadline_and_steward_count_reach_the_built_pages(tmp_path):
    """Change the data only: the built pages follow, with no prose edit."""
    import yaml
    from tests.kb.conftest import mkdocs_build
    data = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))
    data["street"]["deadlines"]["resolve"] = 12
    data["stewards"].append({"id": "s6", "name": "测试大管家（示例）", "phone": "021-5555 0106",
                             "hours": "周一 9:00–11:00", "place": "测试工作室（示例）"})
    (tmp_path / "dir.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(tmp_path / "dir.yaml"), SUPERVISE_AFTER_DAYS="4")
    assert result.returncode == 0, result.stdout + result.stderr
    moves = (tmp_path / "site" / "guides" / "how-a-case-moves" / "index.html").read_text(encoding="utf-8")
    assert "12个工作日内办结" in moves and "15个工作日" not in moves
    assert "超过期限<strong>4个工作日以上</strong>" in moves
    duties = (tmp_path / "site" / "rules" / "steward-duties" / "index.html").read_text(encoding="utf-8")
    assert "六位大管家" in duties and "五位大管家" not in duties


def test_the_report_form_counts_the_stewards_from_the_data(client):
    html = client.get("/forms/report").get_data(as_text=True)
    assert f"{facts.chinese_count(len(DIRECTORY.stewards))} 位大管家" in html
