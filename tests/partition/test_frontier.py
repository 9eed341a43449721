"""`frontier()`: plans from the most compact to the most balanced on customers."""

from __future__ import annotations

import numpy as np
import pytest

from wangge.territory.partition import Problem, frontier, grid_polygons, partition, synthetic
from wangge.territory.partition.frontier import Point, mark_dominated


@pytest.fixture(scope="module")
def county() -> Problem:
    # Customer penetration 0.55 in the core, 0.31 in the countryside: compact grids cannot
    # balance customers, so the points differ.
    inst = synthetic.county(800, seed=3)
    return Problem(
        ids=inst.ids,
        lon=inst.lon,
        lat=inst.lat,
        weights={"households": inst.households.astype(float), "customers": inst.customers * 1.0},
        k=8,
        outline=inst.outline,
    )


@pytest.fixture(scope="module")
def points(county: Problem) -> list[Point]:
    return frontier(county, 4)


def test_points_run_from_the_problems_setting_to_balance_first(
    county: Problem, points: list[Point]
) -> None:
    assert [round(p.setting, 3) for p in points] == [0.5, 0.333, 0.167, 0.0]
    # The most compact point is the plan `partition` gives for the problem itself.
    np.testing.assert_array_equal(points[0].result.assignment, partition(county).assignment)
    for p in points:
        assert p.result.disconnected == []
        assert len(np.unique(p.result.assignment)) == county.k
        assert p.result.max_deviation["households"] <= county.tolerance + 1e-9
    first = points[0].secondary_deviation()
    assert min(p.secondary_deviation() for p in points[1:]) < first - 0.05
    assert points[-1].mean_compactness < points[0].mean_compactness


def test_dominated_points_are_marked_not_hidden(points: list[Point]) -> None:
    figures = [(p.mean_compactness, p.secondary_deviation()) for p in points]
    for p, (pp, dev) in zip(points, figures, strict=True):
        beaten = [(a, b) for a, b in figures if a >= pp and b <= dev and (a, b) != (pp, dev)]
        assert p.dominated == bool(beaten)
    # Two points with the same figures do not dominate each other.
    twins = [Point(0.5, points[0].result), Point(0.4, points[0].result)]
    mark_dominated(twins)
    assert not any(p.dominated for p in twins)


def test_a_chosen_point_gets_its_polygons_back(county: Problem, points: list[Point]) -> None:
    chosen = points[2].result
    polygons, pp = grid_polygons(county, chosen.assignment)
    np.testing.assert_allclose(pp, chosen.compactness)
    assert [round(g.area, 12) for g in polygons] == [round(g.area, 12) for g in chosen.polygons]
    with pytest.raises(ValueError, match="different number of sites"):
        grid_polygons(county, chosen.assignment[:-1])


@pytest.mark.parametrize(
    ("n", "weights", "message"),
    [
        (0, None, "between 1 and 10"),
        (11, None, "between 1 and 10"),
        (3, ["households"], "second attribute"),
    ],
)
def test_bad_frontier_requests_are_refused(
    county: Problem, n: int, weights: list[str] | None, message: str
) -> None:
    p = county
    if weights:
        p = Problem(**{**county.__dict__, "weights": {w: county.weights[w] for w in weights}})
    with pytest.raises(ValueError, match=message):
        frontier(p, n)
