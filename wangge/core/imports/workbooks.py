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

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wangge.core.imports import xlsx
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
FORMULA_LEADS = xlsx.FORMULA_LEADS
is_formula_like = xlsx.is_formula_like


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
    if column.kind in ("text", "ref"):
        return lambda v, _m: None if v == "" else v
    return lambda v, m: _typed(column, v, mask=m)


_KIND_STYLES = {"date": xlsx.DATE, "percent": xlsx.PERCENT}


def export_workbook(
    spec: ImportSpec,
    user: Any,
    queryset: Any,
    filters: Mapping[str, Any],
    progress: Callable[[float, int], None] | None = None,
) -> bytes:
    """The rows of `queryset` under the template's headers, and an `ExportLog` entry.

    Streamed (`xlsx.SheetWriter`: each row is deflated as it is written), so a 100,000-row
    list does not sit in memory twice. Text a spreadsheet would run as a formula is written
    as quoted text. `progress(fraction, rows written)` is called every few thousand rows,
    and once at the end with 1.0 and the row count.
    """
    from wangge.core.models import ExportLog

    out = io.BytesIO()
    with translation.override("zh-hans"):
        title = sheet_title(spec.label)
    sheet = xlsx.SheetWriter(
        out, title, widths=[_width(c) for c in spec.columns], freeze_header=True
    )
    sheet.append([c.header for c in spec.columns], [xlsx.BOLD] * len(spec.columns))
    keys = [c.key for c in spec.columns]
    converters = [_converter(c) for c in spec.columns]
    styles = [_KIND_STYLES.get(c.kind, xlsx.PLAIN) for c in spec.columns]
    pairs = list(zip(keys, converters, strict=True))
    total = queryset.count() if progress else 0  # one more query, only when someone watches
    count = 0
    for obj in spec.export_queryset(queryset).iterator(chunk_size=2000):
        values = spec.export_row(obj)
        mask = not spec.phone_visible(user, obj)
        sheet.append([convert(values.get(key), mask) for key, convert in pairs], styles)
        count += 1
        if progress and count % EXPORT_PROGRESS_ROWS == 0 and count < total:
            progress(min(count / max(total, 1), 1.0), count)
    sheet.close()
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
    sheet = xlsx.SheetWriter(out, sheet_title(title), widths=[10.0] * width + [60.0])
    for number, values in rows:
        while sheet.row < number - 1:  # rows the reader numbered but that hold nothing
            sheet.append(())
        errors = by_row.get(number)
        cells: list[Any] = [*values, *([None] * (width - len(values)))]
        if number == report.header_row:
            cells.append((_header_text(errors), xlsx.RED_BOLD))
        elif errors:
            bad = {report.positions[e.column] for e in errors if e.column in report.positions}
            cells = [(v, xlsx.RED) if i in bad else v for i, v in enumerate(cells)]
            cells.append((_row_text(errors), xlsx.RED))
        sheet.append(cells)
    sheet.close()
    return out.getvalue()
