"""Grid geometry: reading GeoJSON, repairing or refusing rings, overlaps, gaps, placement."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.territory import geometry as g


def fc(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def feature(code: str, coords: list, kind: str = "Polygon") -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": code},
        "geometry": {"type": kind, "coordinates": coords},
    }


SQUARE = [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]


def test_a_clean_collection_is_read_with_codes_and_names() -> None:
    shapes = g.read_grid_features(json.dumps(fc(feature("A", SQUARE))))
    assert [(s.code, s.name, s.repaired) for s in shapes] == [("A", "A", False)]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not json", "not_json"),
        (json.dumps({"type": "Feature"}), "not_collection"),
        (json.dumps(fc()), "no_features"),
        (json.dumps(fc({"type": "Feature", "properties": {}, "geometry": None})), "no_code"),
        (json.dumps(fc(feature("A", SQUARE), feature("A", SQUARE))), "duplicate_code"),
        (json.dumps(fc(feature("A", [0, 0], "Point"))), "not_polygon"),
        (json.dumps(fc(feature("A", [[[0, 0], [1]]]))), "bad_coordinates"),
        (json.dumps(fc(feature("A", [[[0, 0], [500, 0], [500, 1], [0, 0]]]))), "not_wgs84"),
        (json.dumps(fc(feature("A", [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]))), "unrepairable"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes | str, code: str) -> None:
    with pytest.raises(g.GeometryError) as exc:
        g.read_grid_features(data)
    assert exc.value.code == code


def test_a_ring_with_a_spike_is_repaired_keeping_its_area() -> None:
    spike = [[[0, 0], [0.01, 0], [0.01, 0.01], [0.01, 0.015], [0.01, 0.01], [0, 0.01], [0, 0]]]
    (shape,) = g.read_grid_features(fc(feature("A", spike)))
    assert shape.repaired and shape.geometry.is_valid
    assert shape.geometry.area == pytest.approx(0.0001)


def test_overlaps_are_reported_with_area_and_place() -> None:
    a = g.GridShape("A", "A", shapely.box(0, 0, 0.02, 0.02))
    b = g.GridShape("B", "B", shapely.box(0.01, 0, 0.03, 0.02))
    (finding,) = g.find_overlaps([a, b])
    assert finding.codes == ("A", "B")
    assert 0.01 < finding.lon < 0.02
    # 0.01° × 0.02° at the equator ≈ 1113 m × 2226 m.
    assert finding.area_m2 == pytest.approx(1113.2 * 2226.4, rel=0.01)


def test_grids_that_only_share_an_edge_do_not_overlap() -> None:
    a = g.GridShape("A", "A", shapely.box(0, 0, 0.01, 0.01))
    b = g.GridShape("B", "B", shapely.box(0.01, 0, 0.02, 0.01))
    assert g.find_overlaps([a, b]) == []


def test_gaps_inside_the_service_area_are_reported_largest_first() -> None:
    area = shapely.box(0, 0, 0.04, 0.01)
    shapes = [
        g.GridShape("A", "A", shapely.box(0, 0, 0.01, 0.01)),
        g.GridShape("B", "B", shapely.box(0.015, 0, 0.03, 0.01)),
    ]
    gaps = g.find_gaps(shapes, area)
    assert len(gaps) == 2
    assert gaps[0].area_m2 > gaps[1].area_m2
    assert gaps[0].lon > 0.03  # the 0.01°-wide strip at the east end


def test_locate_places_points_inside_on_edges_outside_and_in_overlaps() -> None:
    a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    c = shapely.box(1.5, 0, 2.5, 1)  # overlaps b
    lon = np.array([0.5, 1.0, 1.2, 1.7, 5.0])
    lat = np.array([0.5, 0.5, 0.5, 0.5, 5.0])
    out = g.locate([a, b, c], lon, lat)
    assert out.tolist() == [0, 0, 1, g.AMBIGUOUS, g.OUTSIDE]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)), min_size=1, max_size=60),
    st.integers(1, 6),
)
def test_every_point_of_a_tiling_lands_in_exactly_one_grid(
    points: list[tuple[float, float]], strips: int
) -> None:
    edges = np.linspace(0, 1, strips + 1)
    tiles = [shapely.box(edges[i], 0, edges[i + 1], 1) for i in range(strips)]
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    out = g.locate(tiles, lon, lat)
    assert (out >= 0).all()
    for i, (x, y) in enumerate(points):
        assert tiles[out[i]].covers(shapely.Point(x, y))


def test_polsby_popper_is_one_for_a_circle_and_small_for_a_snake() -> None:
    assert g.polsby_popper(shapely.Point(0, 0).buffer(0.01, 256)) == pytest.approx(1, abs=0.01)
    assert g.polsby_popper(shapely.box(0, 0, 0.1, 0.001)) < 0.05
