"""The asset register: who sees and edits which assets, its invariants, stale edits, and
the site capacity derived from it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import PERSONAS, assert_visible_matrix
from tests.service.conftest_assets import *  # noqa: F403
from tests.service.conftest_assets import AssetWorld
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.core.services import StaleVersion
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset
from wangge.service.services.assets import asset_create, asset_grids_refresh, asset_update
from wangge.service.services.assets_capacity import site_capacity_refresh
from wangge.territory.models import Site
from wangge.territory.services import site_update

A = {"switch_a", "onu_a", "duct_a"}
B = {"switch_b"}


def test_each_persona_sees_the_assets_of_their_grids(assets: AssetWorld) -> None:
    codes = {k: v.code for k, v in assets.a.items()}
    expected = {
        "market_admin": {codes[k] for k in A | B},
        "manager_a": {codes[k] for k in A},
        "account_a": {codes[k] for k in A},
        "tech_a": {codes[k] for k in A},
        "sales_b": {codes[k] for k in B},
        "agent_a": set(),
    }
    assert_visible_matrix(
        assets.world,
        lambda p: selectors.asset_list(user=assets.world.user(p)).values_list("code", flat=True),
        expected,
    )


def test_the_object_predicate_agrees_with_the_queryset(assets: AssetWorld) -> None:
    from wangge.core.access import scope_for
    from wangge.service.models.assets import AssetQuerySet

    for p in PERSONAS:
        user = assets.world.user(p)
        seen = set(Asset.objects.visible_to(user).values_list("pk", flat=True))
        for a in Asset.objects.select_related("site"):
            assert AssetQuerySet.visible(scope_for(user), a) == (a.pk in seen), (p, a.code)


def test_technician_registers_in_own_grid_only(assets: AssetWorld) -> None:
    w = assets.world
    tech = w.user("tech_a")
    made = asset_create(
        actor=tech, site=assets.t.sites_a[2], code="ONU-A-9", kind=Asset.Kind.ONU,
        ports_total=4,
    )  # fmt: skip
    assert (made.lon, made.lat) == (assets.t.sites_a[2].lon, assets.t.sites_a[2].lat)
    assert AuditEntry.objects.filter(
        object_id=str(made.pk), content_type__model="asset", action="create"
    ).exists()
    with pytest.raises(PermissionDenied):
        asset_create(actor=tech, site=assets.t.sites_b[1], code="X1", kind=Asset.Kind.ONU)
    for p in ("account_a", "agent_a", "sales_b"):
        with pytest.raises(PermissionDenied):
            asset_create(actor=w.user(p), site=assets.t.sites_a[2], code="X2", kind="onu")
    assert not Asset.objects.filter(code__in=["X1", "X2"]).exists()


def test_used_ports_never_exceed_the_total(assets: AssetWorld) -> None:
    sw = assets.a["switch_a"]
    with pytest.raises(ValidationError) as err:
        asset_update(actor=SYSTEM, asset=sw, data={"ports_used": 25}, version=sw.version)
    assert "ports_used" in err.value.message_dict
    sw.refresh_from_db()
    assert sw.ports_used == 20 and sw.version == 1
    with pytest.raises(ValidationError):
        asset_create(actor=SYSTEM, site=assets.t.sites_a[0], code="BAD", kind="onu",
                     ports_total=2, ports_used=3)  # fmt: skip


def test_duplicate_code_is_refused(assets: AssetWorld) -> None:
    with pytest.raises(ValidationError) as err:
        asset_create(actor=SYSTEM, site=assets.t.sites_a[0], code="SW-A-001", kind="onu")
    assert "code" in err.value.message_dict


def test_a_stale_version_changes_nothing(assets: AssetWorld) -> None:
    sw = assets.a["switch_a"]
    asset_update(actor=SYSTEM, asset=sw, data={"note": "first"}, version=1)
    other = Asset.objects.get(pk=sw.pk)
    with pytest.raises(StaleVersion):
        asset_update(actor=SYSTEM, asset=other, data={"note": "second"}, version=1)
    other.refresh_from_db()
    assert other.note == "first" and other.version == 2


def test_site_capacity_follows_the_register(assets: AssetWorld) -> None:
    site = Site.objects.get(pk=assets.t.sites_a[0].pk)
    # switch 24-20 + ONU 8-2 free; the widest layer (switch, 48) covers the site.
    assert site.free_ports == 10
    assert site.covered_households == 48
    cap = selectors.site_capacity(user=assets.world.user("manager_a"), site_id=site.pk)
    assert (cap.assets, cap.ports_free, cap.covered_households) == (2, 10, 48)
    # A faulty switch sells no ports but its homes stay wired.
    sw = assets.a["switch_a"]
    asset_update(actor=SYSTEM, asset=sw, data={"state": Asset.State.FAULTY}, version=sw.version)
    site.refresh_from_db()
    assert (site.free_ports, site.covered_households) == (6, 48)
    # Retired, it no longer counts at all.
    asset_update(actor=SYSTEM, asset=sw, data={"state": Asset.State.RETIRED}, version=sw.version)
    site.refresh_from_db()
    assert (site.free_ports, site.covered_households) == (6, 30)


def test_covered_households_never_exceed_the_sites(assets: AssetWorld) -> None:
    site = assets.t.sites_a[3]
    asset_create(actor=SYSTEM, site=site, code="RX-1", kind=Asset.Kind.OPTICAL_RECEIVER,
                 covered_households=100_000)  # fmt: skip
    site.refresh_from_db()
    assert site.covered_households == site.households
    assert site_capacity_refresh() == 4  # every site with an asset


def test_grid_capacity_is_scoped(assets: AssetWorld) -> None:
    w = assets.world
    rows = selectors.grid_capacity(user=w.user("manager_a"))
    assert [r.grid.code for r in rows] == ["A"]
    assert (rows[0].free_ports, rows[0].covered_households, rows[0].sites) == (10, 48, 2)
    both = selectors.grid_capacity(user=w.user("market_admin"))
    assert [r.grid.code for r in both] == ["A", "B"]
    assert selectors.grid_capacity(user=w.user("agent_a")) == []


# --- the asset's copy of its site's grid ----------------------------------------------------

EAST_LON = 111.735  # inside grid B (tests/territory/test_site_moved.py)


def _seen_by(assets: AssetWorld, persona: str) -> set[str]:
    user = assets.world.user(persona)
    return set(selectors.asset_list(user=user).values_list("code", flat=True))


def test_assets_follow_their_site_into_another_grid(
    assets: AssetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w, site = assets.world, assets.t.sites_a[0]
    assert Asset.objects.get(code="SW-A-001").grid_id == w.grid_a.pk
    with django_capture_on_commit_callbacks(execute=True):
        site_update(actor=SYSTEM, site=site, data={"lon": EAST_LON})
    moved = {"SW-A-001", "ONU-A-001"}
    assert set(Asset.objects.filter(grid=w.grid_b).values_list("code", flat=True)) == moved | {
        "SW-B-001"
    }
    assert moved <= _seen_by(assets, "sales_b") and not moved & _seen_by(assets, "tech_a")
    assert selectors.asset_list(user=w.user("market_admin"), grid_id=w.grid_b.pk).count() == 3


def test_an_asset_moved_to_another_site_takes_that_sites_grid(assets: AssetWorld) -> None:
    w, duct = assets.world, assets.a["duct_a"]
    asset_update(actor=SYSTEM, asset=duct, data={"site": assets.t.sites_b[1]}, version=1)
    assert Asset.objects.get(pk=duct.pk).grid_id == w.grid_b.pk
    assert "GX-A-001" in _seen_by(assets, "sales_b")
    assert "GX-A-001" not in _seen_by(assets, "manager_a")


def test_the_nightly_refresh_mends_grids_written_past_the_services(assets: AssetWorld) -> None:
    w = assets.world
    Asset.objects.filter(code="SW-A-001").update(grid=w.grid_b)
    Asset.objects.filter(code="ONU-A-001").update(grid=None)
    Site.objects.filter(pk=assets.t.sites_a[1].pk).update(grid=None)  # the duct's site
    assert asset_grids_refresh() == 3
    grids = dict(Asset.objects.values_list("code", "grid_id"))
    assert grids == {
        "SW-A-001": w.grid_a.pk, "ONU-A-001": w.grid_a.pk, "GX-A-001": None,
        "SW-B-001": w.grid_b.pk,
    }  # fmt: skip
    assert asset_grids_refresh() == 0
