"""Cells, adjacency and shared boundaries (`geometry.build_cells`)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.territory.partition import geometry
from wangge.territory.partition.geometry import build_cells

from .helpers import LAT0, LON0, SPAN, points, square

FAST = settings(
    max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 250),
    clustered=st.booleans(),
    outline=st.booleans(),
)
def test_cells_tile_the_area_without_overlap(
    seed: int, n: int, clustered: bool, outline: bool
) -> None:
    lon, lat = points(n, seed, clustered)
    cells = build_cells(lon, lat, square() if outline else None)
    area = shapely.area(cells.region)
    assert cells.n == len(lon)
    assert (cells.area > 0).all()
    # Cells are rounded to 1 mm; along a long edge that leaves slivers of ~1e-6 of the area.
    assert cells.area.sum() == pytest.approx(area, rel=1e-5)
    assert shapely.union_all(cells.polygons).area == pytest.approx(area, rel=1e-5)
    # Each site lies in its own cell.
    inside = shapely.contains_xy(cells.polygons, cells.x, cells.y) | (
        shapely.distance(cells.polygons, shapely.points(cells.x, cells.y)) < 0.01
    )
    assert inside.all()


@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(2, 200))
def test_adjacency_is_symmetric_and_matches_the_polygons(seed: int, n: int) -> None:
    lon, lat = points(n, seed)
    cells = build_cells(lon, lat, square())
    i, j, ln = cells.edges()
    assert (i < j).all() and (ln >= geometry.MIN_SHARED_M).all()
    row = cells.row
    fwd = set(zip(row.tolist(), cells.indices.tolist(), strict=True))
    assert all((b, a) in fwd for a, b in fwd)
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(cells.polygons[i]), shapely.boundary(cells.polygons[j]), grid_size=1e-3
        )
    )
    np.testing.assert_allclose(shared, ln, atol=0.05)
    # Shared boundary never exceeds a cell's perimeter.
    assert (
        np.bincount(row, weights=cells.length, minlength=cells.n) <= cells.perimeter + 0.05
    ).all()


def test_fast_ridges_agree_with_polygon_adjacency(monkeypatch: pytest.MonkeyPatch) -> None:
    lon, lat = points(1500, seed=3, clustered=True)
    fast = build_cells(lon, lat, square())
    monkeypatch.setattr(geometry, "SMALL", 10**9)
    slow = build_cells(lon, lat, square())
    fi, fj, fl = fast.edges()
    si, sj, sl = slow.edges()
    np.testing.assert_array_equal(fi, si)
    np.testing.assert_array_equal(fj, sj)
    np.testing.assert_allclose(fl, sl, atol=0.01)


def test_identical_points_share_one_cell() -> None:
    lon, lat = points(50, seed=1)
    lon = np.r_[lon, lon[3], lon[3], lon[7]]
    lat = np.r_[lat, lat[3], lat[3], lat[7]]
    cells = build_cells(lon, lat)
    assert cells.n == 50
    assert cells.site_cell[50] == cells.site_cell[51] == cells.site_cell[3]
    assert cells.site_cell[52] == cells.site_cell[7]
    groups = sorted(sorted(g.tolist()) for g in cells.duplicates)
    assert groups == [[3, 50, 51], [7, 52]]


def test_site_outside_the_outline_joins_the_nearest_cell() -> None:
    lon, lat = points(60, seed=2)
    lon = np.r_[lon, LON0 + SPAN + 0.05]
    lat = np.r_[lat, LAT0 + SPAN / 2]
    cells = build_cells(lon, lat, square())
    assert cells.outside.tolist() == [60]
    assert cells.n == 60
    near = np.argmin(np.hypot(lon[:60] - lon[60], lat[:60] - lat[60]))
    assert cells.site_cell[60] == cells.site_cell[near]


def test_barrier_removes_adjacency_across_it() -> None:
    g = np.linspace(0.005, SPAN - 0.005, 12)
    lon, lat = (a.ravel() for a in np.meshgrid(LON0 + g, LAT0 + g))
    mid = LAT0 + SPAN / 2 + 0.001
    river = shapely.LineString([(LON0 - 0.01, mid), (LON0 + SPAN + 0.01, mid)])
    plain = build_cells(lon, lat, square())
    cut = build_cells(lon, lat, square(), [river])
    north = lat > mid
    assert (cut.site_cell == np.arange(len(lon))).all()
    i, j, _ = cut.edges()
    assert not (north[i] != north[j]).any()
    i0, j0, _ = plain.edges()
    assert (north[i0] != north[j0]).sum() >= 11
    # No cell reaches across the river.
    assert not any(p.crosses(river) for p in cut.polygons_wgs84())


def test_collinear_sites() -> None:
    lon = LON0 + np.linspace(0, 0.05, 6)
    lat = np.full(6, LAT0)
    cells = build_cells(lon, lat)
    i, j, _ = cells.edges()
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(a, a + 1) for a in range(5)]


def test_projection_round_trip() -> None:
    p = geometry.Projection(113.0, 28.0)
    lon = np.array([112.5, 113.0, 113.7])
    lat = np.array([27.5, 28.0, 28.9])
    back = p.inverse(*p.forward(lon, lat))
    np.testing.assert_allclose(back[0], lon)
    np.testing.assert_allclose(back[1], lat)
    # One degree of latitude is about 111 km.
    assert p.forward(np.array([113.0]), np.array([29.0]))[1][0] == pytest.approx(111_195, rel=1e-3)
