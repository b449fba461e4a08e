"""The built knowledge base: a clean strict build, one page per compound, posters, QR codes."""
from __future__ import annotations

import io
import json
import re

import pytest
import segno

from forms_app.core import directory

DIRECTORY = directory.load()
SITE_URL = DIRECTORY.street["site_url"].rstrip("/")
# What makes a browser fetch something: src/srcset anywhere, url() in CSS, and <link> except
# the ones that only name a page (canonical, prev, next). An <a href> is a link, not a request.
FETCHES_ELSEWHERE = re.compile(
    r"""(?:\b(?:src|srcset)\s*=\s*["']\s*|url\(\s*["']?"""
    r"""|<link\b(?![^>]*\brel="(?:canonical|prev|next)")[^>]*\bhref\s*=\s*["']\s*)(?:https?:)?//""", re.I)


def test_strict_build_is_warning_free(kb_site):
    assert "WARNING" not in kb_site.log
    assert "ERROR" not in kb_site.log


def test_home_has_the_promise_and_four_ways_in(kb_site):
    html = kb_site.read("index.html")
    for words in ("只跑一站路", "只进一扇门", "只找一个人"):
        assert words in html
    ways = [tag for tag in re.findall(r"<a [^>]*>", html) if 'class="kb-way"' in tag]
    hrefs = [re.search(r'href="([^"]+)"', tag).group(1) for tag in ways]
    assert hrefs == ["compounds/", "/forms/report", "/forms/reception", "/forms/status"]


def test_area_list_names_every_area_and_links_every_compound(kb_site):
    html = kb_site.read("compounds/index.html")
    assert len(DIRECTORY.areas) == 17
    for area in DIRECTORY.areas.values():
        assert f'id="{area.id}"' in html and f"{area.name}居民区" in html
    for compound in DIRECTORY.compounds.values():
        assert f'href="{compound.id}/"' in html


@pytest.mark.parametrize("compound", DIRECTORY.compounds.values(), ids=lambda c: c.id)
def test_compound_page_names_steward_and_every_party(kb_site, compound):
    html = kb_site.read(f"compounds/{compound.id}/index.html")
    steward = compound.steward
    for text in (compound.name, steward.name, steward.phone, steward.hours, steward.place,
                 compound.area.committee.name, compound.area.committee.phone,
                 compound.owners_committee.name, compound.owners_committee.phone,
                 compound.property_company.name, compound.property_company.phone):
        assert text in html, text
    assert f'href="/forms/report?compound={compound.id}"' in html
    assert f'src="../qr/{compound.id}.png"' in html
    assert f'href="../{compound.id}-poster/"' in html


@pytest.mark.parametrize("compound", DIRECTORY.compounds.values(), ids=lambda c: c.id)
def test_qr_code_is_segno_svg_for_the_report_url(kb_site, compound):
    url = f"{SITE_URL}/forms/report?compound={compound.id}&src=qr"
    expected = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        expected, kind="svg", xmldecl=False, svgns=True, omitsize=True, border=4, dark="#000",
        light="#fff", nl=False, title=f"{compound.name}：扫码反映问题")
    built = (kb_site.path / "compounds" / "qr" / f"{compound.id}.svg").read_bytes()
    assert built.startswith(b"<svg")
    assert built == expected.getvalue()


def test_poster_has_the_three_ways_and_is_not_searchable(kb_site):
    compound = DIRECTORY.compounds["yanji2"]
    html = kb_site.read("compounds/yanji2-poster/index.html")
    assert f'<p class="kb-poster__phone">{compound.steward.phone}</p>' in html
    for way in ("扫码", "打电话", "当面找"):
        assert way in html
    index = json.loads(kb_site.read("search/search_index.json"))
    assert not [d for d in index["docs"] if "-poster/" in d["location"]]


def test_markers_are_rendered_everywhere(kb_site):
    leftovers = [p for p in kb_site.path.rglob("*.html") if "[[" in p.read_text(encoding="utf-8")]
    assert leftovers == []
    about = kb_site.read("about/index.html")
    for category in DIRECTORY.categories.values():
        assert category.name in about
    assert 'href="/forms/report?category=leak"' in kb_site.read("guides/leak/index.html")


def test_no_page_or_stylesheet_loads_from_another_host(kb_site):
    offenders = [f"{path.relative_to(kb_site.path)}: {match.group(0)}"
                 for path in [*kb_site.path.rglob("*.html"), *kb_site.path.rglob("*.css")]
                 for match in FETCHES_ELSEWHERE.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_search_index_is_segmented_with_the_user_dictionary(kb_site):
    index = json.loads(kb_site.read("search/search_index.json"))
    config = index["config"]
    assert config["lang"] == ["zh"]
    assert re.compile(config["separator"]).fullmatch("\u200b")
    tokens = {t for d in index["docs"] for t in re.split(config["separator"], re.sub("<[^>]+>", " ", d["text"]))}
    for term in ("业委会", "大管家", "维修资金", "加装电梯", "垃圾厢房", "联合接待"):
        assert term in tokens, term


def test_residents_words_are_in_the_index_of_their_page(kb_site):
    index = json.loads(kb_site.read("search/search_index.json"))
    keywords = {d["location"]: d["keywords"].split() for d in index["docs"] if "keywords" in d}
    assert {"维修基金", "维修基", "维修资金"} <= set(keywords["guides/maintenance-fund/"])
    assert "渗水" in keywords["guides/leak/"]
    assert "装电梯" in keywords["guides/lift-retrofit/"]
