"""Text that a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return
first) is written as text by every workbook we hand out, and reads back as it was."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from tests.imports.sheets import workbook, xlsx
from tests.personas import World
from tests.territory_world import Territory
from wangge.core.imports import all_specs, get_spec
from wangge.core.imports.pipeline import error_workbook, export_workbook, run_import
from wangge.core.imports.workbooks import (
    template_workbook,
)
from wangge.core.imports.xlsx import SheetWriter
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]


def formulas(data: bytes) -> list[str]:
    return [
        f"{ws.title}!{cell.coordinate}"
        for ws in workbook(data).worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_an_export_writes_formula_like_names_as_text_and_reimports_them_unchanged(
    territory: Territory,
) -> None:
    admin = territory.world.user("market_admin")
    sites = territory.sites_a[: len(DANGEROUS)]
    for site, name in zip(sites, DANGEROUS, strict=True):
        Site.objects.filter(pk=site.pk).update(name=name)
    spec = get_spec("estates")
    data = export_workbook(spec, admin, spec.queryset(admin), {})
    assert formulas(data) == []
    sheet = workbook(data).worksheets[0]
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for site, name in zip(sites, DANGEROUS, strict=True):
        cell = names[site.code]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)
    report = run_import(spec, admin, data, commit=True)
    assert report.errors == [] and report.created == report.updated == 0
    assert sorted(Site.objects.filter(name__in=DANGEROUS).values_list("name", flat=True)) == sorted(
        DANGEROUS
    )


def test_numbers_stay_numbers_and_only_risky_text_is_quoted() -> None:
    out = io.BytesIO()
    sheet = SheetWriter(out, "t")
    values: list[Any] = [Decimal("-12.50"), -3, "-", "\tcmd", "\r=1", "张伟", dt.date(2024, 5, 1),
                         True, " a&b<c> "]  # fmt: skip
    sheet.append(values)
    sheet.close()
    cells = next(workbook(out.getvalue()).worksheets[0].iter_rows())
    assert [c.data_type for c in cells] == ["n", "n", "s", "s", "s", "s", "d", "b", "s"]
    assert [c.value for c in cells[:6]] == [-12.5, -3, "-", "\tcmd", "\r=1", "张伟"]
    assert [c.quotePrefix for c in cells[2:6]] == [True, True, True, False]
    assert (cells[6].value.date(), cells[7].value, cells[8].value) == (
        dt.date(2024, 5, 1), True, " a&b<c> ",
    )  # fmt: skip


def _upload_with_formulas() -> bytes:
    """A grids sheet whose bad row carries a live formula and a formula-like string."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["网格编码", "网格名称", "区域"])
    ws.append(["X1", '=HYPERLINK("http://x","y")', "火星"])
    ws.append(["X2", "@SUM(A1)", "火星"])
    ws["B3"].data_type = "s"  # stored as text, as a sheet from elsewhere may hold it
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("streamed", [False, True])
def test_the_error_sheet_runs_nothing_from_the_uploaded_file(
    world: World, streamed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.core.imports import workbooks

    if streamed:
        monkeypatch.setattr(workbooks, "IN_PLACE_ERROR_SHEET_ROWS", 1)
    original = _upload_with_formulas()
    assert formulas(original) == ["Sheet!B2"]
    report = run_import(get_spec("grids"), world.user("market_admin"), original)
    assert report.rejected == 2
    data = error_workbook(original, report)
    assert formulas(data) == []
    sheet = workbook(data).worksheets[0]
    assert (sheet["B3"].value, sheet["B3"].data_type) == ("@SUM(A1)", "s")
    if not streamed:  # edited in place, the formula's text is kept, as text
        assert sheet["B2"].value == '=HYPERLINK("http://x","y")'


def test_no_template_holds_a_formula() -> None:
    for spec in all_specs():
        assert formulas(template_workbook(spec)) == [], spec.kind


def test_a_formula_like_value_in_an_upload_reads_as_its_text(world: World) -> None:
    data = xlsx([["网格编码", "网格名称", "区域"], ["X1", "+86 网格", "两市塘街道"]])
    report = run_import(get_spec("grids"), world.user("market_admin"), data)
    assert report.errors == [] and report.preview[0]["cells"][1] == "+86 网格"


def test_a_number_excel_cannot_hold_is_written_as_its_text() -> None:
    out = io.BytesIO()
    sheet = SheetWriter(out, "t")
    sheet.append([float("nan"), Decimal("Infinity"), 1.5])
    sheet.close()
    cells = next(workbook(out.getvalue()).worksheets[0].iter_rows())
    assert [c.value for c in cells] == ["nan", "Infinity", 1.5]
