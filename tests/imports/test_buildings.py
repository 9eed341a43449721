"""Buildings follow their estate: its grid, and its point when they have none."""

from __future__ import annotations

import pytest

from tests.imports.sheets import xlsx
from tests.territory_world import Territory
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.territory.models import Site, SiteAssignment

pytestmark = pytest.mark.django_db

HEADER = [
    "编码",
    "楼宇名称",
    "所属小区",
    "详细地址",
    "经度",
    "纬度",
    "总户数",
    "覆盖户数",
    "空闲端口",
]


def test_a_building_in_an_estate_takes_its_grid_and_point(territory: Territory) -> None:
    estate = territory.sites_a[0]
    rows = [HEADER, ["B1", "1 栋", estate.code, None, None, None, 24, 20, 2]]
    report = run_import(
        get_spec("buildings"), territory.world.user("manager_a"), xlsx(rows), commit=True
    )
    assert report.errors == [] and report.created == 1
    b = Site.objects.get(code="B1")
    assert (b.kind, b.estate, b.grid, b.lon, b.lat) == (
        "building", estate, estate.grid, estate.lon, estate.lat)  # fmt: skip
    assignment = SiteAssignment.objects.get(plan=territory.plan, site=b)
    assert (
        assignment.plan_grid
        == SiteAssignment.objects.get(plan=territory.plan, site=estate).plan_grid
    )


def test_unknown_estates_and_other_grids_estates_are_refused(territory: Territory) -> None:
    rows = [
        HEADER,
        ["B1", "1 栋", "NOPE", None, 111.705, 27.205, 24, 20, 2],
        ["B2", "2 栋", territory.sites_b[0].code, None, None, None, 24, 20, 2],
        ["B3", "3 栋", None, None, 111.705, 27.205, 24, 30, 2],
    ]
    report = run_import(get_spec("buildings"), territory.world.user("manager_a"), xlsx(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "所属小区"), (3, "所属小区"), (4, "覆盖户数")]  # fmt: skip
    assert "不在您负责" in report.errors[1].message


def test_buildings_export_their_estate_code_and_reimport_unchanged(territory: Territory) -> None:
    from wangge.core.imports.pipeline import export_workbook

    estate = territory.sites_a[0]
    rows = [HEADER, ["B1", "1 栋", estate.code, "东湖路", 111.7051, 27.2051, 24, 20, 2]]
    admin = territory.world.user("market_admin")
    run_import(get_spec("buildings"), admin, xlsx(rows), commit=True)
    spec = get_spec("buildings")
    data = export_workbook(spec, admin, spec.queryset(admin), {})
    again = run_import(spec, admin, data)
    assert (again.rows, again.created, again.updated, again.unchanged) == (1, 0, 0, 1)
