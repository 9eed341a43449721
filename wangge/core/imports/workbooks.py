"""The workbooks the pipeline hands out: templates, exports and error sheets.

Headers and choice labels are always written in Chinese, whatever the page's language:
they are the file format the operator's people exchange, and what the reader expects back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wangge.core.imports.cells import choice_labels, format_hint, parser_for
from wangge.core.imports.parsers import ParseError
from wangge.core.imports.spec import Column, ImportSpec
from wangge.core.phones import mask_phone

#: The error sheet's added column: read by people in their language, never read back.
ERROR_HEADER = gettext_lazy("错误")
#: Above this many rows the error sheet is streamed (values only) instead of edited in place.
IN_PLACE_ERROR_SHEET_ROWS = 5000
_RED_FILL = PatternFill("solid", fgColor="FFC7CE")
_RED_FONT = Font(bold=True, color="9C0006")
_BOLD = Font(bold=True)
_EXAMPLE_FONT = Font(italic=True, color="808080")
_DATE_FORMAT = "yyyy-mm-dd"
_PERCENT_FORMAT = "0.00%"
#: How often an export reports its progress, in rows.
EXPORT_PROGRESS_ROWS = 2000
#: What a spreadsheet may take for the start of a formula (or of a command, after a tab
#: or carriage return): text starting so is written with Excel's quote prefix.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def neutralise(cell: Any) -> None:
    """Make an openpyxl cell text if a spreadsheet would run it: a formula (from an uploaded
    sheet) keeps its text, a string that starts like one gets the quote prefix."""
    if cell.data_type == "f":
        value = cell.value
        cell.value = value if isinstance(value, str) else str(getattr(value, "text", "") or "")
    elif not is_formula_like(cell.value):
        return
    cell.data_type = "s"
    cell.quotePrefix = True


def sheet_title(text: Any) -> str:
    bad = str.maketrans({c: " " for c in "[]:*?/\\"})
    return str(text).translate(bad)[:31] or "Sheet1"


def _width(column: Column) -> float:
    return max(10.0, min(40.0, len(column.header) * 2.2 + 2, (column.max_length or 0) * 1.2))


def _typed(column: Column, value: Any, *, mask: bool = False) -> Any:
    """A Python value as the cell should hold it (labels for choices, 是/否 for booleans)."""
    if value is None or value == "":
        return None
    if column.kind == "choice":
        labels = dict(column.choices or ())
        with translation.override("zh-hans"):
            return str(labels.get(value, value))
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "phone":
        return mask_phone(str(value)) if mask else str(value)
    if isinstance(value, Decimal) and column.kind == "int":
        return int(value)
    return value


def _cell_format(column: Column) -> str | None:
    if column.kind == "date":
        return _DATE_FORMAT
    if column.kind == "percent":
        return _PERCENT_FORMAT
    return None


def _as_date(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value


# --- template ---------------------------------------------------------------------------------


def _example_value(column: Column) -> Any:
    """The example typed like real data (numbers as numbers), read by the column's parser."""
    if not column.example:
        return None
    try:
        value = parser_for(column)(column.example)
    except ParseError:
        return column.example
    return _typed(column, value)


def template_workbook(spec: ImportSpec) -> bytes:
    """Headers (required ones in red, each with a format note), one example row, dropdowns
    for choices, and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    with translation.override("zh-hans"):
        ws.title = sheet_title(spec.label)
    for i, column in enumerate(spec.columns, start=1):
        head = ws.cell(row=1, column=i, value=column.header)
        head.font = _RED_FONT if column.required else _BOLD
        note = format_hint(column)
        if need := _required_text(column):
            note = need + gettext("；") + note
        head.comment = Comment(note, "wangge")
        example = ws.cell(row=2, column=i, value=_example_value(column))
        example.font = _EXAMPLE_FONT
        neutralise(example)
        if fmt := _cell_format(column):
            example.number_format = fmt
        if column.kind == "phone":
            example.number_format = "@"  # text: Excel must not turn 13800138000 into 1.38E+10
        ws.column_dimensions[get_column_letter(i)].width = _width(column)
        _dropdown(ws, column, i)
    ws.freeze_panes = "A2"
    _instructions(wb, spec)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _dropdown(ws: Any, column: Column, index: int) -> None:
    if column.kind == "choice":
        options = choice_labels(column)
    elif column.kind == "bool":
        options = ["是", "否"]
    else:
        return
    formula = '"' + ",".join(options) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list: leave the column free
        return
    letter = get_column_letter(index)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.add(f"{letter}2:{letter}10000")
    ws.add_data_validation(dv)


def _required_text(column: Column) -> str:
    """What the 必填 column says: always, only when the row creates a record, or nothing."""
    if column.required:
        return gettext("必填")
    if column.required_on_create:
        return gettext("新建时必填")
    return ""


def _instructions(wb: Workbook, spec: ImportSpec) -> None:
    ws = wb.create_sheet(sheet_title(gettext("填写说明")))
    ws.append([gettext("列名"), gettext("必填"), gettext("格式与说明")])
    for cell in ws[1]:
        cell.font = _BOLD
    for column in spec.columns:
        required = gettext("是") if column.required else _required_text(column)
        ws.append([column.header, required, format_hint(column)])
    keys = "、".join(spec.header(k) for k in spec.natural_key)
    ws.append([])
    for line in (
        gettext("第 2 行是示例，导入前请删除或改写。"),
        gettext("表头上方可以有标题行；列的顺序不限，多余的列会被忽略。"),
        gettext("按“%(keys)s”识别已有记录：已有的更新，没有的新建。") % {"keys": keys},
        gettext("更新时，留空的单元格保持原值不变。"),
    ):
        ws.append([line])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 70


# --- export -----------------------------------------------------------------------------------


def _converter(column: Column) -> Callable[[Any, bool], Any]:
    """`_typed` for one column, with its labels looked up once instead of per cell."""
    if column.kind == "choice":
        with translation.override("zh-hans"):
            labels = {value: str(label) for value, label in column.choices or ()}
        return lambda v, _m: None if v is None or v == "" else labels.get(v, v)
    if column.kind == "date":
        return lambda v, _m: None if v is None or v == "" else _as_date(v)
    return lambda v, m: _typed(column, v, mask=m)


def export_workbook(
    spec: ImportSpec,
    user: Any,
    queryset: Any,
    filters: Mapping[str, Any],
    progress: Callable[[float, int], None] | None = None,
) -> bytes:
    """The rows of `queryset` under the template's headers, and an `ExportLog` entry.

    Streamed (xlsxwriter's constant-memory mode: each row goes to disk as it is written),
    so a 100,000-row list does not sit in memory twice. Text that a spreadsheet would run
    as a formula is written as text (`write_text`). `progress(fraction, rows written)` is
    called every few thousand rows, and once at the end with 1.0 and the row count.
    """
    from wangge.core.models import ExportLog

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, _XLSXWRITER_OPTIONS)
    with translation.override("zh-hans"):
        ws = book.add_worksheet(sheet_title(spec.label))
    styles = _Styles(book)
    ws.freeze_panes(1, 0)
    for i, column in enumerate(spec.columns):
        ws.set_column(i, i, _width(column))
        write_text(ws, 0, i, column.header, styles.bold, styles)
    columns = [
        (i, column.key, _converter(column), styles.by_kind.get(column.kind))
        for i, column in enumerate(spec.columns)
    ]
    total = queryset.count() if progress else 0  # one more query, only when someone watches
    count = 0
    for obj in spec.export_queryset(queryset).iterator(chunk_size=2000):
        values = spec.export_row(obj)
        mask = not spec.phone_visible(user, obj)
        count += 1
        for i, key, convert, fmt in columns:
            value = convert(values.get(key), mask)
            if value is not None:
                write_value(ws, count, i, value, fmt, styles)
        if progress and count % EXPORT_PROGRESS_ROWS == 0 and count < total:
            progress(min(count / max(total, 1), 1.0), count)
    book.close()
    if progress:
        progress(1.0, count)
    is_user = user is not None and getattr(user, "is_authenticated", False)
    ExportLog.objects.create(
        user=user if is_user else None,
        user_repr=(user.get_full_name() or user.get_username()) if is_user else "system",
        kind=spec.kind,
        filters=dict(filters),
        rows=count,
    )
    return out.getvalue()


#: Never let xlsxwriter guess: a string is text, whatever it starts with.
_XLSXWRITER_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


class _Styles:
    """The formats an xlsxwriter sheet of ours uses, made once per workbook."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self.bold = book.add_format({"bold": True})
        self.fill = book.add_format({"bg_color": "#FFC7CE"})
        self._quoted = {
            None: book.add_format({"quote_prefix": True}),
            self.bold: book.add_format({"bold": True, "quote_prefix": True}),
            self.fill: book.add_format({"bg_color": "#FFC7CE", "quote_prefix": True}),
        }
        self.date = book.add_format({"num_format": _DATE_FORMAT})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.by_kind = {
            "date": self.date,
            "percent": book.add_format({"num_format": _PERCENT_FORMAT}),
        }

    def text(self, fmt: Any) -> Any:
        """The quote-prefixed twin of `fmt` (another format: its own, with the prefix)."""
        if fmt not in self._quoted:
            self._quoted[fmt] = self._book.add_format({"quote_prefix": True})
        return self._quoted[fmt]


def write_text(ws: Any, row: int, col: int, text: str, fmt: Any, styles: _Styles) -> None:
    """A string cell; one a spreadsheet would run as a formula gets Excel's quote prefix
    (shown without the quote, kept as text when edited, read back unchanged)."""
    if is_formula_like(text):
        ws.write_string(row, col, text, styles.text(fmt))
    else:
        ws.write_string(row, col, text, fmt)


def write_value(ws: Any, row: int, col: int, value: Any, fmt: Any, styles: _Styles) -> None:
    """A cell by the value's type: numbers stay numbers, dates dates, everything else text."""
    if isinstance(value, str):
        write_text(ws, row, col, value, fmt if fmt is styles.fill else None, styles)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        if fmt is None or fmt is styles.fill:
            fmt = styles.datetime if isinstance(value, dt.datetime) else styles.date
        ws.write_datetime(row, col, value, fmt)
    else:
        write_text(ws, row, col, str(value), None, styles)


# --- error sheet ------------------------------------------------------------------------------


def error_workbook(original: bytes, report: Any) -> bytes:
    """The uploaded sheet with a "错误" column; cells in error are filled red.

    Small files are edited in place, keeping their formatting and merged cells; large ones
    are streamed into a new workbook with the values only.
    """
    by_row = report.errors_by_row()
    if report.rows <= IN_PLACE_ERROR_SHEET_ROWS:
        return _errors_in_place(original, report, by_row)
    return _errors_streamed(original, report, by_row)


def _row_text(errors: list[Any]) -> str:
    colon = gettext("：")
    return gettext("；").join(
        f"{e.column}{colon}{e.message}" if e.column else e.message for e in errors
    )


def _header_text(errors: list[Any] | None) -> str:
    """The error column's title; problems with the header itself (a missing column) follow."""
    header = str(ERROR_HEADER)
    return f"{header}{gettext('：')}{_row_text(errors)}" if errors else header


def _errors_in_place(original: bytes, report: Any, by_row: dict[int, list[Any]]) -> bytes:
    wb = load_workbook(io.BytesIO(original))
    ws = wb[report.sheet] if report.sheet in wb.sheetnames else wb.worksheets[0]
    wb.active = wb.worksheets.index(ws)
    for sheet in wb.worksheets:  # the file may go to someone else: nothing in it runs
        for line in sheet.iter_rows():
            for cell in line:
                neutralise(cell)
    target = ws.max_column + 1
    header_row = max(report.header_row, 1)
    head = ws.cell(row=header_row, column=target, value=_header_text(by_row.get(header_row)))
    head.font = _RED_FONT
    neutralise(head)
    ws.column_dimensions[get_column_letter(target)].width = 60
    for row, errors in by_row.items():
        if row <= 0 or row == header_row:
            continue
        note = ws.cell(row=row, column=target, value=_row_text(errors))
        note.fill = _RED_FILL
        neutralise(note)
        for e in errors:
            index = report.positions.get(e.column)
            if index is not None:
                ws.cell(row=row, column=index + 1).fill = _RED_FILL
    file_errors = [e for e in report.errors if e.row <= 0]
    if file_errors:
        note = ws.cell(row=1, column=target + 1, value=_row_text(file_errors))
        note.fill = _RED_FILL
        neutralise(note)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _errors_streamed(original: bytes, report: Any, by_row: dict[int, list[Any]]) -> bytes:
    """The values of the uploaded sheet (as the reader read them) and the error column."""
    from wangge.core.imports.reader import sheet_rows

    title, source = sheet_rows(original, report.sheet)
    rows = list(source)
    width = max((len(c) for n, c in rows if n == report.header_row), default=0)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, _XLSXWRITER_OPTIONS)
    ws = book.add_worksheet(sheet_title(title))
    styles = _Styles(book)
    red = styles.fill
    head_format = book.add_format({"bold": True, "font_color": "#9C0006"})
    ws.set_column(width, width, 60)
    for number, values in rows:
        errors = by_row.get(number)
        bad: set[int] = set()
        if errors and number != report.header_row:
            bad = {report.positions[e.column] for e in errors if e.column in report.positions}
        for i, value in enumerate(values):
            if value is not None:
                write_value(ws, number - 1, i, value, red if i in bad else None, styles)
            elif i in bad:
                ws.write_blank(number - 1, i, None, red)
        if number == report.header_row:
            write_text(ws, number - 1, width, _header_text(errors), head_format, styles)
        elif errors:
            write_text(ws, number - 1, width, _row_text(errors), red, styles)
    book.close()
    return out.getvalue()
