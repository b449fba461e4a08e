"""Markdown for the generated 小区与大管家 section: the area list, one page and one poster per compound.

Not a hook itself: hooks/compounds.py calls these from on_files. Values from the data file are
escaped, since a name with a `<` or `*` in it must print as written.
"""
from __future__ import annotations

import io
import json
from html import escape

import segno
from mkdocs.exceptions import PluginError

from forms_app.core.directory import Compound, Contact, Directory, Steward, name_key, sort_key  # noqa: F401 (sort_key: tests)
from forms_app.core.phones import normalise_phone

SECTION = "compounds"

# Public fields a contact may carry besides name and phone, with the label a resident reads.
CONTACT_FIELDS = {"address": "地址", "reception": "接待时间", "service_desk": "服务地点", "hours": "办公时间"}

# QR code settings; tests regenerate the expected SVG with exactly these.
QR_OPTIONS = {"error": "m", "micro": False}
QR_SVG_OPTIONS = {"kind": "svg", "xmldecl": False, "svgns": True, "omitsize": True, "border": 4,
                  "dark": "#000", "light": "#fff", "nl": False}


# Shown on a phone (long-press in WeChat) and on paper or a computer screen (scan with WeChat).
SCAN_HOW = ('<span class="kb-scan-paper">用微信扫一扫</span>'
            '<span class="kb-scan-phone">在微信里长按二维码，选“识别图中二维码”</span>')


def report_url(directory: Directory, compound: Compound) -> str:
    """The report form with this compound chosen: what the QR code opens. src=qr makes the form
    record 来源 二维码; the compound page's own button leaves it out (来源 网页)."""
    return f"{directory.street['site_url'].rstrip('/')}/forms/report?compound={compound.id}&src=qr"


def qr_svg(url: str, title: str) -> str:
    """An SVG QR code for url, scalable (viewBox only), with an accessible title."""
    out = io.BytesIO()
    segno.make(url, **QR_OPTIONS).save(out, title=title, **QR_SVG_OPTIONS)
    return out.getvalue().decode("utf-8")


def page_uri(compound: Compound) -> str:
    """Where the compound's page lives under docs/."""
    return f"{SECTION}/{compound.id}.md"


def poster_uri(compound: Compound) -> str:
    """Where the compound's printable stairwell poster lives under docs/."""
    return f"{SECTION}/{compound.id}-poster.md"


def qr_uri(compound: Compound) -> str:
    """Where the compound's QR code SVG lives under docs/."""
    return f"{SECTION}/qr/{compound.id}.svg"


def qr_png_uri(compound: Compound) -> str:
    """The same QR code as a PNG: WeChat's long-press recognises bitmap images."""
    return f"{SECTION}/qr/{compound.id}.png"


def qr_png(url: str) -> bytes:
    """A PNG QR code for url, big enough to long-press on a phone."""
    out = io.BytesIO()
    segno.make(url, **QR_OPTIONS).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def _yaml(text: str) -> str:
    """A front-matter string that stays one string whatever it contains (JSON is YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _tel(phone: str) -> str:
    """A tel: link for a displayed phone number, so a tap calls it."""
    number = escape(phone)
    return f'<a class="kb-tel" href="tel:{normalise_phone(phone).e164}">{number}</a>'


def _facts(pairs: list[tuple[str, str]]) -> str:
    """A definition list of label → value, values escaped."""
    rows = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in pairs)
    return f'<dl class="kb-facts">{rows}</dl>'


def sample_notice(directory: Directory) -> str:
    """While the directory is sample data, say so where contacts show; nothing once the office has confirmed it."""
    if not directory.street.get("sample"):
        return ""
    return ('!!! warning "示例信息"\n'
            "    本站上大管家、居委会、业委会和物业的**名字、电话和接待时间现在都是示例**，"
            "街道确认以后才会换成真的。现在请以街道公布的为准。")


def contact_card(contact: Contact, where: str) -> str:
    """An HTML card with a contact's name, phone and public extra fields."""
    unknown = sorted(set(contact.extra) - set(CONTACT_FIELDS))
    if unknown:
        raise PluginError(f"{where}的字段「{'、'.join(unknown)}」没有中文名称，请在 hooks/compound_pages.py 的 CONTACT_FIELDS 里加上。")
    facts = [(CONTACT_FIELDS[k], v) for k, v in contact.extra.items()]
    return (f'<div class="kb-card"><p class="kb-card__name">{escape(contact.name)}</p>'
            f'<p class="kb-card__phone">电话：{_tel(contact.phone)}</p>{_facts(facts) if facts else ""}</div>')


def index_markdown(directory: Directory) -> str:
    """compounds/index.md: an index of areas, a filter box (with JavaScript), then every area in
    pinyin order with its committee and its compounds, each with its steward's phone."""
    areas = directory.areas_in_order()
    links = " · ".join(f"[{escape(a.name)}](#{a.id})" for a in areas)
    lines = ["# 小区与大管家", "",
             "找到您住的小区，就能看到它的社区大管家和电话；点进去还有接待时间和地点，"
             "以及居委会、业委会和物业公司的电话。还没有大管家的居民区，写着先找哪个居委会。居民区和小区按拼音排序。", "",
             '<nav class="kb-area-index" aria-label="按居民区找" markdown>', "",
             f"**按居民区找：** {links}", "", "</nav>", "",
             '<div id="kb-filter" class="kb-filter" hidden></div>', "",
             '<script src="../assets/compound-filter.js" defer></script>', "",
             sample_notice(directory), ""]   # after the area index: the index stays on the first screen
    for area in areas:
        committee = area.committee
        lines += [f'<div class="kb-area" data-area="{escape(area.name)}" data-key="{escape(name_key(area.name))}" markdown>', "",
                  f"## {escape(area.name)}居民区 {{ #{area.id} }}", "",
                  f'<p class="kb-area__committee">{escape(committee.name)}：{_tel(committee.phone)}</p>', ""]
        compounds = directory.compounds_in_order(area.id)
        if not compounds:
            lines += ["本居民区的小区信息正在整理，请先打居委会的电话。", "", "</div>", ""]
            continue
        lines += ['<div class="kb-compound-list" markdown>', ""]
        if area.covered:
            # data-keys: the name and its aliases as core.directory.name_key folds them (the filter compares those).
            lines += [f'- <span class="kb-compound" data-keys="{escape(" ".join(c.keys))}">[{escape(c.name)}]({c.id}.md)：'
                      f"大管家 {escape(c.steward.name)}，{_tel(c.steward.phone)}</span>"
                      for c in compounds]
        else:
            lines += [f'- <span class="kb-compound" data-keys="{escape(" ".join(c.keys))}">[{escape(c.name)}]({c.id}.md)：'
                      "还没有社区大管家，有事先找居委会</span>" for c in compounds]
        lines += ["", "</div>", "", "</div>", ""]
    return "\n".join(lines)


def compound_markdown(directory: Directory, compound: Compound) -> str:
    """compounds/<id>.md: the steward first, then the QR code, then the other parties."""
    s, name = compound.steward, escape(compound.name)
    if compound.area.covered:
        heading = "## 您的大管家 { #steward }"
        steward = (f'<div class="kb-card kb-card--steward"><p class="kb-card__name">{escape(s.name)}</p>'
                   f'<p class="kb-card__phone">电话：{_tel(s.phone)}</p>'
                   f'{_facts([("接待时间", s.hours), ("接待地点", s.place)])}</div>')
    else:
        heading = "## 先找谁 { #steward }"
        steward = (f"{escape(compound.area.name)}居民区**还没有社区大管家**。有事请先找居委会，"
                   "居委会会帮您找物业、业委会；也可以在网上登记，街道的大管家事务所收到后转给居委会。\n\n"
                   + contact_card(compound.area.committee, f"居民区 {compound.area.id} 的居委会"))
    return "\n".join([
        "---", f"title: {_yaml(compound.name)}", "---", "",
        f"# {name}", "",
        f"{escape(compound.area.name)}居民区 · [看全部小区](index.md#{compound.area.id})", "",
        sample_notice(directory), "",
        heading, "", steward, "",
        f'<a class="md-button md-button--primary kb-button" href="/forms/report?compound={escape(compound.id)}">'
        f"在线反映{name}的问题</a>", "",
        "## 扫码反映问题 { #qr data-search-exclude }", "",  # the same words on every compound page
        f"![{name}的二维码：扫码反映问题](qr/{compound.id}.png){{ .kb-qr }}", "",
        f'<p class="kb-scan">{SCAN_HOW}，打开的表格已经选好「{name}」。</p>', "",
        f"[打印楼道海报]({compound.id}-poster.md){{ .md-button }}", "",
        "## 居委会 { #committee }", "", contact_card(compound.area.committee, f"居民区 {compound.area.id} 的居委会"), "",
        "## 业委会 { #owners-committee }", "", contact_card(compound.owners_committee, f"小区 {compound.id} 的业委会"), "",
        "## 物业公司 { #property-company }", "", contact_card(compound.property_company, f"小区 {compound.id} 的物业公司"), "",
    ])


def poster_markdown(directory: Directory, compound: Compound) -> str:
    """compounds/<id>-poster.md: one A4 page for the stairwell (see the print stylesheet)."""
    s, name = compound.steward, escape(compound.name)
    if not compound.area.covered:  # no steward there: the poster names the residents' committee
        committee = compound.area.committee
        s = Steward(s.id, committee.name, committee.phone, committee.extra.get("hours", "工作时间"),
                    committee.extra.get("address", committee.name))
    phone = escape(s.phone)
    return "\n".join([
        "---", f"title: {_yaml(compound.name + '楼道海报')}", "search:", "  exclude: true",
        "hide:", "  - navigation", "  - toc", "  - footer", "---", "",
        f"这是{name}的楼道海报。用浏览器的「打印」打印本页，纸张选 A4，一张纸正好一页。"
        f"[返回{name}]({compound.id}.md)", "{ .kb-screen-only .kb-note }", "",
        '<div class="kb-poster" markdown>', "",
        f'# {name}：有事找大管家 {{ .kb-poster__title }}', "",
        '<p class="kb-poster__promise">只跑一站路 · 只进一扇门 · 只找一个人</p>', "",
        f'<div class="kb-poster__steward"><p class="kb-poster__label">{"您的社区大管家" if compound.area.covered else "有事先找"}</p>'
        f'<p class="kb-poster__name">{escape(s.name)}</p>'
        f'<p class="kb-poster__phone">{phone}</p></div>', "",
        '<div class="kb-poster__ways" markdown>', "",
        '<div class="kb-poster__way kb-poster__way--scan" markdown>', "",
        f"![{name}的二维码：扫码反映问题](qr/{compound.id}.svg){{ .kb-poster__qr }}", "",
        f'<p class="kb-poster__how"><strong>① 扫码</strong>{SCAN_HOW}，在手机上反映问题，小区已经选好。</p>', "",
        "</div>", "",
        f'<p class="kb-poster__how"><strong>② 打电话</strong>给{"大管家" if compound.area.covered else "居委会"}：{phone}</p>', "",
        f'<p class="kb-poster__how"><strong>③ 当面找</strong>{escape(s.place)}，{escape(s.hours)}</p>', "",
        "</div>", "",
        f'<p class="kb-poster__footer">{escape(directory.street.get("name", ""))}社区大管家 · '
        f'{escape(compound.area.committee.name)} {escape(compound.area.committee.phone)}</p>', "",
        "</div>", "",
    ])
