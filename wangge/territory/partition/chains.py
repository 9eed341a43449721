"""Ejection chains: move weight along a path of grids when single moves are stuck.

A grid above its aim whose neighbours are all at their own aim cannot shed a site without
pushing a neighbour out, so no single move improves the objective. Here the excess travels
along the shortest path of grids to one with room: each grid on the way passes one boundary
site to the next, chosen to keep it near its old total. The chain is kept only if the whole
objective (balance, shape, churn) improves; otherwise it is undone. Grids below their aim pull
weight the same way. This runs in Python, but only for the few grids the vectorised search
leaves outside the aim.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .budget import Budget
from .search import State

PATHS = 6  # end grids tried per stuck grid
MAX_HOPS = 12
CANDIDATES = 12  # cells weighed per hop


def push(st: State, budget: Budget | None = None) -> int:
    """One pass over the grids outside the primary aim; returns chains applied."""
    s = st.s
    applied = 0
    dev = st.tot[:, 0] / s.target[0] - 1.0
    stuck = np.flatnonzero((np.abs(dev) > st.wt.aim[0]) & s.open_grid)
    stuck = stuck[np.argsort(-np.abs(dev[stuck]))]
    budget = budget or Budget(np.inf)
    for g in stuck.tolist():
        if budget.over():
            break
        # Finding the grid neighbours scans the adjacency; each path tried weighs a few cells.
        budget.spend(len(st.row) + PATHS * MAX_HOPS * CANDIDATES * 50)
        d = st.tot[g, 0] / s.target[0] - 1.0
        if abs(d) <= st.wt.aim[0]:
            continue
        nbrs = _grid_neighbours(st)
        for path in _paths(st, nbrs, g, over=d > 0):
            if _try(st, path, over=d > 0):
                applied += 1
                break
    st.stats.chains += applied
    return applied


def _grid_neighbours(st: State) -> list[set[int]]:
    c = st.s.cells
    gr, gc = st.label[st.row], st.label[c.indices]
    cut = gr != gc
    out: list[set[int]] = [set() for _ in range(st.k)]
    pairs = np.unique(gr[cut] * st.k + gc[cut])
    for a, b in zip((pairs // st.k).tolist(), (pairs % st.k).tolist(), strict=True):
        out[a].add(b)
    return out


def _paths(st: State, nbrs: list[set[int]], g: int, over: bool) -> list[list[int]]:
    """Shortest grid paths from g to the nearest grids with room (below / above the mean)."""
    s = st.s
    dev = st.tot[:, 0] / s.target[0] - 1.0
    parent = {g: -1}
    queue = deque([g])
    ends: list[int] = []
    while queue and len(ends) < PATHS:
        a = queue.popleft()
        for b in sorted(nbrs[a]):
            if b in parent or not s.open_grid[b]:
                continue
            parent[b] = a
            room = dev[b] < 0 if over else dev[b] > 0
            if room:
                ends.append(b)
            queue.append(b)
    out = []
    for e in ends:
        path = [e]
        while parent[path[-1]] >= 0:
            path.append(parent[path[-1]])
        if len(path) - 1 <= MAX_HOPS:
            out.append(path[::-1])
    return out


def _try(st: State, path: list[int], over: bool) -> bool:
    """Run the chain along path (from the stuck grid outward); keep it if it pays."""
    s = st.s
    touched = np.array(path)
    before = float(st.cost(touched).sum())
    churn = 0.0
    done: list[tuple[int, int]] = []  # (cell, grid it came from)
    target = s.target[0]
    # Weight the stuck grid should gain (-) or shed (+) to sit well inside its aim.
    d0 = st.tot[path[0], 0] / target - 1.0
    want = (d0 - np.sign(d0) * 0.5 * st.wt.aim[0]) * target
    carried = abs(want)
    for j in range(len(path) - 1):
        a, b = path[j], path[j + 1]
        src, dst = (a, b) if over else (b, a)
        i = _pick(st, src, dst, carried)
        if i < 0:
            break
        churn += st.churn(i, src, dst)
        st.move(i, dst)
        done.append((i, src))
        carried = float(s.w[i, 0])
    else:
        after = float(st.cost(touched).sum()) + churn
        if after < before - 1e-9:
            return True
    for i, src in reversed(done):
        st.move(i, src)
    return False


def _pick(st: State, src: int, dst: int, amount: float) -> int:
    """The movable boundary cell of src next to dst, among the few whose weight is nearest
    `amount`, that costs least to move (all attributes, shape and churn counted)."""
    s = st.s
    c = s.cells
    row, col = st.row, c.indices
    on_edge = (st.label[row] == src) & (st.label[col] == dst)
    cand = np.unique(row[on_edge])
    cand = cand[~st.pinned[cand]]
    if not len(cand):
        return -1
    order = np.argsort(np.abs(s.w[cand, 0] - amount), kind="stable")
    pair = np.array([src, dst])
    best, best_cost = -1, np.inf
    for i in cand[order][:CANDIDATES].tolist():
        if not st.simple(i, dst):
            continue
        before = float(st.cost(pair).sum())
        st.move(i, dst)
        cost = float(st.cost(pair).sum()) - before + st.churn(i, src, dst)
        st.move(i, src)
        if cost < best_cost:
            best, best_cost = int(i), cost
    return best
