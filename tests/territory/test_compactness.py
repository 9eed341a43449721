"""The fair compactness measure: a ragged outline costs a grid nothing, a tendril does."""

from __future__ import annotations

import math

import pytest
import shapely
from django.urls import reverse

from tests.personas import World
from tests.territory_world import build_territory
from wangge.territory import compactness, selectors, services
from wangge.territory.models import GridPlan

# About 2 km squares near the demo county (27.2° N).
SQUARE = shapely.box(111.70, 27.20, 111.72, 27.22)


def _ragged(n: int = 40, depth: float = 0.004) -> shapely.Polygon:
    """SQUARE with its west edge a saw: a border traced along a river, many times longer."""
    ys = [27.20 + 0.02 * i / n for i in range(n + 1)]
    west = [(111.70 + (depth if i % 2 else 0.0), y) for i, y in enumerate(ys)]
    return shapely.Polygon([*west, (111.72, 27.22), (111.72, 27.20)])


def test_a_square_is_as_compact_as_a_square_can_be() -> None:
    m = compactness.measure(SQUARE, SQUARE.buffer(0.01))
    assert m.polsby_popper == pytest.approx(math.pi / 4, rel=0.01)
    assert m.hull_fill == pytest.approx(1.0)
    assert m.pp_relative == pytest.approx(1.0)
    assert m.outline_share == 0


def test_a_ragged_county_border_lowers_polsby_popper_but_not_hull_fill() -> None:
    county = _ragged()
    m = compactness.measure(county, county)  # the grid is the whole (ragged) county
    assert m.polsby_popper < 0.4  # the saw more than doubles the perimeter
    assert m.hull_fill == pytest.approx(1.0)  # nothing the grid could have done better
    assert m.pp_relative == pytest.approx(1.0)
    assert m.outline_share == pytest.approx(1.0)


def test_a_grid_with_a_tendril_is_blamed_by_both_measures() -> None:
    # An L: the square's west column and south row, 1/4 of the square wide.
    ell = shapely.union(
        shapely.box(111.70, 27.20, 111.705, 27.22), shapely.box(111.70, 27.20, 111.72, 27.205)
    )
    m = compactness.measure(ell, SQUARE)
    # In side lengths: the L covers 0.4375 of the square, its hull 1 - 0.75²/2 = 0.71875.
    assert m.hull_fill == pytest.approx(0.4375 / 0.71875, rel=0.01)
    assert m.polsby_popper < 0.5
    assert m.pp_relative < 0.6


def test_no_grid_or_an_empty_one_measures_zero() -> None:
    assert compactness.measure(None, SQUARE) == compactness.EMPTY
    assert compactness.measure(shapely.Polygon(), SQUARE) == compactness.EMPTY
    assert compactness.measure_all([None, SQUARE], None)[1].hull_fill == pytest.approx(1.0)


def test_a_grid_a_hair_outside_the_outline_still_fills_its_hull() -> None:
    m = compactness.measure(SQUARE.buffer(1e-6, join_style="mitre"), SQUARE)
    assert m.hull_fill == pytest.approx(1.0)


@pytest.mark.django_db
def test_plans_store_hull_fill_beside_polsby_popper(world: World) -> None:
    t = build_territory(world, per_grid=2)
    services.plan_refresh_totals(t.plan)
    grids = list(t.plan.grids.all())
    assert [g.totals["hull_fill"] for g in grids] == [1.0, 1.0]  # two boxes tiling a box
    for g in grids:  # the two measures agree on Polsby-Popper
        pp = compactness.measure(shapely.geometry.shape(g.boundary), None).polsby_popper
        assert g.compactness == pytest.approx(pp, rel=1e-6)
    t.plan.refresh_from_db()
    assert t.plan.summary["hull_fill_mean"] == 1.0


@pytest.mark.django_db
def test_a_warm_start_that_still_moved_most_units_is_pointed_out(world: World) -> None:
    t = build_territory(world, per_grid=2)
    balance = {"households": {"mean": 100, "max_deviation": 0.02}}
    summary = {"sites": 4, "grids": 2, "balance": balance, "partition": {"moved": 2, "issues": []}}
    plan = GridPlan.objects.create(
        name="稳定起点", source=GridPlan.Source.AUTO, based_on=t.plan,
        params={"stable": True, "k": 2}, summary=summary,
    )  # fmt: skip
    assert selectors.warm_start_moved_share(plan) == 0.5
    page = t.world.client("market_admin").get(reverse("territory:plan_detail", args=[plan.pk]))
    assert "50%" in page.content.decode().split('data-testid="warm-start-note"')[1][:200]
    # One unit in four moved: the start did its job; from scratch there is nothing to say.
    plan.summary["partition"]["moved"] = 1
    assert selectors.warm_start_moved_share(plan) is None
    plan.summary["partition"]["moved"] = 3
    plan.params["stable"] = False
    assert selectors.warm_start_moved_share(plan) is None
