"""Buildings follow their estate: its grid, and its point when they have none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.imports.sheets import xlsx
from tests.territory_world import Territory
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.territory.models import Site, SiteAssignment

pytestmark = pytest.mark.django_db

HEADER: list[Any] = [
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


def _building(code: str, estate: Site) -> Site:
    from wangge.territory import services

    return services.site_create(
        actor=SYSTEM, code=code, kind="building", name=f"{code} 栋",
        lon=estate.lon, lat=estate.lat, estate=estate,
    )  # fmt: skip


def test_a_buildings_own_new_point_does_not_take_it_out_of_its_estate(
    territory: Territory,
) -> None:
    estate = territory.sites_a[0]
    b = _building("B1", estate)
    rows = [HEADER, ["B1", "1 栋", estate.code, None, 111.735, 27.205, None, None, None]]
    report = run_import(
        get_spec("buildings"), territory.world.user("market_admin"), xlsx(rows), commit=True
    )
    assert report.committed and report.updated == 1
    b.refresh_from_db()
    assert (b.lon, b.grid) == (111.735, territory.world.grid_a)


def test_a_building_given_another_estate_goes_to_that_estates_grid(
    territory: Territory,
) -> None:
    b = _building("B1", territory.sites_a[0])
    east = territory.sites_b[0]
    rows = [HEADER, ["B1", "1 栋", east.code, None, None, None, None, None, None]]
    report = run_import(
        get_spec("buildings"), territory.world.user("market_admin"), xlsx(rows), commit=True
    )
    assert report.committed and report.updated == 1
    b.refresh_from_db()
    assert (b.estate, b.grid) == (east, territory.world.grid_b)
    placed = SiteAssignment.objects.get(plan=territory.plan, site=b).plan_grid
    assert placed is not None and placed.grid == b.grid


def test_buildings_of_an_estate_moved_by_the_estates_file_land_in_its_new_grid(
    territory: Territory,
) -> None:
    """The two files one after the other: old buildings were carried, new ones follow."""
    admin = territory.world.user("market_admin")
    estate = territory.sites_a[0]
    old = _building("B0", estate)
    moved = run_import(
        get_spec("estates"),
        admin,
        xlsx([["编码", "小区名称", "经度"], [estate.code, estate.name, 111.735]]),
        commit=True,
    )
    assert moved.committed
    rows = [HEADER, ["B1", "1 栋", estate.code, None, None, None, 24, 20, 2]]
    report = run_import(get_spec("buildings"), admin, xlsx(rows), commit=True)
    assert report.committed and report.created == 1
    new = Site.objects.get(code="B1")
    old.refresh_from_db()
    assert (old.grid, new.grid) == (territory.world.grid_b, territory.world.grid_b)
