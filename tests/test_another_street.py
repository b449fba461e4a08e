"""Another street by data alone: the fictional 星河路街道 builds the site and runs the forms from its
own directory file, and nothing built or served names the original street."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.core import directory_check
from tests.conftest import Forms
from tests.kb.conftest import mkdocs_build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "examples" / "example-street.yaml"
ORIGINAL = "延吉"
TEXT_FILES = {".html", ".js", ".json", ".xml", ".css", ".svg", ".txt", ".ics", ".webmanifest"}


def test_the_example_file_is_valid_and_names_only_its_own_street():
    assert ORIGINAL not in EXAMPLE.read_text(encoding="utf-8")
    assert "2 位大管家" in directory_check.check(EXAMPLE)


def test_the_site_builds_from_the_example_and_names_only_its_own_street(tmp_path):
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(EXAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    files = [p for p in (tmp_path / "site").rglob("*") if p.suffix in TEXT_FILES]
    assert len(files) > 40
    named = [str(p.relative_to(tmp_path)) for p in files if ORIGINAL in p.read_text(encoding="utf-8", errors="replace")]
    assert named == []
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>首页 - 星河社区大管家</title>" in home
    about = (tmp_path / "site" / "about" / "index.html").read_text(encoding="utf-8")
    assert "星河社区大管家工作站" in about and "虚构的示例街道" in about
    uncovered = (tmp_path / "site" / "compounds" / "qiaoxi" / "index.html").read_text(encoding="utf-8")
    assert "还没有社区大管家" in uncovered and "刘洋" not in uncovered


@pytest.fixture
def street_client(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "store.sqlite3"), "SEED_SAMPLE_SESSIONS": True,
                      "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-key-" + "k" * 32,
                      "DIRECTORY_FILE": str(EXAMPLE)})
    return app.test_client()


PAGES = ["/forms/report", "/forms/report?compound=qiaoxi", "/forms/reception", "/forms/status",
         "/forms/tools/lift-vote", "/forms/no-such-page", "/forms/steward/login", "/healthz"]


@pytest.mark.parametrize("url", PAGES)
def test_the_forms_serve_the_example_street_and_never_the_original(street_client, url):
    response = street_client.get(url)
    assert response.status_code in (200, 302, 404, 503)   # 503: the steward pages before any account exists
    html = response.get_data(as_text=True)
    assert ORIGINAL not in html
    if url.startswith("/forms/report"):
        assert "星河社区大管家" in html and "星河一村" in html


def test_a_report_from_the_example_street_is_confirmed_in_its_own_name(street_client):
    posted = Forms(street_client).report(compound="xinghe1", building="3号", room="201")
    assert posted.status_code == 303
    done = street_client.get(posted.headers["Location"])
    html = done.get_data(as_text=True)
    assert done.status_code == 200, html[:2000]
    assert ORIGINAL not in html
    assert "张晓" in html


def test_static_files_served_to_residents_never_name_the_original_street():
    static = ROOT / "forms_app" / "static"
    named = [p.name for p in static.rglob("*") if p.is_file() and p.suffix in TEXT_FILES | {".css"}
             and ORIGINAL in p.read_text(encoding="utf-8", errors="replace")]
    assert named == []
    assert not re.search(ORIGINAL, (static / "413.html").read_text(encoding="utf-8"))


def test_a_report_from_an_area_with_no_steward_names_the_committee_never_a_steward(street_client):
    """桥西路 has no community steward (covered: false): the confirmation names its 居委会, and the
    promise is the office's, not the steward's who handles its reports inside the office."""
    posted = Forms(street_client).report(compound="qiaoxi", building="1号", room="101", category="other")
    assert posted.status_code == 303
    html = street_client.get(posted.headers["Location"]).get_data(as_text=True)
    assert 'id="uncovered"' in html and "桥西路居民区居委会（示例）" in html
    assert "刘洋" not in html
    form = street_client.get("/forms/report?compound=qiaoxi").get_data(as_text=True)
    assert "刘洋" not in form and "桥西路居民区居委会（示例）" in form
