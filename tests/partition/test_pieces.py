"""Grids shared out between separate pieces of the area (islands, exclaves)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wangge.territory.partition import partition
from wangge.territory.partition.construct import allocate, best_deviation

from .helpers import LAT0, LON0, problem


def brute_force(weight: np.ndarray, k: int, target: float) -> float:
    """The best worst deviation over every way to give each area at least one grid."""
    best = np.inf
    for counts in itertools.product(range(1, k + 1), repeat=len(weight)):
        if sum(counts) == k:
            best = min(best, best_deviation(weight, np.array(counts), target))
    return float(best)


def test_the_issues_case_gets_four_grids_not_five() -> None:
    # An island holding 4.17 grids' worth beside a mainland of 95.83: five grids leave the
    # island 17% short, four leave it 4% over while the mainland barely notices.
    weight = np.array([95.83, 4.17])
    counts = allocate(weight, 100, 1.0)
    assert counts.tolist() == [96, 4]
    assert best_deviation(weight, counts, 1.0) == pytest.approx(0.0425)


@settings(max_examples=60, deadline=None, database=None)
@given(
    weight=st.lists(st.floats(0.5, 12.0), min_size=1, max_size=4),
    extra=st.integers(0, 6),
)
def test_allocation_minimises_the_worst_deviation(weight: list[float], extra: int) -> None:
    w = np.array(weight)
    k = len(w) + extra
    target = w.sum() / k
    assume((w >= 0.5 * target).all())  # every area heavy enough for a grid of its own
    counts = allocate(w, k, target)
    assert counts.sum() == k and (counts >= 1).all()
    assert best_deviation(w, counts, target) == pytest.approx(brute_force(w, k, target))


def test_light_areas_get_no_grid_and_cells_cap_the_count() -> None:
    counts = allocate(np.array([10.0, 0.3, 2.0]), 12, 1.0, cap=np.array([50, 5, 1]))
    assert counts.tolist() == [11, 0, 1]


def _archipelago(
    sizes: list[tuple[int, float]], seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, shapely.MultiPolygon, list[np.ndarray]]:
    """Square pieces in a row, 0.05° apart: (sites, households per site) per piece."""
    rng = np.random.default_rng(seed)
    lon, lat, hh, boxes, members = [], [], [], [], []
    x0, n0 = LON0, 0
    for n, total in sizes:
        side = 0.02 * np.sqrt(n / 100)
        xy = rng.random((n, 2)) * side * 0.96 + side * 0.02
        lon.append(x0 + xy[:, 0])
        lat.append(LAT0 + xy[:, 1])
        hh.append(np.full(n, total / n))
        boxes.append(shapely.box(x0, LAT0, x0 + side, LAT0 + side))
        members.append(np.arange(n0, n0 + n))
        x0 += side + 0.05
        n0 += n
    return (
        np.concatenate(lon),
        np.concatenate(lat),
        np.concatenate(hh),
        shapely.MultiPolygon(boxes),
        members,
    )


def test_island_of_four_grids_worth_gets_four_grids_end_to_end() -> None:
    # Mainland 35.83 grids' worth, island 4.17: the old greedy count gave the island five.
    lon, lat, hh, outline, (main, island) = _archipelago([(900, 3583.0), (120, 417.0)])
    p = problem(lon, lat, 40, {"households": hh}, outline=outline)
    r = partition(p)
    assert len(np.unique(r.assignment[island])) == 4
    assert not set(r.assignment[island]) & set(r.assignment[main])
    assert r.disconnected == []
    island_grids = np.unique(r.assignment[island])
    assert r.deviation["households"][island_grids].mean() == pytest.approx(0.0425, abs=1e-9)
    assert not [i for i in r.issues if i.code == "area_cannot_balance"]


def test_pieces_of_several_sizes_report_the_best_reachable_deviation() -> None:
    # Pieces of 15.2, 2.46, 1.08 and 0.3 grids' worth at K=19: the 2.46 piece is +23% off
    # with two grids and −18% with three, which no other share improves; the 0.3 piece
    # joins a neighbour.
    lon, lat, hh, outline, members = _archipelago(
        [(800, 1540.0), (150, 250.0), (60, 110.0), (20, 30.0)], seed=3
    )
    p = problem(lon, lat, 19, {"households": hh}, outline=outline)
    r = partition(p)
    grids_per_piece = [len(np.unique(r.assignment[m])) for m in members[:3]]
    assert grids_per_piece == [15, 3, 1]
    best = 1 - 250.0 / (3 * 1930.0 / 19)
    cannot = [i for i in r.issues if i.code == "area_cannot_balance"]
    # The 2.46 piece and the 1.08 piece (+8%) are outside ±5%; both say what is reachable.
    assert len(cannot) == 2 and all(i.value == pytest.approx(best) for i in cannot)
    assert f"±{best:.1%}" in cannot[0].message
    assert [i.code for i in r.issues].count("disconnected_input") == 1
