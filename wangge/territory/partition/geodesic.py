"""Two-way cuts along geodesic bisectors, which can split two attributes at once.

A straight cut through a region has one free parameter once it must split the primary
attribute exactly (its direction), so it splits a second attribute only by luck, and across a
bent region it leaves pieces. Here a region is cut by a geodesic bisector: for two seed cells
a and b, the cells whose distance along the adjacency to a, minus that to b, is below a
threshold, chosen so the primary attribute splits exactly. Both sides are connected (the
shortest path from a to a cell of its side stays on that side, and likewise for b), and the
pair of seeds gives four degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from .model import Setup

SEEDS = 24  # seed cells per split (every pair of them is tried)
TRIES = 4  # best pairs judged again (and made whole, should a tie have left a piece)


def split(s: Setup, sub: csr_matrix, cells: np.ndarray, kk: int) -> tuple[np.ndarray, int]:
    """The best two-way split of the connected cell set `cells` (adjacency `sub`) holding kk
    grids by a geodesic bisector: the first part, and how many grids it holds. Judged like
    the bisection's cuts, on balance only (the caller weighs shape)."""
    n = len(cells)
    coo = sub.tocoo()
    dx = s.cx[cells[coo.row]] - s.cx[cells[coo.col]]
    dy = s.cy[cells[coo.row]] - s.cy[cells[coo.col]]
    graph = csr_matrix((np.hypot(dx, dy) + 1e-6, (coo.row, coo.col)), (n, n))
    rng = np.random.default_rng(n * 7919 + kk)
    seeds = np.sort(rng.choice(n, min(n, SEEDS), replace=False))
    dist = dijkstra(graph, indices=seeds)  # (seeds, n)
    a, b = np.triu_indices(len(seeds), 1)
    key = dist[a] - dist[b]
    # Cells whose shortest path from a runs through b all tie (and so do those behind a): a
    # cut inside such a plateau would leave pieces, so cuts fall only between distinct keys.
    key = np.round(key, 3)
    order = np.argsort(key, axis=1, kind="stable")
    ks = np.take_along_axis(key, order, axis=1)
    between = np.ones(key.shape, dtype=bool)  # a cut after position j is allowed
    between[:, :-1] = ks[:, 1:] > ks[:, :-1]
    w = s.w[cells]
    tot = np.where(w.sum(axis=0) > 0, w.sum(axis=0), 1.0)
    cw = np.cumsum(w[order], axis=1) / tot  # (pairs, n, A) share of each prefix
    rows = np.arange(len(a))
    edges = (coo.row, coo.col)
    best: tuple[float, np.ndarray, int] | None = None
    for k1 in sorted({kk // 2, kk - kk // 2}):
        f = k1 / kk
        err = np.where(between, np.abs(cw[:, :, 0] - f), np.inf)
        c = np.clip(np.argmin(err, axis=1) + 1, 1, n - 1)
        score = balance(s, cw[rows, c - 1], f)
        for r in np.argsort(score, kind="stable")[:TRIES].tolist():
            first = np.zeros(n, dtype=bool)
            first[order[r, : c[r]]] = True
            first = make_whole(edges, first, w[:, 0])
            if first.all() or not first.any():
                continue
            sc = float(balance(s, w[first].sum(axis=0) / tot, f))
            if best is None or sc < best[0]:
                best = (sc, first, k1)
    if best is None:
        first = np.zeros(n, dtype=bool)
        first[: n // 2] = True
        return first, kk // 2
    return best[1], best[2]


def balance(s: Setup, share: np.ndarray, f: float) -> np.ndarray:
    """Imbalance score of cuts giving the first side `share` (..., A) where it should get f."""
    dev = np.maximum(np.abs(share / f - 1), np.abs((1 - share) / (1 - f) - 1))
    return np.sum(s.importance * (dev / s.tol) ** 2, axis=-1)


def make_whole(
    edges: tuple[np.ndarray, np.ndarray], first: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Move the stray pieces of each side to the other side, so both sides are connected.

    After the first side's strays move over, every stray piece of the second side touches the
    first side's main piece, so two passes suffice.
    """
    first = first.copy()
    r, c = edges
    n = len(first)
    for side in (True, False):
        same = (first[r] == side) & (first[c] == side)
        g = csr_matrix((np.ones(int(same.sum()), np.int8), (r[same], c[same])), (n, n))
        _, comp = connected_components(g, directed=False)
        members = first == side
        if not members.any():
            continue
        weight = np.bincount(comp[members], weights=w[members] + 1e-9, minlength=comp.max() + 1)
        main = int(np.argmax(weight))
        stray = members & (comp != main)
        first[stray] = not side
    return first
