"""A streaming .xlsx writer: rows go straight into the zip as SpreadsheetML, one at a time.

openpyxl (even write-only, without lxml) spends ~100 µs per cell: 50,000 cases × 28 columns took
over a minute. This writes what the export needs and nothing more — text cells only (inline strings,
so nothing is ever a formula), a bold frozen header, column widths, Excel's filter buttons — with
memory that does not grow with the number of rows. openpyxl and Excel read the result.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from forms_app.delivery.tables.base import column_letter

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CELL_LIMIT = 32_767
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (_HEAD + f'<styleSheet {_NS}><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _text(value) -> str:
    return escape(_ILLEGAL.sub("", "" if value is None else str(value))[:CELL_LIMIT])


class Writer:
    """Sheets one after another into `target` (a path or a binary file); close() finishes the workbook."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.titles: list[str] = []

    def sheet(self, title: str, headers: Iterable[str], widths: Iterable[float], rows: Iterable[list]) -> int:
        """One worksheet: the header (bold, frozen, with filter buttons), then every row as text; how many rows."""
        headers, widths = list(headers), list(widths)
        self.titles.append(title)
        count = 0
        with self.zip.open(f"xl/worksheets/sheet{len(self.titles)}.xml", "w", force_zip64=True) as raw:
            write = raw.write
            cols = "".join(f'<col min="{i}" max="{i}" width="{w:.1f}" customWidth="1"/>' for i, w in enumerate(widths, 1))
            write((_HEAD + f'<worksheet {_NS}><sheetViews><sheetView workbookViewId="0">'
                   '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                   f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>').encode())
            write(("<row>" + "".join(f'<c t="inlineStr" s="1"><is><t xml:space="preserve">{_text(h)}</t></is></c>'
                                     for h in headers) + "</row>").encode())
            batch = []
            for values in rows:
                batch.append("<row>" + "".join(f'<c t="inlineStr"><is><t xml:space="preserve">{_text(v)}</t></is></c>'
                                               if v not in (None, "") else "<c/>" for v in values) + "</row>")
                count += 1
                if len(batch) == 500:
                    write("".join(batch).encode())
                    batch.clear()
            write("".join(batch).encode())
            write(f'</sheetData><autoFilter ref="A1:{column_letter(len(headers))}{count + 1}"/></worksheet>'.encode())
        return count

    def close(self) -> None:
        """The workbook's parts that name the sheets, then the zip's directory."""
        n = len(self.titles)
        sheets = "".join(f'<sheet name="{escape(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(self.titles, 1))
        self.zip.writestr("xl/workbook.xml", _HEAD + f'<workbook {_NS} xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        self.zip.writestr("xl/_rels/workbook.xml.rels", _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/'
                          f'package/2006/relationships">{rels}</Relationships>')
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.writestr("_rels/.rels", _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                          f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                          '</Relationships>')
        kinds = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                        'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
        self.zip.writestr("[Content_Types].xml", _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                          'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
                          f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{kinds}</Types>')
        self.zip.close()
