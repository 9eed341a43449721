"""The placement rule on its own: `Placer` says where sites go, `sites_place` records it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.territory import services
from wangge.territory.models import GridPlan, Site, SiteAssignment
from wangge.territory.services import OUTSIDE, Placement, Placer

pytestmark = pytest.mark.django_db


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=4)


def _plan_grid(t: Territory, code: str) -> Placement:
    pg = t.plan.grids.get(code=code)
    return Placement(pg.grid_id, pg.pk)


def _building(code: str, estate: Site, lon: float | None = None) -> Site:
    return services.site_create(
        actor=SYSTEM, code=code, kind=Site.Kind.BUILDING, name=f"{code} 栋",
        lon=estate.lon if lon is None else lon, lat=estate.lat, estate=estate,
    )  # fmt: skip


def test_a_point_goes_to_the_active_grid_containing_it(t: Territory) -> None:
    placer = Placer.active()
    assert placer.plan == t.plan
    found = placer.at([111.705, 111.735, 112.5], [27.205, 27.215, 27.215])
    assert found == [_plan_grid(t, "A"), _plan_grid(t, "B"), OUTSIDE]
    assert _plan_grid(t, "A").grid_id == t.world.grid_a.pk


def test_without_an_active_plan_every_point_is_outside(t: Territory) -> None:
    GridPlan.objects.filter(pk=t.plan.pk).update(status=GridPlan.Status.RETIRED)
    placer = Placer.active()
    assert placer.plan is None
    assert placer.at([111.705, 111.735], [27.205, 27.215]) == [OUTSIDE, OUTSIDE]


def test_a_building_in_an_estate_goes_with_the_estate_not_its_point(t: Territory) -> None:
    estate = t.sites_a[0]
    placer = Placer.active()
    assert placer.one(lon=111.735, lat=27.215, estate=estate) == _plan_grid(t, "A")
    assert placer.of_estates([estate, t.sites_b[0]]) == {
        estate.pk: _plan_grid(t, "A"),
        t.sites_b[0].pk: _plan_grid(t, "B"),
    }
    b = _building("B1", estate, lon=111.735)  # its own point lies in B
    assert b.grid == t.world.grid_a
    assert SiteAssignment.objects.get(plan=t.plan, site=b).plan_grid_id == _plan_grid(t, "A")[1]
    [entry] = AuditEntry.objects.filter(content_type__model="site", object_id=str(b.pk))
    assert entry.after is not None
    assert (entry.action, entry.after["grid"]) == ("create", t.world.grid_a.pk)


def test_sites_place_records_the_sites_and_carries_each_estates_buildings(t: Territory) -> None:
    estate, other = t.sites_a[0], t.sites_a[1]
    buildings = [_building("B1", estate), _building("B2", estate)]
    neighbour = _building("N1", other)
    east = _plan_grid(t, "B")
    Site.objects.filter(pk=estate.pk).update(grid_id=east.grid_id)  # as its caller saved it
    admin = t.world.user("market_admin")
    moved = services.sites_place(actor=admin, plan=t.plan, placed={estate.pk: east})
    assert moved == 2
    ids = [estate.pk, *(b.pk for b in buildings)]
    assert set(Site.objects.filter(pk__in=ids).values_list("grid_id", flat=True)) == {east.grid_id}
    assert set(
        SiteAssignment.objects.filter(plan=t.plan, site_id__in=ids).values_list(
            "plan_grid_id", flat=True
        )
    ) == {east.plan_grid_id}
    assert SiteAssignment.objects.filter(plan=t.plan, site_id__in=ids).count() == 3
    neighbour.refresh_from_db()
    assert neighbour.grid == t.world.grid_a
    entries = AuditEntry.objects.filter(action="update", actor=admin)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        str(b.pk) for b in buildings
    )  # the estate's own entry is its caller's
    assert {((e.before or {})["grid"], (e.after or {})["grid"]) for e in entries} == {
        (t.world.grid_a.pk, east.grid_id)
    }


def test_a_building_placed_apart_from_its_moving_estate_still_ends_with_it(t: Territory) -> None:
    estate = t.sites_a[0]
    b = _building("B1", estate)
    east = _plan_grid(t, "B")
    Site.objects.filter(pk=estate.pk).update(grid_id=east.grid_id)
    moved = services.sites_place(
        actor=SYSTEM, plan=t.plan, placed={estate.pk: east, b.pk: _plan_grid(t, "A")}
    )
    assert moved == 1
    b.refresh_from_db()
    assert b.grid_id == east.grid_id
    assert SiteAssignment.objects.get(plan=t.plan, site=b).plan_grid_id == east.plan_grid_id


def test_buildings_already_with_their_estate_are_not_rewritten(t: Territory) -> None:
    estate = t.sites_a[0]
    _building("B1", estate)
    audits = AuditEntry.objects.count()
    assert (
        services.sites_place(actor=SYSTEM, plan=t.plan, placed={estate.pk: _plan_grid(t, "A")}) == 0
    )
    assert AuditEntry.objects.count() == audits


def test_without_a_plan_buildings_still_follow_and_no_assignment_is_written(
    t: Territory,
) -> None:
    estate = t.sites_a[0]
    b = _building("B1", estate)
    assignments = SiteAssignment.objects.count()
    assert services.sites_place(actor=SYSTEM, plan=None, placed={estate.pk: OUTSIDE}) == 1
    b.refresh_from_db()
    assert b.grid is None
    assert SiteAssignment.objects.count() == assignments


def test_a_new_point_on_the_form_places_an_estate_again(t: Territory) -> None:
    estate = t.sites_a[0]
    site = services.site_update(actor=SYSTEM, site=estate, data={"lon": 111.735, "name": "东迁"})
    site.refresh_from_db()
    assert (site.name, site.grid) == ("东迁", t.world.grid_b)
    assert SiteAssignment.objects.get(plan=t.plan, site=site).plan_grid_id == _plan_grid(t, "B")[1]


def test_a_buildings_new_point_keeps_it_with_its_estate(t: Territory) -> None:
    b = _building("B1", t.sites_a[0])
    services.site_update(actor=SYSTEM, site=b, data={"lon": 111.735})
    b.refresh_from_db()
    assert (b.lon, b.grid) == (111.735, t.world.grid_a)


def test_a_building_given_another_estate_follows_that_estate(t: Territory) -> None:
    b = _building("B1", t.sites_a[0])
    services.site_update(actor=SYSTEM, site=b, data={"estate": t.sites_b[0]})
    b.refresh_from_db()
    assert b.grid == t.world.grid_b
    assert SiteAssignment.objects.get(plan=t.plan, site=b).plan_grid_id == _plan_grid(t, "B")[1]


def test_an_edit_that_does_not_move_a_site_does_not_place_it(t: Territory) -> None:
    estate = t.sites_a[0]
    SiteAssignment.objects.filter(plan=t.plan, site=estate).delete()
    services.site_update(actor=SYSTEM, site=estate, data={"name": "改名"})
    assert not SiteAssignment.objects.filter(plan=t.plan, site=estate).exists()


def test_the_form_service_refuses_fields_it_does_not_edit_and_people_without_the_right(
    t: Territory,
) -> None:
    estate = t.sites_a[0]
    with pytest.raises(ValueError):
        services.site_update(actor=SYSTEM, site=estate, data={"lon": 111.735, "grid_id": None})
    # Grid managers keep their own grids' sites, and only inside them (like the imports).
    for persona in ("manager_b", "account_a", "tech_a", "agent_a"):
        with pytest.raises(PermissionDenied):
            services.site_update(actor=t.world.user(persona), site=estate, data={"name": "x"})
    with pytest.raises(ValidationError, match="不在您负责的网格内"):
        services.site_update(actor=t.world.user("manager_a"), site=estate, data={"lon": 111.735})
    estate.refresh_from_db()
    assert (estate.grid, estate.name) == (t.world.grid_a, "A小区0")
    services.site_update(actor=t.world.user("manager_a"), site=estate, data={"name": "甲改"})
    estate.refresh_from_db()
    assert estate.name == "甲改"


def test_a_sites_count_rule_is_reported_at_its_field() -> None:
    """Constraint errors name their field (the form shows them there, the API names it)."""
    from django.core.exceptions import ValidationError

    from wangge.territory.models import Site

    site = Site(kind="estate", code="C1", name="甲", lon=111.7, lat=27.2, households=10,
                covered_households=12)  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        site.full_clean()
    assert set(exc.value.message_dict) == {"covered_households"}
