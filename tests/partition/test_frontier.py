"""`frontier()`: plans from the most compact to the most balanced on customers."""

from __future__ import annotations

import numpy as np
import pytest

from wangge.territory.partition import (
    Problem,
    Result,
    frontier,
    grid_polygons,
    synthetic,
)
from wangge.territory.partition.frontier import Point, mark_dominated, next_setting


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
    settings = [p.setting for p in points]
    assert settings == sorted(settings, reverse=True)
    # Adaptive spacing halves the gaps between settings: the ends, then midpoints.
    assert all(abs(s * 8 - round(s * 8)) < 1e-9 for s in settings)
    assert 1 <= len(points) <= 4
    for p in points:
        assert p.result.disconnected == []
        assert len(np.unique(p.result.assignment)) == county.k
        assert p.result.max_deviation["households"] <= county.tolerance + 1e-9
    assert points[-1].secondary_deviation() < points[0].secondary_deviation() - 0.05
    assert points[-1].mean_compactness < points[0].mean_compactness


def test_no_returned_point_is_dominated(points: list[Point]) -> None:
    figures = [(p.mean_compactness, p.secondary_deviation()) for p in points]
    for p, (pp, dev) in zip(points, figures, strict=True):
        assert not p.dominated
        beaten = [(a, b) for a, b in figures if a >= pp and b <= dev and (a, b) != (pp, dev)]
        assert not beaten


def test_dominance_is_judged_on_both_figures(points: list[Point]) -> None:
    # Two points with the same figures do not dominate each other.
    twins = [Point(0.5, points[0].result), Point(0.4, points[0].result)]
    mark_dominated(twins)
    assert not any(p.dominated for p in twins)


def _fake(setting: float, pp: float, dev: float) -> Point:
    result = Result(
        assignment=np.zeros(1, dtype=np.int64),
        polygons=[],
        totals={},
        deviation={},
        max_deviation={"households": 0.02, "customers": dev},
        compactness=np.array([pp]),
        disconnected=[],
        moved=0,
        issues=[],
        seconds=0.0,
    )
    return Point(setting, result)


def test_the_next_setting_splits_the_widest_gap_between_plans() -> None:
    # 0.5 and 0.25 give nearly the same plan; 0.25 and 0 differ a lot: split the latter.
    pts = [_fake(0.5, 0.53, 0.30), _fake(0.25, 0.52, 0.29), _fake(0.0, 0.17, 0.20)]
    assert next_setting(pts) == pytest.approx(0.125)
    pts.append(_fake(0.125, 0.30, 0.22))
    assert next_setting(pts) == pytest.approx(0.1875)
    # Gaps narrower than the smallest step are not split.
    assert next_setting([_fake(0.0015, 0.5, 0.3), _fake(0.0, 0.2, 0.2)]) is None


def test_a_chosen_point_gets_its_polygons_back(county: Problem, points: list[Point]) -> None:
    chosen = points[-1].result
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
