"""Templates, exports and error sheets: the files people download."""

from __future__ import annotations

import pytest

from tests.imports.sheets import read, workbook, xlsx
from tests.personas import World
from tests.territory_world import Territory
from wangge.core.access import SYSTEM
from wangge.core.imports import all_specs, get_spec
from wangge.core.imports.pipeline import (
    error_workbook,
    export_workbook,
    run_import,
    template_workbook,
)
from wangge.core.imports.workbooks import ERROR_HEADER
from wangge.core.models import ExportLog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["staff", "grids", "estates", "buildings"])
def test_each_template_has_chinese_headers_and_an_example_that_parses(kind: str) -> None:
    spec = get_spec(kind)
    data = template_workbook(spec)
    rows = read(data)
    assert list(rows[0]) == [c.header for c in spec.columns]
    assert any(v is not None for v in rows[1])
    wb = workbook(data)
    assert "填写说明" in wb.sheetnames
    report = run_import(spec, SYSTEM, data)  # dry run as the system: only parsing can fail here
    parse_errors = [e for e in report.errors if "没有这个" not in e.message]
    assert report.rows == 1 and parse_errors == []


def test_the_estate_template_uses_the_seeds_survey_fields() -> None:
    headers = [c.header for c in get_spec("estates").columns]
    for field in ("小区名称", "详细地址", "总户数", "交房时间", "入住率", "物业公司", "物业联系人",
                  "物业联系电话"):  # fmt: skip
        assert field in headers


def test_every_registered_kind_has_a_template_and_a_natural_key() -> None:
    kinds = {s.kind for s in all_specs()}
    assert {"staff", "grids", "estates", "buildings"} <= kinds
    for spec in all_specs():
        assert spec.natural_key and all(spec.column(k) for k in spec.natural_key)


def test_the_error_sheet_is_the_original_with_an_error_column_and_red_cells(world: World) -> None:
    rows = [["网格编码", "网格名称", "区域"], ["X1", "好", "两市塘街道"], ["X2", "坏", "火星"]]
    original = xlsx(rows, before=[["网格清单"]], merges=["A1:C1"])
    report = run_import(get_spec("grids"), world.user("market_admin"), original)
    sheet = workbook(error_workbook(original, report)).worksheets[0]
    assert sheet["D2"].value == ERROR_HEADER
    assert sheet["D3"].value is None
    assert sheet["D4"].value == "区域：没有这个区域"
    assert sheet["C4"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["B4"].fill.fgColor.rgb in (None, "00000000")
    assert "A1:C1" in {str(r) for r in sheet.merged_cells.ranges}  # kept as it was


def test_large_error_sheets_are_streamed_with_the_same_column(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.core.imports import workbooks

    monkeypatch.setattr(workbooks, "IN_PLACE_ERROR_SHEET_ROWS", 1)
    rows = [["网格编码", "网格名称", "区域"], ["X1", "好", "两市塘街道"], ["X2", "坏", "火星"]]
    original = xlsx(rows)
    report = run_import(get_spec("grids"), world.user("market_admin"), original)
    out = read(error_workbook(original, report))
    assert out[0] == ("网格编码", "网格名称", "区域", ERROR_HEADER)
    assert out[2] == ("X2", "坏", "火星", "区域：没有这个区域")


def test_export_writes_the_template_headers_and_logs_who_what_and_how_many(
    territory: Territory,
) -> None:
    manager = territory.world.user("manager_a")
    spec = get_spec("estates")
    qs, filters = spec.filter_queryset(manager, {"q": "A小区", "ignored": "x"})
    rows = read(export_workbook(spec, manager, qs, filters))
    assert list(rows[0]) == [c.header for c in spec.columns]
    assert {r[0] for r in rows[1:]} == {s.code for s in territory.sites_a}
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.filters, log.rows) == (manager, "estates", {"q": "A小区"}, 4)


def test_exports_mask_phones_for_roles_that_do_not_need_them(world: World) -> None:
    spec = get_spec("staff")
    agent = world.user("agent_a")
    rows = read(export_workbook(spec, agent, spec.queryset(agent), {}))
    assert len(rows) == 2  # an agent sees only themselves
    assert "****" in rows[1][2]
    manager = world.user("manager_a")
    rows = read(export_workbook(spec, manager, spec.queryset(manager), {}))
    assert all("****" not in (r[2] or "") for r in rows[1:])


def test_an_export_reimports_as_unchanged(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    for kind in ("estates", "grids", "staff"):
        spec = get_spec(kind)
        data = export_workbook(spec, admin, spec.queryset(admin), {})
        report = run_import(spec, admin, data)
        assert report.errors == [] and report.created == report.updated == 0, kind
        assert report.unchanged == spec.queryset(admin).count()


def test_error_cells_are_marked_even_under_an_alias_header(world: World) -> None:
    original = xlsx([["编码", "名称", "所属区域"], ["X2", "坏", "火星"]])
    report = run_import(get_spec("grids"), world.user("market_admin"), original)
    sheet = workbook(error_workbook(original, report)).worksheets[0]
    assert sheet["D2"].value == "区域：没有这个区域"
    assert sheet["C2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_a_missing_required_column_is_named_in_the_error_column_title(world: World) -> None:
    original = xlsx([["网格名称", "区域"], ["坏", "火星"]])
    report = run_import(get_spec("grids"), world.user("market_admin"), original)
    assert [(e.row, e.column) for e in report.errors] == [(1, "网格编码")]
    assert read(error_workbook(original, report))[0][-1] == "错误：网格编码：缺少这一必填列"
