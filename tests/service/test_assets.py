"""The asset register: who sees and edits which assets, its invariants, stale edits, and
the site capacity derived from it."""

from __future__ import annotations

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
from wangge.service.services.assets import asset_create, asset_update
from wangge.service.services.assets_capacity import site_capacity_refresh
from wangge.territory.models import Site

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
    assert AuditEntry.objects.filter(object_id=str(made.pk), action="create").exists()
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
