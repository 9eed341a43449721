"""Geodesic cuts: two connected parts splitting the primary exactly and a second attribute too."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from wangge.territory.partition import build_cells
from wangge.territory.partition.geodesic import split
from wangge.territory.partition.graph import components_within
from wangge.territory.partition.model import Setup

from .helpers import points, square


def _setup(n: int, seed: int) -> tuple[Setup, np.ndarray]:
    lon, lat = points(n, seed)
    cells = build_cells(lon, lat, square())
    x = (cells.x - cells.x.min()) / np.ptp(cells.x)
    y = (cells.y - cells.y.min()) / np.ptp(cells.y)
    # One household per cell; customers dense in one corner only, so a part that misses the
    # corner falls far short of its share.
    w = np.column_stack([np.ones(cells.n), np.where((x < 0.35) & (y < 0.35), 0.9, 0.3)])
    k = 1
    setup = Setup(
        cells=cells,
        w=w,
        target=w.sum(axis=0) / k,
        tol=np.array([0.05, 0.10]),
        importance=np.array([1.0, 0.3]),
        lock=np.full(cells.n, -1, dtype=np.int64),
        open_grid=np.ones(k, dtype=bool),
        cx=shapely.get_x(shapely.centroid(cells.polygons)),
        cy=shapely.get_y(shapely.centroid(cells.polygons)),
        compactness=0.0,
    )
    return setup, np.arange(cells.n)


@pytest.mark.parametrize(("kk", "seed"), [(2, 1), (3, 2), (5, 3)])
def test_both_parts_are_whole_and_both_attributes_split_in_proportion(kk: int, seed: int) -> None:
    s, idx = _setup(400, seed)

    first, k1 = split(s, s.matrix(), idx, kk)

    assert k1 in {kk // 2, kk - kk // 2}
    c = s.cells
    comp = components_within(c.indptr, c.indices, first.astype(np.int64))
    assert len(np.unique(comp[first])) == 1
    assert len(np.unique(comp[~first])) == 1
    f = k1 / kk
    share = s.w[first].sum(axis=0) / s.w.sum(axis=0)
    assert abs(share[0] / f - 1) <= 0.01  # to a cell or two of 400
    assert abs(share[1] / f - 1) <= 0.03
