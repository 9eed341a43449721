"""Each site's cell: the part of the service area closer to it than to any other site."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def site_cells(lon: np.ndarray, lat: np.ndarray, area: Any | None) -> np.ndarray:
    """Voronoi cells clipped to `area` (or to the sites' buffered hull), one per site.

    Sites at the same point share one cell: the first gets it, the others an empty polygon,
    so a dissolve per grid never double-counts area.
    """
    points = shapely.points(np.column_stack([lon, lat]))
    if area is None:
        area = shapely.buffer(shapely.convex_hull(shapely.multipoints(points)), 0.005)
    unique, first = np.unique(np.column_stack([lon, lat]), axis=0, return_index=True)
    regions = shapely.voronoi_polygons(
        shapely.multipoints(unique), extend_to=shapely.envelope(area).buffer(0.1)
    )
    cells = np.array(shapely.get_parts(regions))
    # voronoi_polygons does not keep input order: match cells back to their generator points.
    tree = shapely.STRtree(cells)
    pt_idx, cell_idx = tree.query(shapely.points(unique), predicate="intersects")
    by_point = np.empty(len(unique), dtype=object)
    by_point[pt_idx] = cells[cell_idx]
    clipped = shapely.intersection(by_point, area)
    out = np.array([shapely.Polygon()] * len(lon), dtype=object)
    out[first] = clipped
    return out
