"""An estate that moves to another grid takes its buildings along, by import or by form."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from tests.imports.sheets import xlsx
from tests.territory_world import Territory
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.core.models import AuditEntry
from wangge.territory import services
from wangge.territory.models import Site, SiteAssignment

pytestmark = pytest.mark.django_db

EAST_LON = 111.735  # inside grid B


@dataclass
class Family:
    estate: Site
    buildings: list[Site]
    neighbour: Site  # a building of another estate of grid A, which must stay


@pytest.fixture
def family(territory: Territory) -> Family:
    estate, other = territory.sites_a[0], territory.sites_a[1]

    def building(code: str, of: Site) -> Site:
        return services.site_create(
            actor=SYSTEM, code=code, kind=Site.Kind.BUILDING, name=f"{code} 栋",
            lon=of.lon, lat=of.lat, estate=of, households=10,
        )  # fmt: skip

    return Family(estate, [building("F1", estate), building("F2", estate)], building("N1", other))


def _grids(*sites: Site) -> set[int | None]:
    return set(Site.objects.filter(pk__in=[s.pk for s in sites]).values_list("grid_id", flat=True))


def _plan_grids(t: Territory, *sites: Site) -> set[int | None]:
    return set(
        SiteAssignment.objects.filter(plan=t.plan, site__in=sites).values_list(
            "plan_grid__grid_id", flat=True
        )
    )


def _building_audits(f: Family) -> list[AuditEntry]:
    ids = [str(b.pk) for b in (*f.buildings, f.neighbour)]
    return list(AuditEntry.objects.filter(content_type__model="site", object_id__in=ids))


def _move_row(f: Family, lon: float = EAST_LON) -> bytes:
    return xlsx([["编码", "小区名称", "经度"], [f.estate.code, f.estate.name, lon]])


def test_the_fixture_builds_an_estate_whole_in_grid_a(territory: Territory, family: Family) -> None:
    everyone = (family.estate, *family.buildings, family.neighbour)
    assert _grids(*everyone) == {territory.world.grid_a.pk}
    assert _plan_grids(territory, *everyone) == {territory.world.grid_a.pk}
    assert {e.action for e in _building_audits(family)} == {"create"}


def test_an_estate_moved_by_import_carries_its_buildings(
    territory: Territory, family: Family
) -> None:
    admin = territory.world.user("market_admin")
    report = run_import(get_spec("estates"), admin, _move_row(family), commit=True)
    assert report.committed and report.updated == 1, report.errors
    grid_a, grid_b = territory.world.grid_a.pk, territory.world.grid_b.pk
    assert _grids(family.estate, *family.buildings) == {grid_b}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_b}
    assert _grids(family.neighbour) == {grid_a}
    moves = [e for e in _building_audits(family) if e.action == "update"]
    assert sorted(e.object_id for e in moves) == sorted(str(b.pk) for b in family.buildings)
    for entry in moves:
        assert entry.before is not None and entry.after is not None
        assert (entry.before["grid"], entry.after["grid"], entry.actor) == (grid_a, grid_b, admin)
    for b in family.buildings:  # a building keeps its own point: only its grid follows
        b_now = Site.objects.get(pk=b.pk)
        assert (b_now.lon, b_now.lat) == (b.lon, b.lat)


def test_an_estate_moved_inside_its_grid_leaves_its_buildings_alone(
    territory: Territory, family: Family
) -> None:
    admin = territory.world.user("market_admin")
    report = run_import(
        get_spec("estates"), admin, _move_row(family, family.estate.lon + 0.001), commit=True
    )
    assert report.committed and report.updated == 1
    assert _grids(family.estate, *family.buildings) == {territory.world.grid_a.pk}
    assert not [e for e in _building_audits(family) if e.action == "update"]


def test_a_grid_manager_cannot_move_an_estate_out_and_then_nothing_moves(
    territory: Territory, family: Family
) -> None:
    manager = territory.world.user("manager_a")
    audits = AuditEntry.objects.count()
    report = run_import(get_spec("estates"), manager, _move_row(family), commit=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "经度")]
    assert "不在您负责" in report.errors[0].message
    grid_a = territory.world.grid_a.pk
    assert _grids(family.estate, *family.buildings) == {grid_a}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_a}
    assert Site.objects.get(pk=family.estate.pk).lon == family.estate.lon
    assert AuditEntry.objects.count() == audits


def test_a_dry_run_moves_nothing(territory: Territory, family: Family) -> None:
    audits = AuditEntry.objects.count()
    report = run_import(
        get_spec("estates"), territory.world.user("market_admin"), _move_row(family)
    )
    assert report.updated == 1 and not report.committed
    grid_a = territory.world.grid_a.pk
    assert _grids(family.estate, *family.buildings) == {grid_a}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_a}
    assert AuditEntry.objects.count() == audits


def test_a_refused_write_takes_the_buildings_moves_back_too(
    territory: Territory, family: Family, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from wangge.territory import imports

    def broken(**kwargs: object) -> int:
        raise IntegrityError("disk full")

    monkeypatch.setattr(imports, "bulk_audit", broken)  # fails after the buildings moved
    report = run_import(
        get_spec("estates"), territory.world.user("market_admin"), _move_row(family), commit=True
    )
    assert not report.committed
    grid_a = territory.world.grid_a.pk
    assert _grids(family.estate, *family.buildings) == {grid_a}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_a}
    assert not [e for e in _building_audits(family) if e.action == "update"]


def test_the_form_service_moves_an_estate_with_its_buildings(
    territory: Territory, family: Family
) -> None:
    admin = territory.world.user("market_admin")
    old_lon = family.estate.lon
    services.site_update(actor=admin, site=family.estate, data={"lon": EAST_LON})
    grid_a, grid_b = territory.world.grid_a.pk, territory.world.grid_b.pk
    assert _grids(family.estate, *family.buildings) == {grid_b}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_b}
    assert _grids(family.neighbour) == {grid_a}
    moves = [e for e in _building_audits(family) if e.action == "update"]
    assert sorted(e.object_id for e in moves) == sorted(str(b.pk) for b in family.buildings)
    assert {((e.before or {})["grid"], (e.after or {})["grid"]) for e in moves} == {
        (grid_a, grid_b)
    }
    # The estate's own edit and its new grid are one audit entry.
    [entry] = AuditEntry.objects.filter(
        content_type__model="site", object_id=str(family.estate.pk), action="update"
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["lon"], entry.after["lon"]) == (old_lon, EAST_LON)
    assert (entry.before["grid"], entry.after["grid"]) == (grid_a, grid_b)


def test_a_grid_manager_cannot_move_an_estate_by_form_and_nothing_moves(
    territory: Territory, family: Family
) -> None:
    audits = AuditEntry.objects.count()
    # A grid manager edits their grids' sites, but cannot place one outside them.
    with pytest.raises(ValidationError):
        services.site_update(
            actor=territory.world.user("manager_a"), site=family.estate, data={"lon": EAST_LON}
        )
    grid_a = territory.world.grid_a.pk
    assert _grids(family.estate, *family.buildings) == {grid_a}
    assert _plan_grids(territory, family.estate, *family.buildings) == {grid_a}
    assert AuditEntry.objects.count() == audits
