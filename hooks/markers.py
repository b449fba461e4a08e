"""Hook: replace `[[marker]]` lines in pages with Markdown rendered from the directory data.

A marker is alone on its line: `[[name]]` or `[[name:argument]]`. on_page_markdown only
dispatches; each marker has one small render function. An unknown marker, a missing or
unexpected argument, or an unknown category fails the build: a page must never ship with
`[[...]]` showing.
"""
from __future__ import annotations

import json
import os
import re
import sys
from html import escape
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from mkdocs.exceptions import PluginError  # noqa: E402

from forms_app.core.cases import STATUS_MEANINGS  # noqa: E402
from forms_app.core.facts import FACTS, account, fact  # noqa: E402
from forms_app.core.directory import Contact, Directory  # noqa: E402
from forms_app.core.phones import PhoneError, normalise_phone  # noqa: E402
from hooks import charts  # noqa: E402
from hooks.build import ROOT, current_directory, link  # noqa: E402
from hooks.compound_pages import contact_card, sample_notice  # noqa: E402

# Inline facts ([[fact:…]], [[account:…]]) may stand alone on a line too: they are not block markers.
MARKER = re.compile(r"^[ \t]*\[\[(?!fact:|account:)([^\]:]*)(?::([^\]]*))?\]\][ \t]*$", re.MULTILINE)
# An inline fact inside a sentence: `目标是[[fact:resolve-days]]个工作日内办结`.
FACT = re.compile(r"\[\[(fact|account):([^\]]*)\]\]")


def _button(label: str, href: str) -> str:
    """A big primary button to a form of the forms service (same origin, so not a docs link)."""
    return f'<a class="md-button md-button--primary kb-button" href="{escape(href)}">{escape(label)}</a>'


def render_who_does_what(directory: Directory, src_uri: str) -> str:
    """A table: each problem category → who does what, linking to its guide."""
    rows = ["| 问题 | 谁来做什么 |", "| --- | --- |"]
    for category in directory.categories.values():
        parties = "<br>".join(escape(p.strip()) for p in re.split(r"[；;]", category.parties) if p.strip())
        rows.append(f"| [{escape(category.name)}]({link(src_uri, category.guide + '.md')}) | {parties} |")
    return "\n".join(rows)


def render_report_button(directory: Directory, category_id: str) -> str:
    """The report form with this problem category chosen."""
    if category_id not in directory.categories:
        known = "、".join(directory.categories)
        raise PluginError(f"问题类别「{category_id}」不在目录数据里（现有：{known}）。")
    return _button("在线反映这个问题", f"/forms/report?category={category_id}")


def figures_path() -> Path:
    """The figures file `flask figures` writes: $FIGURES_FILE (relative to the project) or data/figures.json."""
    return ROOT / (os.environ.get("FIGURES_FILE") or "data/figures.json")


# Figures-file key → its section of the page (hooks/charts.py). The headline ("figures") is
# required; a section the file lacks is left out, so an older file still renders.
FIGURE_SECTIONS = {
    "by_category": charts.category_section,
    "by_area": charts.area_section,
    "by_channel": charts.channel_section,
    "rates": charts.rates_section,
    "by_month": charts.month_section,
    "resolution_days": charts.speed_section,
    "receptions_held": charts.receptions_section,
    "consultations_held": charts.consultations_section,
    "followup": charts.followup_section,
}


def render_figures(path: Path | None = None) -> str:
    """The latest public figures (headline, charts, tables) from the figures file, if there is one."""
    path = path or figures_path()
    if not path.exists():
        return "最新数字正在统计中。"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parts = [charts.headline(data["figures"], data.get("as_of"))]
        parts += [render(data[key]) for key, render in FIGURE_SECTIONS.items() if key in data]
    except (ValueError, LookupError, TypeError, AttributeError) as exc:
        raise PluginError(f"{path.name} 的格式不对（{exc}），请用 flask figures 重新生成。"
                          f"至少要有 {{\"as_of\": ..., \"figures\": {{项目: 数量}}}}。") from None
    return "\n\n".join(parts)


def render_office(directory: Directory) -> str:
    """The street's steward office: name, phone (tap to call), address and hours."""
    office = directory.street.get("office") or {}
    extra = {k: str(office[k]) for k in ("address", "hours") if office.get(k)}
    try:
        phone = normalise_phone(str(office.get("phone", ""))).display
    except PhoneError:
        raise PluginError(f"目录数据里 street.office 的电话「{office.get('phone')}」格式不对。") from None
    return contact_card(Contact(str(office.get("name", "")), phone, extra), "street.office")


def render_call_office(directory: Directory, src_uri: str) -> str:
    """"不想填表？" with the office's number as a tap-to-call link, and a link to the compound list."""
    office = directory.street.get("office") or {}
    try:
        phone = normalise_phone(str(office.get("phone", "")))
    except PhoneError:
        raise PluginError(f"目录数据里 street.office 的电话「{office.get('phone')}」格式不对。") from None
    hours = f"（{escape(str(office['hours']))}）" if office.get("hours") else ""
    return (f'不想填表？打电话给大管家：<a class="kb-tel kb-call" href="tel:{phone.e164}">{escape(phone.display)}</a>{hours}，'
            f"或者[找您小区的大管家]({link(src_uri, 'compounds/index.md')})。\n{{ .kb-now__call }}")


def render_call_button(directory: Directory) -> str:
    """A big tap-to-call button for the street's steward office (the home page's first screen)."""
    office = directory.street.get("office") or {}
    try:
        phone = normalise_phone(str(office.get("phone", "")))
    except PhoneError:
        raise PluginError(f"目录数据里 street.office 的电话「{office.get('phone')}」格式不对。") from None
    return (f'<a class="md-button kb-call-button" href="tel:{phone.e164}">'
            f'<span>不想填表？打电话：</span><strong>{escape(phone.display)}</strong></a>')


def render_urgent_categories(directory: Directory, src_uri: str) -> str:
    """The urgent categories as a list, each linking to its guide."""
    urgent = [c for c in directory.categories.values() if c.urgent]
    if not urgent:
        return "（目前没有整类都算紧急的问题，以您勾选的为准。）"
    return "\n".join(f"- {escape(c.name)}（见[{escape(c.name)}]({link(src_uri, c.guide + '.md')})）" for c in urgent)


def render_guides_table(directory: Directory, src_uri: str) -> str:
    """The guides index: how residents put each problem → its guide, in the nav's order."""
    rows = ["| 问题 | 指南 |", "|---|---|"]
    rows += [f"| {escape(g.asks)} | [{escape(g.title)}]({link(src_uri, g.page + '.md')}) |" for g in directory.guides()]
    return "\n".join(rows)


def render_statuses() -> str:
    """The six statuses and what they mean: the same words as the forms' status page."""
    rows = ["| 状态 | 意思 |", "| --- | --- |"]
    rows += [f"| **{escape(name)}** | {escape(meaning)} |" for name, meaning in STATUS_MEANINGS.items()]
    return "\n".join(rows)


def table_backend(environ=os.environ) -> str:
    """The stewards' shared table the site is built for: SHEET_BACKEND, or google when its key is set, else ''."""
    chosen = (environ.get("SHEET_BACKEND") or "").strip().lower()
    if chosen:
        return chosen
    return "google" if environ.get("SHEETS_SPREADSHEET_KEY") and environ.get("GOOGLE_SERVICE_ACCOUNT_FILE") else ""


# What the privacy page says about the stewards' shared table, per backend (manual/shared-table.md).
SHARED_TABLE_TEXT = {
    "": "- 大管家在这个网站的大管家页面里办事，**不另外同步到别的在线表格**。",
    "wecom": ("- 信息还会同步到大管家们用的**企业微信“智能表格”**（上海的政务微信，是部署在政府自己服务器上的企业微信）。"
              "这份表格**存放在中国境内**，只给大管家办事用，需要大管家登录企业微信才能打开。"),
    "feishu": ("- 信息还会同步到大管家们用的**飞书“多维表格”**。这份表格**存放在中国境内**，"
               "只给大管家办事用，需要大管家登录飞书才能打开。"),
    "google": ("- 信息还可能同步到一份 **Google 表格**。Google 表格是 Google 公司的在线服务，**在中国大陆以外**，"
               "同步过去就是把您的个人信息提供到境外。所以登记问题、报名接待时，会**另外问您是否同意**；"
               "只有您勾选同意，您的信息才会同步过去。不同意的，信息只存在街道自己的服务器上，**照样受理**。"
               "（依据：《个人信息保护法》第三十九条，向境外提供个人信息，要告诉您并取得您的单独同意。）"),
}


def render_shared_table() -> str:
    """Where the stewards' shared table keeps residents' data, for the backend this site is built for."""
    backend = table_backend()
    if backend not in SHARED_TABLE_TEXT:
        raise PluginError(f"SHEET_BACKEND={backend!r} 不认识（只能是 google、wecom 或 feishu）。")
    return SHARED_TABLE_TEXT[backend]


def account_text(directory: Directory, key: str, where: str) -> str:
    """One line of the street's own account (street.account.KEY in the data file: Markdown allowed)."""
    value = account(directory).get(key)
    if not isinstance(value, str) or not value.strip():
        raise PluginError(f"{where}：目录数据的 street.account 里没有「{key}」（要写一句话）。")
    return " ".join(value.split())


def render_account_list(directory: Directory, key: str) -> str:
    """A list from the street's own account (street.account.KEY: a list of lines)."""
    value = account(directory).get(key)
    if not isinstance(value, list) or not value:
        raise PluginError(f"目录数据的 street.account 里没有「{key}」（要写成一个列表）。")
    return "\n".join(f"- {escape(str(item))}" for item in value)


def render_reported_figures(directory: Directory) -> str:
    """The figures the street published (street.account.reported: [label, number, unit] rows) as a table."""
    rows = account(directory).get("reported")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) and len(r) == 3 for r in rows):
        raise PluginError("目录数据的 street.account.reported 要写成 [项目, 数字, 单位] 的列表。")
    table = ["| 项目 | 数量 |", "|---|---|"] + [f"| {escape(str(a))} | **{escape(str(b))}** {escape(str(c))} |" for a, b, c in rows]
    note = account(directory).get("reported_note")
    return "\n".join(table) + (f"\n\n{escape(str(note))}" if note else "")


def render_facts(markdown: str, src_uri: str, directory: Directory) -> str:
    """Replace every inline [[fact:name]] with its value; an unknown fact fails the build."""
    def replace(match: re.Match) -> str:
        kind, name = match.group(1), match.group(2).strip()
        if kind == "account":
            return account_text(directory, name, f"docs/{src_uri} 里的 {match.group(0)}")
        if name not in FACTS:
            raise PluginError(f"docs/{src_uri} 里的 {match.group(0)}：不认识这个事实。可用的：{'、'.join(FACTS)}。")
        return escape(fact(name, directory))
    return FACT.sub(replace, markdown)


# marker name → (needs an argument?, render(directory, src_uri, argument))
RENDERERS = {
    "who-does-what": (False, lambda d, uri, arg: render_who_does_what(d, uri)),
    "report-button": (True, lambda d, uri, arg: render_report_button(d, arg)),
    "reception-button": (False, lambda d, uri, arg: _button("报名参加联合接待", "/forms/reception")),
    "status-button": (False, lambda d, uri, arg: _button("查询办理进度", "/forms/status")),
    "figures": (False, lambda d, uri, arg: render_figures()),
    "office": (False, lambda d, uri, arg: render_office(d)),
    "call-office": (False, lambda d, uri, arg: render_call_office(d, uri)),
    "call-button": (False, lambda d, uri, arg: render_call_button(d)),
    "statuses": (False, lambda d, uri, arg: render_statuses()),
    "shared-table": (False, lambda d, uri, arg: render_shared_table()),
    "account-list": (True, lambda d, uri, arg: render_account_list(d, arg)),
    "reported-figures": (False, lambda d, uri, arg: render_reported_figures(d)),
    "guides-table": (False, lambda d, uri, arg: render_guides_table(d, uri)),
    "urgent-categories": (False, lambda d, uri, arg: render_urgent_categories(d, uri)),
    "sample-notice": (False, lambda d, uri, arg: sample_notice(d)),
}


def render_markers(markdown: str, src_uri: str, directory: Directory) -> str:
    """Replace every marker line in one page's Markdown; raise on anything unknown."""
    def replace(match: re.Match) -> str:
        name, arg = match.group(1).strip(), match.group(2)
        where = f"docs/{src_uri} 里的 {match.group(0).strip()}"
        if name not in RENDERERS:
            raise PluginError(f"{where}：不认识这个标记。可用的标记：{'、'.join(RENDERERS)}。")
        needs_arg, render = RENDERERS[name]
        if needs_arg != bool(arg and arg.strip()):
            raise PluginError(f"{where}：{'要写成 [[' + name + ':类别]]' if needs_arg else '这个标记不带冒号后面的内容'}。")
        try:
            return render(directory, src_uri, arg.strip() if arg else None)
        except PluginError as exc:
            raise PluginError(f"{where}：{exc}") from None
    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown, page, config, files):
    """Dispatch the page's markers to their render functions."""
    directory = current_directory()
    return render_facts(render_markers(markdown, page.file.src_uri, directory), page.file.src_uri, directory)
