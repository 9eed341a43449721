"""A sensible walking order for a day's visits (pure: no Django).

An open path from the first stop. Up to `EXACT_UP_TO` stops (a normal day) the order is
the shortest one (Held-Karp, a few milliseconds); a longer list is ordered by nearest
neighbour, then improved by 2-opt and by moving single stops until nothing shortens it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from wangge.core.checkin import distance_m

Point = tuple[float, float]  # (lat, lon)
EXACT_UP_TO = 10


def walk_length(points: Sequence[Point], order: Sequence[int]) -> float:
    return sum(distance_m(*points[a], *points[b]) for a, b in itertools.pairwise(order))


def walking_order(points: Sequence[Point], start: int = 0) -> list[int]:
    """Indices of `points` in visiting order, beginning at `start`."""
    n = len(points)
    if n <= 2:
        return [start, *[i for i in range(n) if i != start]] if n else []
    d = [[distance_m(*p, *q) for q in points] for p in points]
    if n <= EXACT_UP_TO:
        return _exact(d, start)
    return _improved(d, _nearest_neighbour(d, start))


def _exact(d: list[list[float]], start: int) -> list[int]:
    """Held-Karp over subsets of the other stops: best[(set, last)] = (length, previous)."""
    others = [i for i in range(len(d)) if i != start]
    best: dict[tuple[int, int], tuple[float, int]] = {
        (1 << j, j): (d[start][others[j]], -1) for j in range(len(others))
    }
    full = (1 << len(others)) - 1
    for mask in range(1, full + 1):
        for j in range(len(others)):
            if (mask, j) not in best:
                continue
            length = best[(mask, j)][0]
            for k in range(len(others)):
                if mask & (1 << k):
                    continue
                key = (mask | (1 << k), k)
                candidate = length + d[others[j]][others[k]]
                if key not in best or candidate < best[key][0]:
                    best[key] = (candidate, j)
    last = min(range(len(others)), key=lambda j: (best[(full, j)][0], j))
    order, mask = [], full
    while last != -1:
        order.append(others[last])
        mask, last = mask & ~(1 << last), best[(mask, last)][1]
    return [start, *reversed(order)]


def _nearest_neighbour(d: list[list[float]], start: int) -> list[int]:
    order, left = [start], set(range(len(d))) - {start}
    while left:
        here = order[-1]
        nearest = min(left, key=lambda j: (d[here][j], j))
        order.append(nearest)
        left.remove(nearest)
    return order


def _improved(d: list[list[float]], order: list[int]) -> list[int]:
    def length(o: list[int]) -> float:
        return sum(d[a][b] for a, b in itertools.pairwise(o))

    n, improved = len(order), True
    while improved:
        improved = False
        for i in range(1, n - 1):  # 2-opt: reverse order[i..k]
            for k in range(i + 1, n):
                a, b, c = order[i - 1], order[i], order[k]
                after = order[k + 1] if k + 1 < n else None
                old = d[a][b] + (d[c][after] if after is not None else 0.0)
                new = d[a][c] + (d[b][after] if after is not None else 0.0)
                if new < old - 1e-9:
                    order[i : k + 1] = reversed(order[i : k + 1])
                    improved = True
        current = length(order)
        for i in range(1, n):  # or-opt: move one stop elsewhere
            stop = order[i]
            rest = order[:i] + order[i + 1 :]
            for j in range(1, n):
                candidate = [*rest[:j], stop, *rest[j:]]
                if length(candidate) < current - 1e-9:
                    order, current, improved = candidate, length(candidate), True
                    break
    return order
