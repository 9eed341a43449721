"""`swap.refine`: exchanges of border cells move the secondary with the primary held."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from wangge.territory.partition import build_cells_cached, partition, synthetic
from wangge.territory.partition.graph import components_within
from wangge.territory.partition.model import Setup
from wangge.territory.partition.search import State, weights_for
from wangge.territory.partition.swap import refine

from .helpers import SPAN, points, problem, square


def _state(lon: np.ndarray, lat: np.ndarray, w: np.ndarray, label_of_site: np.ndarray) -> State:
    """A search state for a hand-made plan (compactness 0: balance first)."""
    cells = build_cells_cached(lon, lat, square())  # the same sites in several tests
    k = int(label_of_site.max()) + 1
    wc = np.zeros((cells.n, w.shape[1]))
    for a in range(w.shape[1]):
        wc[:, a] = np.bincount(cells.site_cell, weights=w[:, a], minlength=cells.n)
    label = np.zeros(cells.n, dtype=np.int64)
    label[cells.site_cell] = label_of_site
    tol = np.array([0.05, 0.10])
    setup = Setup(
        cells=cells,
        w=wc,
        target=wc.sum(axis=0) / k,
        tol=tol,
        importance=np.array([1.0, 0.3]),
        lock=np.full(cells.n, -1, dtype=np.int64),
        open_grid=np.ones(k, dtype=bool),
        cx=shapely.get_x(shapely.centroid(cells.polygons)),
        cy=shapely.get_y(shapely.centroid(cells.polygons)),
        compactness=0.0,
    )
    return State(setup, label, weights_for(0.0, tol, warm=False), None)


def _pieces(st: State) -> np.ndarray:
    c = st.s.cells
    comp = components_within(c.indptr, c.indices, st.label)
    return np.array([len(np.unique(comp[st.label == g])) for g in range(st.k)])


@pytest.mark.parametrize("seed", [1, 2])
def test_swaps_even_out_the_secondary_and_keep_every_grid_whole(seed: int) -> None:
    # Left half and right half of the square, one household per site; customers penetration
    # 0.8 on the left, 0.2 on the right: only an exchange across the border (one cell each
    # way, so households stay equal) can move customers between the two grids.
    lon, lat = points(300, seed)
    x = (lon - lon.min()) / SPAN
    left = x < np.median(x)
    w = np.column_stack([np.ones(len(lon)), np.where(left, 0.8, 0.2)])
    st = _state(lon, lat, w, np.where(left, 0, 1))
    before = np.abs(st.tot[:, 1] / st.s.target[1] - 1).max()
    cost_before = float(st.cost(np.arange(st.k)).sum())
    assert (_pieces(st) == 1).all()

    made = refine(st)

    after = np.abs(st.tot[:, 1] / st.s.target[1] - 1).max()
    assert made > 5
    assert after < before - 0.1
    assert float(st.cost(np.arange(st.k)).sum()) < cost_before
    # The primary held: every exchange was one household for one household.
    np.testing.assert_allclose(st.tot[:, 0], st.s.target[0])
    assert (_pieces(st) == 1).all()
    # The per-grid sums the search keeps match the plan.
    np.testing.assert_allclose(st.tot, np.array([st.s.w[st.label == g].sum(0) for g in range(2)]))


def test_swaps_never_push_the_primary_out_of_its_aim() -> None:
    # Households vary, so many exchanges would shift them; none may take a grid past ±2%.
    lon, lat = points(400, 4)
    rng = np.random.default_rng(4)
    hh = rng.lognormal(3.5, 0.6, len(lon))
    y = (lat - lat.min()) / SPAN
    order = np.argsort(lat)
    label = np.zeros(len(lon), dtype=np.int64)
    label[order[np.searchsorted(np.cumsum(hh[order]), hh.sum() / 2) :]] = 1
    w = np.column_stack([hh, hh * np.where(y < 0.5, 0.6, 0.3)])
    st = _state(lon, lat, w, label)
    dev0 = np.abs(st.tot[:, 0] / st.s.target[0] - 1)
    before = np.abs(st.tot[:, 1] / st.s.target[1] - 1).max()

    assert refine(st) > 0

    dev = np.abs(st.tot[:, 0] / st.s.target[0] - 1)
    assert (dev <= np.maximum(dev0, st.wt.aim[0]) + 1e-12).all()
    assert np.abs(st.tot[:, 1] / st.s.target[1] - 1).max() < before
    assert (_pieces(st) == 1).all()


def test_partition_at_balance_first_stays_contiguous_with_swaps() -> None:
    inst = synthetic.county(600, seed=5)
    p = problem(
        inst.lon,
        inst.lat,
        6,
        {"households": inst.households * 1.0, "customers": inst.customers * 1.0},
        outline=inst.outline,
        compactness=0.0,
    )
    result = partition(p)
    assert result.disconnected == []
    assert result.max_deviation["households"] <= 0.05
    assert result.timings["swaps"] >= 0
