"""Small instances for the partition tests."""

from __future__ import annotations

import numpy as np
import shapely

from wangge.territory.partition import Problem

LON0, LAT0 = 113.0, 28.0
# Roughly 11 km x 11 km.
SPAN = 0.1


def points(n: int, seed: int, clustered: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if clustered:
        centres = rng.random((3, 2)) * SPAN
        which = rng.integers(0, 3, n)
        xy = centres[which] + rng.normal(0, SPAN / 12, (n, 2))
        xy = np.clip(xy, 0.001, SPAN - 0.001)
    else:
        xy = rng.random((n, 2)) * SPAN
    # Round to ~1 m so no two random sites coincide by accident of rounding, then drop repeats.
    xy = np.unique(np.round(xy, 5), axis=0)
    xy = xy[rng.permutation(len(xy))]
    return LON0 + xy[:, 0], LAT0 + xy[:, 1]


def square() -> shapely.Polygon:
    return shapely.box(LON0 - 0.002, LAT0 - 0.002, LON0 + SPAN + 0.002, LAT0 + SPAN + 0.002)


def problem(
    lon: np.ndarray,
    lat: np.ndarray,
    k: int,
    weights: dict[str, np.ndarray] | None = None,
    **kw: object,
) -> Problem:
    n = len(lon)
    if weights is None:
        weights = {"households": np.ones(n)}
    return Problem(
        ids=[f"s{i}" for i in range(n)],
        lon=lon,
        lat=lat,
        weights=weights,
        k=k,
        **kw,  # type: ignore[arg-type]
    )
