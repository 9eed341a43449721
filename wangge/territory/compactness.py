"""How compact a grid is, measured fairly against the area it must live in. Pure.

Polsby-Popper (4πA/P², 1 for a circle) punishes every metre of perimeter the same, so a
grid drawn on a real county outline is blamed for what it cannot change: the outline's
own wiggles (a river-traced border digitised at a few metres adds kilometres of
perimeter), and the outline's narrow lobes (a grid filling a thin valley cannot be round).

The fair measure used beside it, *hull fill*, asks only what the grid could change: of the
land inside the grid's convex hull that lies in the service area (the hull clipped to the
outline), how much does the grid hold? 1 = the grid is as convex as the outline lets it be
(a wiggly border costs nothing, since the clipped hull follows the same border); a grid
that snakes around its neighbours or reaches out with tendrils leaves much of its hull to
others and scores low. Its companion *PP ceiling* is the Polsby-Popper of the clipped hull
itself: what PP a grid there could reach at best, so PP / ceiling shows how much of the
gap is the grid's doing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8


def _metres(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    k = math.pi / 180 * EARTH_RADIUS_M
    scale = np.array([k * math.cos(math.radians(lat0)), k])
    return shapely.transform(geom, lambda c: c * scale)


def _pp(g: BaseGeometry) -> float:
    return 0.0 if g.is_empty or g.length == 0 else float(4 * math.pi * g.area / g.length**2)


@dataclass(frozen=True)
class GridCompactness:
    polsby_popper: float  # 4πA/P², in metres
    hull_fill: float  # area / area of (convex hull ∩ outline); the fair measure
    pp_ceiling: float  # Polsby-Popper of (convex hull ∩ outline): the best PP reachable there
    outline_share: float  # share of the grid's perimeter that is the outline's border

    @property
    def pp_relative(self) -> float:
        """Polsby-Popper as a share of what the outline allows at this place."""
        return min(1.0, self.polsby_popper / self.pp_ceiling) if self.pp_ceiling else 0.0


EMPTY = GridCompactness(0.0, 0.0, 0.0, 0.0)


def measure(grid: BaseGeometry | None, outline: BaseGeometry | None) -> GridCompactness:
    """The measures of one grid (WGS-84 lon/lat); without an outline the hull is not clipped."""
    return measure_all([grid], outline)[0]


def measure_all(grids: list[Any], outline: BaseGeometry | None) -> list[GridCompactness]:
    """`measure` for each grid (None or empty grids give zeros). The outline is projected,
    prepared and its border widened once: a county outline has thousands of vertices."""
    drawn = [g for g in grids if g is not None and not g.is_empty and g.area > 0]
    if not drawn:
        return [EMPTY] * len(grids)
    # One projection for all: across a county (< 1° of latitude) the scale varies < 1%.
    lat0 = (outline if outline is not None else shapely.union_all(drawn)).centroid.y
    area = border = None
    if outline is not None:
        area = _metres(outline, lat0)
        border = area.boundary.buffer(1.0)
        shapely.prepare(area)
        shapely.prepare(border)
    out = []
    for grid in grids:
        if grid is None or grid.is_empty or grid.area == 0:
            out.append(EMPTY)
            continue
        g = _metres(grid, lat0)
        hull = g.convex_hull
        on_border = 0.0
        if area is not None and border is not None:
            try:
                # Hull ∪ grid: a grid drawn a hair outside the outline still fills its hull.
                if not area.contains(hull):
                    hull = shapely.union(shapely.intersection(hull, area), g)
                if border.intersects(g):
                    on_border = float(shapely.intersection(g.boundary, border).length)
            except shapely.errors.GEOSException:
                # A figure for a table must never stop a plan's edit: measure unclipped.
                hull, on_border = g.convex_hull, 0.0
        out.append(
            GridCompactness(
                polsby_popper=_pp(g),
                hull_fill=min(1.0, g.area / hull.area) if hull.area else 0.0,
                pp_ceiling=_pp(hull),
                outline_share=min(1.0, on_border / g.length) if g.length else 0.0,
            )
        )
    return out
