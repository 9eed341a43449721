"""A sensible walking order for a day's visits (pure: no Django).

Nearest neighbour from the start, then 2-opt until no swap shortens the walk. A day plan has
a handful to a few dozen stops, where this is within a few percent of optimal and instant.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from wangge.sales.checkin import distance_m

Point = tuple[float, float]  # (lat, lon)


def walk_length(points: Sequence[Point], order: Sequence[int]) -> float:
    return sum(distance_m(*points[a], *points[b]) for a, b in itertools.pairwise(order))


def walking_order(points: Sequence[Point], start: int = 0) -> list[int]:
    """Indices of `points` in visiting order, beginning at `start` (an open path)."""
    n = len(points)
    if n <= 2:
        return list(range(n)) if start == 0 else [start, *[i for i in range(n) if i != start]]
    d = [[distance_m(*p, *q) for q in points] for p in points]
    order, left = [start], set(range(n)) - {start}
    while left:
        here = order[-1]
        nearest = min(left, key=lambda j: (d[here][j], j))
        order.append(nearest)
        left.remove(nearest)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for k in range(i + 1, n):
                a, b = order[i - 1], order[i]
                c = order[k]
                after = order[k + 1] if k + 1 < n else None
                old = d[a][b] + (d[c][after] if after is not None else 0.0)
                new = d[a][c] + (d[b][after] if after is not None else 0.0)
                if new < old - 1e-9:
                    order[i : k + 1] = reversed(order[i : k + 1])
                    improved = True
    return order
