# ruff: noqa: E501  (the package's fixed XML parts are kept whole, one element a line)
"""A small streaming .xlsx writer for our exports and large error sheets.

General writers spend most of their time per cell in Python (xlsxwriter: about 13 s of CPU
for a million cells, openpyxl more); this one writes the sheet XML as strings, row by row,
straight into the deflated zip member (about 2 s for the same million), and knows only
what our files need: one sheet, inline strings, numbers, booleans, dates, a frozen header
row, column widths and a handful of fixed styles.

Text is always a string cell, never a formula. Text that a spreadsheet could take for one
(`=`, `+`, `-`, `@`, a tab or a carriage return first) also gets Excel's quote prefix, so
that editing the cell keeps it text; the value reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl.utils import get_column_letter

#: What a spreadsheet may take for the start of a formula (or of a command, after a tab
#: or carriage return).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

# Style indexes (cellXfs in `_STYLES`).
PLAIN, BOLD, DATE, PERCENT, QUOTED, BOLD_QUOTED, RED, RED_QUOTED, DATETIME, RED_BOLD = range(10)
_QUOTED = {PLAIN: QUOTED, BOLD: BOLD_QUOTED, RED: RED_QUOTED, RED_BOLD: RED_QUOTED}
_RED_FOR = {PLAIN: RED, QUOTED: RED_QUOTED}

_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_DAY = _EPOCH.date().toordinal()
#: Characters XML 1.0 cannot hold, written as Excel writes them (_x0001_).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_CHARS = 32767  # Excel's limit for one cell


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a bare CR would read back as a line feed
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


class SheetWriter:
    """One worksheet written to `out` as rows arrive; `close()` finishes the file.

    `widths` are column widths in characters; `freeze_header` keeps row 1 in view. Rows are
    sequences of values (None: an empty cell) with an optional style per column; a value
    may also be a `(value, style)` pair for that one cell.
    """

    def __init__(
        self,
        out: IO[bytes],
        title: str,
        *,
        widths: Sequence[float] = (),
        freeze_header: bool = False,
    ) -> None:
        self.title = title
        self.row = 0
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._pending: list[str] = []
        self._letters: list[str] = []
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        ]
        if freeze_header:
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            )
        if widths:
            head.append("<cols>")
            for i, width in enumerate(widths, start=1):
                head.append(f'<col min="{i}" max="{i}" width="{width:.1f}" customWidth="1"/>')
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def _write(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8"))

    def _letter(self, index: int) -> str:
        while len(self._letters) <= index:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[index]

    def append(self, values: Iterable[Any], styles: Sequence[int] = ()) -> None:
        """The next row. `styles[i]` formats column i (a date column: `DATE`)."""
        self.row += 1
        r = self.row
        parts = [f'<row r="{r}">']
        for i, value in enumerate(values):
            style = styles[i] if i < len(styles) else PLAIN
            if isinstance(value, tuple):
                value, style = value
            if value is None:
                if style != PLAIN:
                    parts.append(f'<c r="{self._letter(i)}{r}" s="{style}"/>')
                continue
            parts.append(self._cell(f"{self._letter(i)}{r}", value, style))
        parts.append("</row>")
        self._pending.append("".join(parts))
        if len(self._pending) >= 500:
            self._flush()

    def _cell(self, ref: str, value: Any, style: int) -> str:
        if isinstance(value, str):
            if value.startswith(FORMULA_LEADS):
                style = _QUOTED.get(style, QUOTED)
            elif style in (DATE, DATETIME, PERCENT):
                style = PLAIN
            text = value[:_MAX_CHARS]
            space = ' xml:space="preserve"' if text != text.strip() else ""
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            return self._cell(ref, str(value), style)  # NaN, ∞: no number Excel can hold
        if isinstance(value, int | float | Decimal):
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
        if isinstance(value, dt.datetime):
            naive = value.replace(tzinfo=None)
            serial = (naive - _EPOCH).total_seconds() / 86400
            style = DATETIME if style in (PLAIN, RED) else style
            return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'
        if isinstance(value, dt.date):
            style = DATE if style in (PLAIN, RED, DATETIME) else style
            return f'<c r="{ref}" s="{style}"><v>{value.toordinal() - _EPOCH_DAY}</v></c>'
        return self._cell(ref, str(value), style)

    def _flush(self) -> None:
        if self._pending:
            self._write("".join(self._pending))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._write("</sheetData></worksheet>")
        self._sheet.close()
        z = self._zip
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr(
            "xl/workbook.xml", _WORKBOOK % {"title": _escape(self.title).replace('"', "&quot;")}
        )
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.close()


def red(style: int) -> int:
    """The error-filled twin of a column style."""
    return _RED_FOR.get(style, RED)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)  # fmt: skip
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)  # fmt: skip
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="%(title)s" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)  # fmt: skip
# cellXfs, in the order of the style constants above.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><color rgb="FF9C0006"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="10">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1" quotePrefix="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)  # fmt: skip
