"""Hook: tables of three or more columns stack on a phone instead of running off the right edge.

Tables of figures (every cell after the first a number) stay tables: they are narrow. Each body
cell of the others gets its column heading as `data-label`; yanji.css shows the rows as cards on
narrow screens (the heading printed above each cell), so nothing is cut off at 375 px wide and
125 % text, and no sideways scrolling is needed. Wider screens keep the ordinary table.
"""
from __future__ import annotations

import re
from html import escape, unescape

TABLE = re.compile(r"<table>(.*?)</table>", re.S)
HEAD = re.compile(r"<thead>(.*?)</thead>", re.S)
TH = re.compile(r"<th(?:\s[^>]*)?>(.*?)</th>", re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
TD = re.compile(r"<td(\s[^>]*)?>")
TAG = re.compile(r"<[^>]+>")
MIN_COLUMNS = 3
# A cell of a figures table: a number, a share, a count too small to publish (少于3), or a dash.
FIGURE = re.compile(r"[\d.,%]+|少于\d+|[—–-]")


def numbers_only(body: str) -> bool:
    """Whether every cell but each row's first is a figure (figures tables: narrow, leave them be)."""
    rows = [re.findall(r"<td(?:\s[^>]*)?>(.*?)</td>", row, re.S) for row in ROW.findall(body)]
    values = [unescape(TAG.sub("", cell)).strip() for cells in rows for cell in cells[1:]]
    return bool(values) and all(FIGURE.fullmatch(v) for v in values)


def stack(table_html: str) -> str:
    """One table's inner HTML → the whole table, labelled for stacking when it has enough columns."""
    head = HEAD.search(table_html)
    labels = [unescape(TAG.sub("", h)).strip() for h in TH.findall(head.group(1))] if head else []
    if len(labels) < MIN_COLUMNS or numbers_only(table_html[head.end():]):
        return f"<table>{table_html}</table>"

    def label_row(row: re.Match) -> str:
        cells = iter(labels)
        return "<tr>" + TD.sub(lambda td: f'<td data-label="{escape(next(cells, ""))}"{td.group(1) or ""}>', row.group(1)) + "</tr>"

    body_start = head.end()
    return f'<table data-kb-stack>{table_html[:body_start]}{ROW.sub(label_row, table_html[body_start:])}</table>'


def on_page_content(html, page, config, files):
    """Label every wide table of the page."""
    return TABLE.sub(lambda m: stack(m.group(1)), html)
