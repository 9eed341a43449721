"""Grid geometry checks, pure (shapely + numpy, no Django): reading GeoJSON, repairing or
refusing rings, finding overlaps and gaps, and placing sites in grids.

Areas are reported in square metres using a local equirectangular projection: at county
scale (< 100 km) its error is well under 1 %, and it needs no projection library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8
#: Overlaps and gaps smaller than this are rounding noise between shared edges, not findings.
MIN_REPORTED_AREA_M2 = 100.0
#: A repaired ring may lose at most this share of its area; more means the input is wrong.
MAX_REPAIR_AREA_CHANGE = 0.01


class GeometryError(ValueError):
    """Input geometry we refuse. `code` and `params` let the UI say it in the user's language;
    `str()` is the English message for logs and the command line."""

    def __init__(self, code: str, message: str, /, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.params = params


@dataclass
class GridShape:
    code: str
    name: str
    geometry: BaseGeometry
    repaired: bool = False
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    kind: str  # "overlap" | "gap"
    area_m2: float
    lon: float
    lat: float
    codes: tuple[str, ...] = ()
    geometry: BaseGeometry | None = None


def _scale(lat0: float) -> tuple[float, float]:
    k = math.pi / 180 * EARTH_RADIUS_M
    return k * math.cos(math.radians(lat0)), k


def area_m2(geom: BaseGeometry, lat0: float | None = None) -> float:
    if geom.is_empty:
        return 0.0
    if lat0 is None:
        lat0 = geom.centroid.y
    sx, sy = _scale(lat0)
    return float(shapely.area(shapely.transform(geom, lambda c: c * np.array([sx, sy]))))


def polsby_popper(geom: BaseGeometry) -> float:
    """4πA/P² in metres: 1 for a circle, near 0 for a snake."""
    if geom.is_empty:
        return 0.0
    sx, sy = _scale(geom.centroid.y)
    g = shapely.transform(geom, lambda c: c * np.array([sx, sy]))
    perimeter = float(g.length)
    return 0.0 if perimeter == 0 else float(4 * math.pi * g.area / perimeter**2)


def _repair(geom: BaseGeometry, label: str, n: int, code: str) -> tuple[BaseGeometry, bool]:
    if geom.is_valid:
        return geom, False
    reason = explain_validity(geom)
    fixed = shapely.make_valid(geom)
    polys = [
        g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    fixed = shapely.union_all(polys) if polys else shapely.Polygon()
    # The ring's own (shoelace) area is what its author drew; a bow-tie's is zero.
    before = float(shapely.area(geom))
    changed = abs(fixed.area - before) / before if before > 0 else 1.0
    if fixed.is_empty or changed > MAX_REPAIR_AREA_CHANGE:
        raise GeometryError(
            "unrepairable",
            "{label}: invalid polygon ({reason}) that cannot be repaired safely.",
            label=label,
            n=n,
            code=code,
            reason=reason,
        )
    return fixed, True


def read_grid_features(data: bytes | str | dict[str, Any]) -> list[GridShape]:
    """A FeatureCollection of grids: each feature a (Multi)Polygon with a `code` property.

    Invalid rings are repaired when the repair keeps the area (a duplicated vertex, a
    bow-tie sliver); otherwise the whole file is refused, naming the feature and reason.
    """
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise GeometryError("not_json", "Not a JSON file: {error}", error=str(exc)) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeometryError("not_collection", "Expected a GeoJSON FeatureCollection of grids.")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise GeometryError("no_features", "The FeatureCollection has no features.")
    shapes: list[GridShape] = []
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            feature = {}
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        code = str(props.get("code") or props.get("编码") or "").strip()
        label = f"Feature {n}" + (f" ({code})" if code else "")
        if not code:
            raise GeometryError(
                "no_code", "{label}: no 'code' property.", label=label, n=n, code=code
            )
        if code in seen:
            raise GeometryError(
                "duplicate_code", "{label}: code {code} appears twice.", label=label, n=n, code=code
            )
        seen.add(code)
        geometry = feature.get("geometry") or {}
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            raise GeometryError(
                "not_polygon",
                "{label}: geometry must be a Polygon or MultiPolygon.",
                label=label,
                n=n,
                code=code,
            )
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise GeometryError(
                "bad_coordinates",
                "{label}: coordinates cannot be read ({error}).",
                label=label,
                n=n,
                code=code,
                error=str(exc),
            ) from exc
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise GeometryError(
                "not_wgs84",
                "{label}: coordinates are not WGS-84 longitude/latitude.",
                label=label,
                n=n,
                code=code,
            )
        geom, repaired = _repair(geom, label, n, code)
        name = str(props.get("name") or props.get("名称") or code)
        shapes.append(
            GridShape(code=code, name=name, geometry=geom, repaired=repaired, properties=props)
        )
    return shapes


def find_overlaps(shapes: list[GridShape]) -> list[Finding]:
    geoms = [s.geometry for s in shapes]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    findings = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        inter = shapely.intersection(geoms[i], geoms[j])
        a = area_m2(inter)
        if a >= MIN_REPORTED_AREA_M2:
            p = inter.representative_point()
            findings.append(
                Finding("overlap", a, p.x, p.y, (shapes[i].code, shapes[j].code), inter)
            )
    return findings


def find_gaps(shapes: list[GridShape], service_area: BaseGeometry) -> list[Finding]:
    """Parts of the service area no grid covers, largest first."""
    covered = shapely.union_all([s.geometry for s in shapes])
    rest = shapely.difference(service_area, covered)
    parts = getattr(rest, "geoms", [rest])
    findings = []
    for part in parts:
        a = area_m2(part)
        if a >= MIN_REPORTED_AREA_M2:
            p = part.representative_point()
            findings.append(Finding("gap", a, p.x, p.y, (), part))
    return sorted(findings, key=lambda f: -f.area_m2)


OUTSIDE = -1
AMBIGUOUS = -2


def locate(geoms: list[BaseGeometry], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index of the grid holding each point: OUTSIDE if none, AMBIGUOUS if several.

    Points on a shared edge count as inside both neighbours by `covers`, so an edge point
    goes to the lower index, deterministically, rather than being reported as a conflict.
    """
    out = np.full(len(lon), OUTSIDE, dtype=np.int64)
    if not len(lon) or not geoms:
        return out
    points = shapely.points(np.column_stack([lon, lat]))
    tree = shapely.STRtree(geoms)
    pt_idx, geom_idx = tree.query(points, predicate="intersects")
    interior_pt, interior_geom = tree.query(points, predicate="within")
    interior_count = np.bincount(interior_pt, minlength=len(lon))
    order = np.lexsort((geom_idx, pt_idx))
    pt_idx, geom_idx = pt_idx[order], geom_idx[order]
    first = np.unique(pt_idx, return_index=True)
    out[first[0]] = geom_idx[first[1]]
    out[interior_count > 1] = AMBIGUOUS
    out[interior_pt[interior_count[interior_pt] == 1]] = interior_geom[
        interior_count[interior_pt] == 1
    ]
    return out


def to_feature(geom: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geom)}


def rounded(geom: BaseGeometry, digits: int = 6) -> dict[str, Any]:
    """GeoJSON with coordinates to ~0.1 m, snapped so shared edges stay shared."""
    g = shapely.set_precision(geom, 10.0**-digits)
    return json.loads(json.dumps(mapping(g)))
