"""The market potential page and its API: per grid and per site, figures that add up from
the sites, the model's forecast for estates, scoped to the reader's grids, sortable, and
an Excel download of values (no formulas) that is logged."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from tests.insights.world import rolled_back
from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.core.models import ExportLog
from wangge.crm import services as crm_services
from wangge.crm.models import Competitor
from wangge.insights import selectors_potential as sel
from wangge.insights import services_potential
from wangge.territory import services as territory_services
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _t_once(world_once: World, django_db_blocker: Any) -> Iterator[Territory]:
    with rolled_back(django_db_blocker):
        yield _territory(world_once)


@pytest.fixture
def t(_t_once: Territory, world: World) -> Territory:
    return _t_once


def _territory(world: World) -> Territory:
    """Six surveyed estates per grid, a stand-alone building in grid A (no model: households
    − subscribers), a competitor with an estimate in A's first estate."""
    t = build_territory(world, per_grid=6)
    for i, site in enumerate([*t.sites_a, *t.sites_b]):
        Site.objects.filter(pk=site.pk).update(
            pc_owners=30 + 9 * i, tenant_share=Decimal("0.1") + Decimal(i % 3) / 10
        )
    territory_services.site_create(
        actor=SYSTEM, code="A-B1", kind=Site.Kind.BUILDING, name="临街1号楼",
        lon=111.7105, lat=27.2105, households=40, covered_households=30,
    )  # fmt: skip
    Site.objects.filter(code="A-B1").update(customers=15)
    rival = Competitor.objects.order_by("pk").first()
    assert rival is not None
    crm_services.competitor_intel_create(
        actor=SYSTEM, site=t.sites_a[0], competitor=rival, customers_estimate=30
    )
    services_potential.potential_compute(actor=SYSTEM)  # the nightly job
    return t


def _api(world: World, persona: str, query: str = "") -> dict:
    response = world.client(persona).get(f"/api/insights/potential{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_grid_figures_add_up_from_their_sites_and_estates_follow_the_model(
    world: World, t: Territory
) -> None:
    data = _api(world, "market_admin", f"?grid={world.grid_a.pk}")
    county = sel.stored()
    assert county is not None
    assert data["model"]["fitted_on"] == 12
    sites = {s["code"]: s for s in data["sites"]}
    assert set(sites) == {s.code for s in t.sites_a} | {"A-B1"}
    for estate in t.sites_a:
        _p, potential = county.forecasts[estate.pk]
        row = sites[estate.code]
        assert (row["potential"], row["modelled"]) == (potential, True)
        assert row["untapped"] == max(row["potential"] - row["customers"], 0)
    building = sites["A-B1"]
    assert (building["modelled"], building["untapped"], building["potential"]) == (False, 25, 40)
    first = sites[t.sites_a[0].code]
    assert first["rivals"] == 30
    assert first["rival_share"] == round(30 / (30 + first["customers"]), 4)

    grid_a = next(g for g in data["grids"] if g["id"] == world.grid_a.pk)
    for key in ("households", "customers", "rivals", "potential", "untapped"):
        assert grid_a[key] == sum(s[key] for s in sites.values()), key
    assert (grid_a["sites"], grid_a["modelled"]) == (7, 6)


def test_manager_reads_only_their_grids_and_another_grid_is_404(world: World, t: Territory) -> None:
    data = _api(world, "manager_a")
    assert [g["id"] for g in data["grids"]] == [world.grid_a.pk]
    assert {s["grid"] for s in data["sites"]} == {world.grid_a.pk}
    other = f"?grid={world.grid_b.pk}"
    assert world.client("manager_a").get(f"/api/insights/potential{other}").status_code == 404
    page = reverse("insights:potential")
    assert world.client("manager_a").get(page + other).status_code == 404
    response = world.client("manager_a").get(page)
    assert response.status_code == 200
    assert t.sites_a[0].name in response.text and t.sites_b[0].name not in response.text


def test_rows_sort_largest_first_by_the_chosen_figure(world: World, t: Territory) -> None:
    for sort in ("households", "untapped", "rival_share"):
        rows = _api(world, "market_admin", f"?grid={world.grid_a.pk}&sort={sort}")["sites"]
        values = [r[sort] or 0 for r in rows]
        assert values == sorted(values, reverse=True), sort
    bad = world.client("market_admin").get("/api/insights/potential?sort=name")
    assert bad.status_code == 422


def test_page_shows_both_tables_and_exports_values_only(world: World, t: Territory) -> None:
    client = world.client("market_admin")
    url = reverse("insights:potential")
    response = client.get(url, {"grid": str(world.grid_a.pk), "sort": "households"})
    assert response.status_code == 200
    assert response.text.count('data-testid="site-row"') == 7
    assert response.text.count('data-testid="grid-row"') == 2

    export = client.get(url, {"grid": str(world.grid_a.pk), "export": "sites"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编码", "名称", "类型") and len(rows) == 1 + 7
    cells = [c for r in rows for c in r if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)
    api_rows = {
        s["code"]: s for s in _api(world, "market_admin", f"?grid={world.grid_a.pk}")["sites"]
    }
    for r in rows[1:]:
        assert r[-2] == api_rows[r[0]]["untapped"]
    log = ExportLog.objects.get()
    assert (log.kind, log.rows, log.filters) == (
        "potential-sites",
        7,
        {"grid": str(world.grid_a.pk)},
    )

    grids = client.get(url, {"export": "grids"})
    g_rows = list(
        openpyxl.load_workbook(io.BytesIO(grids.content)).active.iter_rows(values_only=True)
    )
    assert len(g_rows) == 1 + 2
