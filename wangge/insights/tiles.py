"""The figures map's optional tile layer, and the coordinates it needs.

We store WGS-84. Chinese tile providers draw in GCJ-02, so on their tiles every point the map
sends is moved to GCJ-02 here, at the edge, on its way to the page; nothing stored changes.
Off (no `WANGGE_MAP_TILES`), the map draws the outlines alone and works offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from django.conf import settings

from wangge.core.coords import wgs84_to_gcj02


def layer() -> dict[str, str] | None:
    """What the page's script needs to draw the tile layer, or None when there is none."""
    url = settings.WANGGE_MAP_TILES
    if not url:
        return None
    return {
        "url": url,
        "subdomains": settings.WANGGE_MAP_TILES_SUBDOMAINS,
        "attribution": settings.WANGGE_MAP_TILES_ATTRIBUTION,
        "crs": settings.WANGGE_MAP_TILES_CRS,
    }


def _positions(coords: Any) -> Iterator[list[float]]:
    """Every [lon, lat] position of a GeoJSON coordinates array, in order."""
    if coords and isinstance(coords[0], int | float):
        yield coords
    else:
        for part in coords:
            yield from _positions(part)


def _shift(lon: list[float], lat: list[float]) -> tuple[list[float], list[float]]:
    x, y = wgs84_to_gcj02(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x.tolist(), y.tolist()


def to_gcj02(data: dict[str, Any]) -> dict[str, Any]:
    """The map's data (outline, grids, sites, layers) with every placed point moved to GCJ-02,
    in place: one vectorised transform for all of them."""
    geometries = [data.get("outline")] + [f["geometry"] for f in data["grids"]["features"]]
    positions = [
        p for g in geometries if g and "coordinates" in g for p in _positions(g["coordinates"])
    ]
    placed = [s for s in data.get("sites") or [] if s["lon"] is not None and s["lat"] is not None]
    layers = (data.get("layers") or {}).values()
    points = [p for rows in layers for p in rows if p[0] is not None and p[1] is not None]
    lon = [p[0] for p in positions] + [s["lon"] for s in placed] + [p[1] for p in points]
    lat = [p[1] for p in positions] + [s["lat"] for s in placed] + [p[0] for p in points]
    if not lon:
        return data
    x, y = _shift(lon, lat)
    i = 0
    for p in positions:
        p[0], p[1] = x[i], y[i]
        i += 1
    for s in placed:
        s["lon"], s["lat"] = x[i], y[i]
        i += 1
    for q in points:
        q[1], q[0] = x[i], y[i]
        i += 1
    return data
