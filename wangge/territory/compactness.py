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
    if grid is None or grid.is_empty or grid.area == 0:
        return EMPTY
    lat0 = grid.centroid.y
    g = _metres(grid, lat0)
    hull = g.convex_hull
    border = 0.0
    if outline is not None:
        area = _metres(outline, lat0)
        hull = shapely.intersection(hull, area)
        # Union with the grid: a grid drawn a hair outside the outline still fills its hull.
        hull = shapely.union(hull, g)
        border = float(shapely.intersection(g.boundary, area.boundary.buffer(1.0)).length)
    return GridCompactness(
        polsby_popper=_pp(g),
        hull_fill=min(1.0, g.area / hull.area) if hull.area else 0.0,
        pp_ceiling=_pp(hull),
        outline_share=min(1.0, border / g.length) if g.length else 0.0,
    )


def measure_all(grids: list[Any], outline: BaseGeometry | None) -> list[GridCompactness]:
    """`measure` for each grid (None or empty grids give zeros), the outline prepared once."""
    if outline is not None:
        shapely.prepare(outline)
    return [measure(g, outline) for g in grids]
