"""Properties of `partition()` on small random instances."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.ops import split

from wangge.territory.partition import Problem, Result, partition, synthetic
from wangge.territory.partition.geometry import build_cells_cached
from wangge.territory.partition.graph import components_within

from .helpers import LAT0, LON0, SPAN, points, problem, square

FAST = settings(
    max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def check_plan(p: Problem, r: Result) -> None:
    """Every site once, K non-empty connected grids, polygons tiling the area."""
    n, k = len(p.ids), p.k
    a = r.assignment
    assert a.shape == (n,) and a.dtype.kind == "i"
    assert a.min() >= 0 and a.max() < k
    assert len(np.unique(a)) == k
    cells = build_cells_cached(p.lon, p.lat, p.outline, tuple(p.barriers))
    label = np.full(cells.n, -1)
    label[cells.site_cell] = a
    assert (label[cells.site_cell] == a).all()  # sites sharing a cell share a grid
    comp = components_within(cells.indptr, cells.indices, label)
    assert all(len(np.unique(comp[label == g])) == 1 for g in range(k))
    assert r.disconnected == []
    metric = [cells.projection.to_metric(g) for g in r.polygons]
    assert all(g.geom_type == "Polygon" for g in metric)
    region = shapely.area(cells.region)
    assert sum(g.area for g in metric) == pytest.approx(region, rel=1e-5)
    assert shapely.union_all(metric).area == pytest.approx(region, rel=1e-5)
    assert ((r.compactness > 0) & (r.compactness <= 1)).all()
    for name, w in p.weights.items():
        tot = np.bincount(a, weights=w, minlength=k)
        np.testing.assert_allclose(r.totals[name], tot)
        want = tot / tot.mean() - 1 if tot.sum() > 0 else np.zeros(k)
        np.testing.assert_allclose(r.deviation[name], want, atol=1e-12)
        assert r.max_deviation[name] == pytest.approx(np.abs(r.deviation[name]).max())


@FAST
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(30, 300),
    k=st.integers(1, 12),
    clustered=st.booleans(),
    outline=st.booleans(),
    compactness=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_plan_is_a_valid_division(
    seed: int, n: int, k: int, clustered: bool, outline: bool, compactness: float
) -> None:
    lon, lat = points(n, seed, clustered)
    rng = np.random.default_rng(seed)
    w = {"households": rng.lognormal(3, 0.8, len(lon)), "customers": rng.random(len(lon)) * 10}
    p = problem(lon, lat, k, w, outline=square() if outline else None, compactness=compactness)
    check_plan(p, partition(p))


@FAST
@given(seed=st.integers(0, 10**6), k=st.integers(2, 8))
def test_primary_tolerance_met_with_many_small_sites(seed: int, k: int) -> None:
    lon, lat = points(500, seed, clustered=True)
    rng = np.random.default_rng(seed)
    w = {"households": rng.uniform(0.8, 1.2, len(lon))}
    p = problem(lon, lat, k, w)
    r = partition(p)
    check_plan(p, r)
    assert r.max_deviation["households"] <= 0.02 + 1e-9
    assert not [i for i in r.issues if i.code == "tolerance_not_met"]


def test_site_larger_than_a_grid_is_reported() -> None:
    lon, lat = points(200, seed=5)
    w = np.ones(len(lon))
    w[17] = 100.0  # the target is (199 + 100) / 6 ~ 50
    r = partition(problem(lon, lat, 6, {"households": w}))
    big = [i for i in r.issues if i.code == "site_exceeds_target"]
    assert big and big[0].site_ids == ["s17"] and big[0].attribute == "households"
    assert big[0].where == pytest.approx((lon[17], lat[17]))
    assert any(i.code == "tolerance_not_met" for i in r.issues)
    # The other grids still balance among themselves.
    g = r.assignment[17]
    others = np.delete(r.totals["households"], g)
    assert np.ptp(others) / others.mean() < 0.1


def test_locked_sites_stay_in_their_grid() -> None:
    lon, lat = points(400, seed=11)
    rng = np.random.default_rng(1)
    locked = {int(i): int(rng.integers(0, 8)) for i in rng.choice(len(lon), 12, replace=False)}
    r = partition(problem(lon, lat, 8, locked=locked))
    assert all(r.assignment[i] == g for i, g in locked.items())
    assert len(np.unique(r.assignment)) == 8


def test_nearby_locked_sites_give_a_connected_grid() -> None:
    lon, lat = points(400, seed=12)
    near = np.argsort(np.hypot(lon - lon[0], lat - lat[0]))[:3]
    locked = {int(i): 4 for i in near}
    p = problem(lon, lat, 6, locked=locked)
    r = partition(p)
    assert (r.assignment[near] == 4).all()
    check_plan(p, r)


def test_whole_grid_locked_is_kept_as_is() -> None:
    lon, lat = points(400, seed=13)
    first = partition(problem(lon, lat, 6))
    g = 2
    locked = {int(i): g for i in np.flatnonzero(first.assignment == g)}
    w = np.ones(len(lon))
    w[first.assignment == 0] *= 1.3  # make grid 0 heavy so things must move
    r = partition(problem(lon, lat, 6, {"households": w}, locked=locked, initial=first.assignment))
    assert np.array_equal(r.assignment == g, first.assignment == g)
    assert r.max_deviation["households"] > 0  # sanity
    assert r.moved > 0


@FAST
@given(seed=st.integers(0, 10**6), tilt=st.floats(-0.3, 0.3))
def test_barrier_is_never_straddled(seed: int, tilt: float) -> None:
    lon, lat = points(300, seed)
    y0 = LAT0 + SPAN * 0.45
    river = shapely.LineString(
        [
            (LON0 - 0.01, y0 - tilt * 0.06),
            (LON0 + SPAN / 2, y0 + 0.01),
            (LON0 + SPAN + 0.01, y0 + tilt * 0.06),
        ]
    )
    p = problem(lon, lat, 6, outline=square(), barriers=[river])
    r = partition(p)
    halves = shapely.get_parts(split(square(), river))
    assert len(halves) == 2
    side = shapely.contains_xy(halves[0], lon, lat)
    # A site right on the line (within ~5 m) belongs to whichever side its cell is on.
    clear = shapely.distance(river, shapely.points(lon, lat)) > 5e-5
    for g in range(6):
        assert len(np.unique(side[(r.assignment == g) & clear])) == 1
        assert r.polygons[g].intersection(river).length < 1e-6
    check_plan(p, r)


def test_same_seed_same_plan_and_seed_matters() -> None:
    # 800 sites for 12 grids still take every phase (bisection, moves, swaps); four runs.
    inst = synthetic.county(800, seed=3)
    w = {"households": inst.households, "customers": inst.customers}

    def run(seed: int) -> np.ndarray:
        return partition(Problem(inst.ids, inst.lon, inst.lat, w, 12, seed=seed)).assignment

    a = run(0)
    assert np.array_equal(a, run(0))
    assert np.array_equal(run(7), run(7))


def test_rebalance_after_small_change_moves_few_sites() -> None:
    inst = synthetic.county(2000, seed=4)
    w = {"households": inst.households, "customers": inst.customers}
    p = Problem(inst.ids, inst.lon, inst.lat, w, 20, outline=inst.outline)
    first = partition(p)
    changed = synthetic.perturb(w, seed=5)
    p2 = Problem(
        inst.ids, inst.lon, inst.lat, changed, 20, outline=inst.outline, initial=first.assignment
    )
    r = partition(p2)
    check_plan(p2, r)
    assert r.moved == int((r.assignment != first.assignment).sum())
    assert r.moved <= 0.03 * len(inst.ids)
    assert r.max_deviation["households"] <= 0.05


def test_new_sites_in_a_rebalance_join_a_grid() -> None:
    lon, lat = points(300, seed=8)
    first = partition(problem(lon[:250], lat[:250], 5))
    initial = np.r_[first.assignment, np.full(len(lon) - 250, -1)]
    p = problem(lon, lat, 5, initial=initial)
    r = partition(p)
    check_plan(p, r)
    assert r.moved == int((r.assignment[:250] != first.assignment).sum())


def test_duplicate_points_stay_together() -> None:
    lon, lat = points(200, seed=9)
    lon[50:60] = lon[10]
    lat[50:60] = lat[10]
    p = problem(lon, lat, 7)
    r = partition(p)
    assert len(np.unique(r.assignment[[10, *range(50, 60)]])) == 1
    dup = [i for i in r.issues if i.code == "duplicate_points"]
    assert dup and set(dup[0].site_ids) == {f"s{i}" for i in [10, *range(50, 60)]}
    check_plan(p, r)


def test_one_grid_and_one_grid_per_site() -> None:
    lon, lat = points(40, seed=10)
    for k in (1, len(lon)):
        p = problem(lon, lat, k)
        check_plan(p, partition(p))


def test_all_zero_primary_still_gives_even_grids() -> None:
    lon, lat = points(200, seed=2)
    p = problem(lon, lat, 4, {"households": np.zeros(len(lon)), "customers": np.ones(len(lon))})
    r = partition(p)
    check_plan(p, r)
    assert r.max_deviation["households"] == 0.0
    assert r.max_deviation["customers"] <= 0.05


def test_progress_is_reported() -> None:
    lon, lat = points(100, seed=1)
    seen: list[float] = []
    partition(problem(lon, lat, 4), progress=lambda f, note: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"k": 0}, "number of grids"),
        ({"k": 1000}, "number of grids"),
        ({"weights": {"households": -np.ones(50)}}, "negative"),
        ({"weights": {"households": np.ones(49)}}, "one value per site"),
        ({"ids": ["a"] * 50}, "unique"),
        ({"locked": {0: 9}}, "out of range"),
        ({"tolerance": 0.0}, "positive"),
    ],
)
def test_bad_input_is_rejected(change: dict, message: str) -> None:
    lon, lat = points(50, seed=1)
    p = problem(lon, lat, 3)
    for key, value in change.items():
        setattr(p, key, value)
    with pytest.raises(ValueError, match=message):
        partition(p)
