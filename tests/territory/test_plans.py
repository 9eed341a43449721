"""Grid plans: snapshot, import, compare, activate, history."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import mapping

from tests.personas import World
from tests.territory_world import EAST, WEST, Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.org.models import Grid
from wangge.territory import selectors, services
from wangge.territory.models import GridPlan, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world)


def _collection(*grids: tuple[str, shapely.Geometry]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": c, "name": f"网格{c}"},
                    "geometry": mapping(g),
                }
                for c, g in grids
            ],
        }
    )


def test_activation_puts_every_site_in_its_grid(t: Territory) -> None:
    assert {s.grid for s in t.sites_a} == {t.world.grid_a}
    assert {s.grid for s in t.sites_b} == {t.world.grid_b}
    assert t.plan.status == GridPlan.Status.ACTIVE
    assert t.plan.summary["outside_count"] == 0
    assert t.plan.summary["overlaps"] == [] and t.plan.summary["gap_count"] == 0


def test_import_moves_a_column_of_sites_and_compare_shows_it(t: Territory) -> None:
    # The boundary shifts 0.003° east: the first column of B's sites (x = 111.721) moves to A.
    a = shapely.box(111.70, 27.20, 111.723, 27.22)
    b = shapely.box(111.723, 27.20, 111.74, 27.22)
    plan = services.plan_import_geojson(
        actor=t.world.user("market_admin"), name="东移", data=_collection(("A", a), ("B", b))
    )
    c = selectors.plan_compare(plan, t.plan)
    assert c.moved_count == 3
    assert c.moves == [("B", "A", 3, sum(s.customers for s in t.sites_b[::4]))]
    assert {s.code for s, _, _ in c.moved_sites} == {s.code for s in t.sites_b[::4]}


def test_imported_overlaps_and_gaps_are_reported_and_block_activation(t: Territory) -> None:
    a = shapely.box(111.70, 27.20, 111.73, 27.22)  # overlaps B by 0.01°
    b = shapely.box(111.72, 27.20, 111.735, 27.22)  # leaves 0.005° uncovered in the east
    plan = services.plan_import_geojson(
        actor=SYSTEM, name="坏方案", data=_collection(("A", a), ("B", b))
    )
    assert [f["codes"] for f in plan.summary["overlaps"]] == [["A", "B"]]
    assert plan.summary["gap_count"] == 1
    assert plan.summary["ambiguous_count"] > 0
    with pytest.raises(ValidationError):
        services.plan_activate(actor=SYSTEM, plan=plan, effective_from=dt.date(2026, 6, 1))
    plan.refresh_from_db()
    assert plan.status == GridPlan.Status.DRAFT


def test_sites_outside_every_grid_are_listed_not_lost(t: Territory) -> None:
    plan = services.plan_import_geojson(
        actor=SYSTEM, name="只有西边", data=_collection(("A", WEST))
    )
    assert plan.summary["outside_count"] == len(t.sites_b)
    assert set(plan.summary["outside_site_ids"]) == {s.pk for s in t.sites_b}


def test_invalid_geojson_is_refused_with_a_chinese_message_and_nothing_written(
    t: Territory,
) -> None:
    before = GridPlan.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.plan_import_geojson(actor=SYSTEM, name="坏", data=b"{not json")
    assert "文件不是有效的 JSON" in str(exc.value)
    assert GridPlan.objects.count() == before


def test_activation_retires_the_old_plan_and_history_keeps_past_attribution(
    t: Territory,
) -> None:
    a = shapely.box(111.70, 27.20, 111.723, 27.22)
    b = shapely.box(111.723, 27.20, 111.74, 27.22)
    plan = services.plan_import_geojson(
        actor=SYSTEM, name="东移", data=_collection(("A", a), ("B", b))
    )
    services.plan_activate(
        actor=t.world.user("market_admin"), plan=plan, effective_from=dt.date(2026, 7, 1)
    )
    moved = Site.objects.get(pk=t.sites_b[0].pk)
    assert moved.grid == t.world.grid_a
    assert selectors.grid_on(site=moved, day=dt.date(2026, 3, 1)) == t.world.grid_b
    assert selectors.grid_on(site=moved, day=dt.date(2026, 7, 1)) == t.world.grid_a
    t.plan.refresh_from_db()
    assert (t.plan.status, t.plan.effective_to) == (GridPlan.Status.RETIRED, dt.date(2026, 7, 1))
    # The organisation's grid boundaries follow the plan, audited.
    grid_a = Grid.objects.get(pk=t.world.grid_a.pk)
    assert shapely.geometry.shape(grid_a.boundary).equals(a)
    assert AuditEntry.objects.filter(object_id=str(plan.pk), action="update").exists()


def test_activation_date_must_follow_the_current_plan(t: Territory) -> None:
    plan = services.plan_snapshot_current(actor=SYSTEM, name="再来")
    with pytest.raises(ValidationError):
        services.plan_activate(actor=SYSTEM, plan=plan, effective_from=dt.date(2025, 12, 31))


def test_new_grids_of_a_plan_become_organisation_grids(t: Territory) -> None:
    west, east = WEST, EAST
    north_east = shapely.box(111.72, 27.21, 111.74, 27.22)
    south_east = shapely.box(111.72, 27.20, 111.74, 27.21)
    assert east.equals(north_east.union(south_east))
    plan = services.plan_import_geojson(
        actor=SYSTEM,
        name="三格",
        data=_collection(("A", west), ("B", south_east), ("C", north_east)),
    )
    services.plan_activate(actor=SYSTEM, plan=plan, effective_from=dt.date(2026, 8, 1))
    new = Grid.objects.get(code="C")
    assert new.region == t.world.region_b  # where its sites were
    assert Site.objects.filter(grid=new).count() == 4  # the row of B's sites north of 27.21°


def test_moving_sites_by_hand_redraws_boundaries_and_totals(t: Territory) -> None:
    plan = services.plan_snapshot_current(actor=SYSTEM, name="手工")
    picked = [t.sites_b[0].pk, t.sites_b[4].pk]
    moved = services.plan_move_sites(actor=SYSTEM, plan=plan, site_ids=picked, to_code="A")
    assert moved == 2
    plan.refresh_from_db()
    totals = {g.code: g.totals for g in plan.grids.all()}
    assert totals["A"]["sites"] == 14 and totals["B"]["sites"] == 10
    a = shapely.geometry.shape(plan.grids.get(code="A").boundary)
    assert all(a.covers(shapely.Point(s.lon, s.lat)) for s in Site.objects.filter(pk__in=picked))


def test_only_drafts_can_be_changed(t: Territory) -> None:
    with pytest.raises(ValidationError):
        services.plan_move_sites(actor=SYSTEM, plan=t.plan, site_ids=[t.sites_a[0].pk], to_code="B")
    with pytest.raises(ValidationError):
        services.plan_discard(actor=SYSTEM, plan=t.plan)


def test_a_new_site_is_placed_in_the_active_grid_that_contains_it(t: Territory) -> None:
    site = services.site_create(
        actor=SYSTEM,
        code="N1",
        kind="building",
        name="新楼",
        lon=111.735,
        lat=27.215,
        households=10,
    )
    site.refresh_from_db()
    assert site.grid == t.world.grid_b
    far = services.site_create(
        actor=SYSTEM, code="N2", kind="building", name="县外", lon=112.5, lat=27.215, households=10
    )
    far.refresh_from_db()
    assert far.grid is None


def test_a_gcj02_file_is_converted_to_wgs84_on_import(t: Territory) -> None:
    from wangge.core.coords import wgs84_to_gcj02

    def shifted(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))

    data = _collection(("A", shifted(WEST)), ("B", shifted(EAST)))
    plan = services.plan_import_geojson(actor=SYSTEM, name="高德导出", data=data, crs="gcj02")
    a = shapely.geometry.shape(plan.grids.get(code="A").boundary)
    assert a.symmetric_difference(WEST).area < 1e-9
    assert selectors.plan_compare(plan, t.plan).moved_count == 0
