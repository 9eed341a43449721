"""Balance attributes: an open list of site fields; capacity (资源能力) from the asset register."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.db import models
from django.urls import reverse

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.service.models import Asset
from wangge.service.services.assets import asset_create
from wangge.territory import auto, selectors, services
from wangge.territory.attributes import BALANCE_ATTRIBUTES, DERIVED, site_fields
from wangge.territory.models import GridPlan, Site

NUMERIC = (models.IntegerField, models.FloatField, models.DecimalField)


def test_every_balance_attribute_is_a_numeric_site_field_or_derived() -> None:
    assert set(site_fields()) | set(DERIVED) == set(BALANCE_ATTRIBUTES)
    for name in site_fields():
        assert isinstance(Site._meta.get_field(name), NUMERIC), name


@pytest.mark.django_db
def test_unit_arrays_read_every_attribute(world: World) -> None:
    t = build_territory(world, per_grid=2)
    arrays = services.unit_arrays()
    site = t.sites_a[1]
    i = arrays["id"].tolist().index(site.pk)
    for name in site_fields():
        assert arrays[name][i] == getattr(site, name), name
    assert arrays["workload"][i] == site.workload


@pytest.fixture
def capacity(world: World) -> Territory:
    """Grid A's sites have 10 free ports each on their ONU, grid B's 2: the current plan is
    far from balanced on free ports (80 against 16)."""
    t = build_territory(world, per_grid=8)
    for n, site in enumerate(t.sites_a + t.sites_b):
        free = 10 if site in t.sites_a else 2
        asset_create(
            actor=SYSTEM, site=site, code=f"ONU-{n:02d}", kind=Asset.Kind.ONU,
            ports_total=16, ports_used=16 - free, covered_households=60 + n,
        )  # fmt: skip
    return t


def _register_free_ports(plan: GridPlan) -> dict[str, int]:
    """Free ports per plan grid, summed from the asset register itself."""
    grid_of = dict(plan.assignments.values_list("site_id", "plan_grid__code"))
    out: dict[str, int] = defaultdict(int)
    for site_id, total, used in Asset.objects.values_list("site_id", "ports_total", "ports_used"):
        out[grid_of[site_id]] += total - used
    return dict(out)


@pytest.mark.django_db
def test_a_plan_balanced_on_free_ports_reads_what_the_service_app_wrote(
    capacity: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    t = capacity
    # The service app keeps the site's figures equal to its register.
    for site in t.sites_a + t.sites_b:
        site.refresh_from_db()
        assert (site.free_ports, site.covered_households) == (
            10 if site in t.sites_a else 2,
            min(site.households, 60 + (t.sites_a + t.sites_b).index(site)),
        )
    assert t.plan.summary["balance"]["free_ports"]["max_deviation"] == 0  # stale: before assets
    with django_capture_on_commit_callbacks(execute=True):
        plan = auto.plan_auto_create(
            actor=SYSTEM, name="按空闲端口", k=2, attributes=["free_ports"], stable=False
        )
    plan.refresh_from_db()
    assert not plan.failed and not plan.running
    per_grid = _register_free_ports(plan)
    assert sum(per_grid.values()) == 96
    for g in plan.grids.all():
        assert g.totals["free_ports"] == per_grid[g.code]
        assert abs(g.totals["free_ports_dev"]) <= 0.05  # within the default tolerance
    # What the partitioner balanced is what the plan reports: the same figures.
    assert plan.summary["partition"]["max_deviation"]["free_ports"] == pytest.approx(
        plan.summary["balance"]["free_ports"]["max_deviation"], abs=1e-4
    )
    # The comparison with the plan in force shows free ports and coverage per grid, with the
    # deviation from the mean: the current grids hold 80 and 16 (±67%).
    services.plan_refresh_totals(t.plan)
    c = selectors.plan_compare(plan, t.plan)
    before = {r.code: r.before for r in c.rows}
    assert (before["A"]["free_ports"], before["B"]["free_ports"]) == (80, 16)
    assert before["A"]["free_ports_dev"] == pytest.approx(2 / 3, abs=1e-4)
    assert all(abs(r.after["free_ports_dev"] or 0) <= 0.05 for r in c.rows if r.after)
    covered = sum(s.covered_households for s in Site.objects.all())
    assert sum(r.after.get("covered_households") or 0 for r in c.rows) == covered
    page = t.world.client("market_admin").get(reverse("territory:plan_compare", args=[plan.pk]))
    html = page.content.decode()
    table = html.split('data-testid="balance-compare"')[1]
    assert "空闲端口" in table and "覆盖户数" in table and "饱满度" in table
    assert "+66.7%" in table or "-66.7%" in table
