"""The 工作成效 figures as page content: big headline numbers, static SVG charts, data tables.

Not a hook itself: hooks/markers.py reads the figures file and calls these pure functions.
The charts are inline SVG made at build time — no script, no library, nothing fetched. Each has
role="img" with a <title> and <desc>, a table with the same numbers under it, text of 16px
(about 15px once fitted to a phone's width) and colours of at least 3:1 against white.
"""
from __future__ import annotations

import unicodedata
from html import escape

FONT = 16
WIDTH = 350          # fits a 390px phone screen with Material's margins, so text is barely scaled
INK = "#1b1b1b"      # text: 17:1 on white
AXIS = "#767676"     # axes and grid lines: 4.5:1
SERIES = {"收到": "#1a4d8f", "已解决": "#b45309"}  # 8.4:1 and 5.0:1; dark blue and brown differ in lightness too
MONTHS_SHOWN = 12


def cell(value) -> str:
    """Text safe inside a Markdown table cell and HTML."""
    return escape(str(value)).replace("|", "&#124;")


def text_width(text: str, size: int = FONT) -> float:
    """Rough rendered width: full-width (CJK) characters are one em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def nice_max(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … that is at least value (an axis end)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def svg(ident: str, title: str, desc: str, width: float, height: float, body: list[str]) -> str:
    """An accessible inline <svg role="img">, named by its <title> and described by its <desc>."""
    ids = f"kb-chart-{ident}-title kb-chart-{ident}-desc"
    return "".join([
        f'<svg class="kb-chart__svg" role="img" aria-labelledby="{ids}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-size="{FONT}" fill="{INK}">',
        f'<title id="kb-chart-{ident}-title">{escape(title)}</title>',
        f'<desc id="kb-chart-{ident}-desc">{escape(desc)}</desc>',
        *body, "</svg>"])


def label(x: float, y: float, text: str, anchor: str = "start") -> str:
    """One line of SVG text."""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'


SMALL = "少于3"  # a count of 1 or 2 as the figures file publishes it (forms_app/publishing/figures.py)


def amount(value) -> int:
    """A published count as a number for drawing and sorting: "少于3" draws no bar."""
    return value if isinstance(value, int) else 0


def shown(value) -> str:
    """A published count as text: the number, or "少于3"."""
    return SMALL if value == SMALL else str(int(value))


def bar_chart(ident: str, title: str, desc: str, rows: list[tuple[str, int | str]]) -> str:
    """Horizontal bars, one per (label, count): label on the left, the count (or "少于3") at the bar's end."""
    row_h, bar_h = 30, 18
    label_w = max(text_width(name) for name, _ in rows)
    top = max(amount(value) for _, value in rows)
    value_w = max(text_width(shown(value)) for _, value in rows) + 10
    x0 = label_w + 10
    bar_max = max(100, WIDTH - x0 - value_w)
    body = []
    for i, (name, value) in enumerate(rows):
        y = i * row_h
        length = bar_max * amount(value) / top if top else 0
        body.append(label(x0 - 6, y + 21, name, "end"))
        if length > 0:
            body.append(f'<rect x="{x0:.1f}" y="{y + 6}" width="{length:.1f}" height="{bar_h}" fill="{SERIES["收到"]}"/>')
        body.append(label(x0 + length + 5, y + 21, shown(value)))
    height = len(rows) * row_h + 6
    body.append(f'<line x1="{x0:.1f}" y1="0" x2="{x0:.1f}" y2="{height}" stroke="{AXIS}"/>')
    return svg(ident, title, desc, x0 + bar_max + value_w, height, body)


def column_chart(ident: str, title: str, desc: str, columns: list[tuple[str, tuple[int, ...]]],
                 caption: str) -> str:
    """Grouped columns per (label, one count per SERIES), a legend above and a caption below."""
    top = nice_max(max([max(values) for _, values in columns] + [1]))
    left = text_width(str(top)) + 10
    plot_top, plot_h = 42, 150
    base = plot_top + plot_h
    slot = (WIDTH - left - 4) / len(columns)
    bar_w = min(14.0, (slot - 6) / len(SERIES))
    body = legend()
    for tick in sorted({0, top // 2, top} if top % 2 == 0 else {0, top}):
        y = base - plot_h * tick / top
        dash = "" if tick == 0 else ' stroke-dasharray="2 4"'
        body.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" stroke="{AXIS}"{dash}/>')
        body.append(label(left - 5, y + 5, str(tick), "end"))
    for i, (name, values) in enumerate(columns):
        x = left + slot * i + (slot - bar_w * len(SERIES)) / 2
        for j, (value, colour) in enumerate(zip(values, SERIES.values())):
            h = plot_h * value / top
            body.append(f'<rect x="{x + j * bar_w:.1f}" y="{base - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"/>')
        body.append(label(left + slot * (i + .5), base + 20, name, "middle"))
    body.append(label(WIDTH / 2, base + 44, caption, "middle"))
    return svg(ident, title, desc, WIDTH, base + 54, body)


def legend() -> list[str]:
    """Coloured squares naming the series, in one line at the top."""
    items, x = [], 0.0
    for name, colour in SERIES.items():
        items.append(f'<rect x="{x:.1f}" y="6" width="16" height="16" fill="{colour}"/>')
        items.append(label(x + 22, 20, name))
        x += 22 + text_width(name) + 20
    return items


def figure(chart: str, table: list[str]) -> str:
    """A chart with its data table under it, kept out of search: a resident searching 停车 wants the guide."""
    return "\n".join(['<div class="kb-figure" data-search-exclude markdown>', "",
                      f'<figure class="kb-chart">{chart}</figure>', "", *table, "", "</div>"])


def headline(figures: dict, as_of: str | None) -> str:
    """The headline counts as a table of big numbers, and the sum that shows they add up."""
    counts = {str(name): int(value) for name, value in figures.items()}
    names = list(counts)
    rows = [f"| {cell(name)} | {value} |" for name, value in counts.items()]
    parts = [f"截至{cell(as_of)}：", ""] if as_of else []
    parts += ['<div class="kb-headline" markdown>', "", "| 项目 | 数量（个） |", "| --- | ---: |", *rows, "", "</div>"]
    if len(names) > 2 and counts[names[0]] == sum(counts[n] for n in names[1:]):
        parts += ["", f"{'、'.join(names[1:])}加起来，正好是{names[0]}："
                      f"{' + '.join(str(counts[n]) for n in names[1:])} = {counts[names[0]]}。"]
    return "\n".join(parts)


def ranking(items: list[dict]) -> list[dict]:
    """Most received first ("少于3" between 0 and 3); ties keep the directory's order."""
    return sorted(items, key=lambda item: -(amount(item["received"]) or (1.5 if item["received"] == SMALL else 0)))


def count(value) -> int | str:
    """A count read from the figures file: an integer, or "少于3"."""
    return SMALL if value == SMALL else int(value)


def breakdown_section(ident: str, heading: str, column: str, items: list[dict]) -> str:
    """One breakdown (by category, area or channel): a bar chart of received and a table with resolved."""
    items = ranking([{**item, "received": count(item["received"]), "resolved": count(item["resolved"])}
                     for item in items])
    busiest = "、".join(f"{item['label']} {shown(item['received'])} 个" for item in items[:3] if amount(item["received"]))
    desc = f"收到问题最多的是：{busiest}。每一项的数字见图下的表格。" if busiest else "还没有收到问题。"
    chart = bar_chart(ident, f"{heading}收到的问题（个）", desc,
                      [(str(item["label"]), item["received"]) for item in items])
    table = [f"| {column} | 收到 | 已解决 |", "| --- | ---: | ---: |"]
    table += [f"| {cell(item['label'])} | {shown(item['received'])} | {shown(item['resolved'])} |" for item in items]
    hidden = any(SMALL in (item["received"], item["resolved"]) for item in items)
    note = ["一项只有 1 个或 2 个问题时写作“少于3”，免得从很小的数字猜出是哪一户。", ""] if hidden else []
    return "\n".join([f"### {heading}", "", *note, figure(chart, table)])


def category_section(items: list[dict]) -> str:
    """按问题类别."""
    return breakdown_section("category", "按问题类别", "问题类别", items)


def area_section(items: list[dict]) -> str:
    """按居民区."""
    return breakdown_section("area", "按居民区", "居民区", items)


def channel_section(items: list[dict]) -> str:
    """按来源: how the problems came in (网页, 电话, 来访, 联合接待 …)."""
    return breakdown_section("channel", "按来源", "来源", items)


# Each rate in plain words: what is counted, and what counts as meeting it.
RATE_WORDS = {
    "先行联系按时率": "大管家在期限内第一次联系上居民的问题，占“联系期限已到或已经联系过”的问题的比例。"
                     "期限一般是登记后 [[fact:first-contact-days]] 个工作日，紧急的问题当天（按国家公布的工作日算，调休也算在内）。",
    "按时办结率": "在期限内形成方案或办结的问题，占“办结期限已到，或已经形成方案、办结”的问题的比例。"
                 "期限一般是登记后 [[fact:resolve-days]] 个工作日（街道定的工作目标）。",
    "回访率": "已解决的问题里，居民回答过回访（在网上回答，或大管家打电话问）的比例。",
    "满意率": "回访时效率、态度、结果三项都回答了的答复里，三项都是“满意”或“基本满意”的比例。",
}


def rates_section(rates: list[dict]) -> str:
    """The four rates, each with its definition in plain words and what it rests on."""
    lines = []
    for rate in rates:
        name, value = str(rate["label"]), rate["value"]
        words = RATE_WORDS.get(name, "")
        if value is None:
            minimum = rate.get("min_answers")
            why = f"答复不到 {int(minimum)} 次，暂不公布" if minimum and int(rate["of"]) else "还没有可以计算的问题"
            lines.append(f"- **{cell(name)}**：{why}。{words}")
        else:
            lines.append(f"- **{cell(name)}**：**{float(value):g}%**（{int(rate['met'])} / {int(rate['of'])}）。{words}")
    return "\n".join(["### 办得及时吗、居民满意吗", "", *lines])


def month_name(month: str) -> str:
    """'2026-03' → '2026年3月'."""
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def month_section(months: list[dict]) -> str:
    """The last MONTHS_SHOWN months: received and resolved per month, as columns and a table."""
    months = months[-MONTHS_SHOWN:]
    if not months:
        return "### 按月份\n\n还没有收到问题。"
    numbers = [int(m["month"].split("-")[1]) for m in months]
    wide = all(text_width(f"{n}月") + 4 <= (WIDTH - 40) / len(months) for n in numbers)
    columns = [(f"{n}月" if wide else str(n), (int(m["received"]), int(m["resolved"]))) for n, m in zip(numbers, months)]
    span = f"{month_name(months[0]['month'])}—{month_name(months[-1]['month'])}"
    caption = span if wide else f"月份：{span}"
    desc = (f"{span}每月收到和解决的问题数。共收到 {sum(int(m['received']) for m in months)} 个，"
            f"解决 {sum(int(m['resolved']) for m in months)} 个。每月的数字见图下的表格。")
    chart = column_chart("month", "每月收到和解决的问题（个）", desc, columns, caption)
    table = ["| 月份 | 收到 | 已解决 |", "| --- | ---: | ---: |"]
    table += [f"| {month_name(m['month'])} | {int(m['received'])} | {int(m['resolved'])} |" for m in months]
    note = f"最近 {MONTHS_SHOWN} 个月。“已解决”按办结日期算在那个月。" if len(months) == MONTHS_SHOWN else "“已解决”按办结日期算在那个月。"
    return "\n".join(["### 按月份", "", note, "", figure(chart, table)])


def speed_section(days: dict) -> str:
    """Median days from report to resolution, with how many reports it rests on."""
    undated = int(days["undated"])
    skipped = f"另有 {undated} 个已解决的问题没有记办结日期，没有算进去。" if undated else ""
    if days["median"] is None:
        return f"### 办得快不快\n\n还没有记了办结日期的已解决问题，暂时算不出用时。{skipped}"
    median = float(days["median"])
    shown = f"{median:.0f}" if median.is_integer() else f"{median:.1f}"
    return (f"### 办得快不快\n\n从登记到解决，用时的中位数是 **{shown} 天**：一半的问题在 {shown} 天以内解决。"
            f"（按 {int(days['reports'])} 个记了办结日期的已解决问题计算。{skipped}）")


def receptions_section(held: int) -> str:
    """Joint receptions held so far."""
    return f"### 联合接待\n\n已经举办联合接待 **{int(held)}** 次（只算日期已过、至少有一位居民报名成功的场次）。"


def consultations_section(held: int) -> str:
    """会商次数: meetings of the parties on residents' problems."""
    return f"### 会商\n\n居委会、业委会、物业等各方一起会商 **{int(held)}** 次（每次会商商定办法，记入纪要，各方签字）。"


def followup_section(answers: dict) -> str:
    """Follow-up honesty: reports reopened after a resident said 没有解决, and satisfaction."""
    reopened, again = int(answers["reopened"]), int(answers["reopened_resolved"])
    count, minimum = int(answers["answers"]), int(answers["min_answers"])
    said_no = f"，其中 {int(answers['not_solved_answers'])} 次说“没有解决”" if count else ""
    lines = [f"- 居民回访时说“没有解决”、重新办理的问题：**{reopened}** 个"
             + (f"，其中 {again} 个已再次解决，其余的还在办，没有算作已解决。" if reopened else "。")]
    if answers["average_satisfaction"] is None:
        lines.append(f"- 居民回访答复 {count} 次{said_no}。不到 {minimum} 次，暂不公布平均满意度。")
    else:
        lines.append(f"- 居民回访答复 {count} 次{said_no}；平均满意度 **{float(answers['average_satisfaction']):.1f} 分**（满分 5 分）。")
    return "\n".join(["### 回访", "", *lines])
