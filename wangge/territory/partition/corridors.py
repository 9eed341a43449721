"""Corridors: at the balance-first end, grids far off a secondary attribute reach, along a path
one cell wide, into an area of the opposite kind.

Where the secondary's ratio to the primary differs by area (customer penetration 0.55 in the
core, 0.39 in the towns, 0.31 in the countryside), a grid of town cells is short of customers
whatever its shape, and neither single moves nor swaps help: the cells on its border have its
own ratio. A lobe of core cells does, joined to the grid by a corridor. So, after the search,
each grid still beyond `GOAL` gets one, planned explicitly (most off first):

1. the corridor is the shortest path of cells (centroid distance) from the grid's border to a
   cell whose neighbourhood is of the opposite kind (ratio ≥ 8% above the mean for a short
   grid, below it for a grid over), in a grid of that kind. A step u → v is allowed only if v,
   once u has left, may leave its own grid without splitting it, so a path tunnels into grids
   and runs along the borders between them but never cuts across one, nor crosses another
   corridor (held cells are not passed). Inner path cells do not touch the grid, which would
   close around what lies between. Each cell is moved in turn; one that turns out not to be a
   simple point is banned and the path routed again (the rare grid it leaves in two small
   sides is mended: the smaller side goes to a neighbour);
2. the lobe grows from the corridor's end into grids of the opposite kind, nearest cells first,
   until the grid would reach `GOAL` once it has shed the primary weight it took at its own
   ratio; a corridor whose lobe gains less than half of that is undone;
3. corridors and lobes are held (pinned) while the search brings the primary attribute back
   into its aim around them (single moves and chains), then released for single moves and
   swaps.

`refine` keeps the result only if the primary attribute is still in its aim (or no worse) and
the worst secondary deviation fell; otherwise the plan is as before. Everything spends the
search's operation budget, so the plan is the same on any machine.

Measured on the bench instance (10k sites, K=100, compactness 0): customers ±19.26% → about
±17.8%, mean Polsby-Popper 0.20 → about 0.14, the longest grid about 43 km (docs/grid-
division.md). The ±15% target stays out of reach: many routes find no way into the core that
does not cut a grid, and grids made of core cells only sit at +15% at households −2%.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from . import chains, swap
from .budget import Budget
from .search import State

GOAL = 0.13  # grids beyond this secondary deviation get a corridor, and are aimed at it
KIND = 0.05  # a lobe's grid: its ratio at least this far (log) from the mean, the right way
CELL_KIND = float(np.log(1.08))  # a corridor's end: its neighbourhood's ratio this far off
MAX_LOBE = 0.5  # a lobe holds at most this share of a grid's primary target
SLACK = 0.1  # a lobe may pass cells this much (relative) worse than the grid's own ratio
MAX_PIECE = 0.1  # the most of a grid's primary target a cut-off side may carry to a neighbour
REROUTES = 8  # paths tried per grid
# Routing (a Dijkstra over the adjacency per path tried) stops after this many adjacency
# entries in all: about 100 paths at 10k sites, 10 at 100k, so large plans stay in time.
ROUTE_ENTRIES = 6_000_000
CHAIN_PASSES = 5


def refine(st: State, budget: Budget) -> int:
    """Corridors for the worst secondary attribute, the primary repaired around them. Returns
    the corridors kept (0 when the plan is left as it was)."""
    s = st.s
    if s.w.shape[1] < 2 or budget.over():
        return 0
    dev = st.tot / s.target - 1.0
    a = 1 + int(np.argmax(np.abs(dev[:, 1:]).max(axis=0)))
    before = _figures(st, a)
    saved = (st.label.copy(), st.tot.copy(), st.size.copy(), st.area.copy(), st.perim.copy())
    held, planted = plant(st, budget, a)
    if not planted:
        return 0
    pinned = st.pinned
    st.pinned = pinned | held
    try:
        # Held: single moves and chains bring the primary back around the corridors (swaps
        # would mostly be undone by what follows).
        st.improve(budget)
        for _ in range(CHAIN_PASSES):
            if budget.over() or not chains.push(st, budget):
                break
            st.improve(budget)
    finally:
        st.pinned = pinned
    # Released: the corridors' ends may shift too, and swaps even out what the moves left.
    st.improve(budget)
    if swap.refine(st, budget):
        st.improve(budget)
    primary, secondary = _figures(st, a)
    aim = float(st.wt.aim[0])
    if secondary < before[1] - 1e-9 and primary <= max(before[0], aim) + 1e-9:
        return planted
    st.label, st.tot, st.size, st.area, st.perim = saved
    return 0


def _figures(st: State, a: int) -> tuple[float, float]:
    """The worst primary deviation of open grids and the worst deviation on attribute a."""
    dev = np.abs(st.tot / st.s.target - 1.0)[st.s.open_grid]
    return float(dev[:, 0].max()), float(dev[:, a].max())


def plant(st: State, budget: Budget, a: int = 1) -> tuple[np.ndarray, int]:
    """Corridors and lobes for the grids beyond `GOAL` on attribute a; the cells they hold and
    how many grids got one."""
    s = st.s
    c = s.cells
    held = np.zeros(c.n, dtype=bool)
    dev = st.tot[:, a] / s.target[a] - 1.0
    off = np.flatnonzero((np.abs(dev) > GOAL) & s.open_grid)
    off = off[np.argsort(-np.abs(dev[off]), kind="stable")]
    step = np.hypot(s.cx[st.row] - s.cx[c.indices], s.cy[st.row] - s.cy[c.indices]) + 1.0
    # A cell's kind is that of its neighbourhood (two rings): a single rich cell among poor
    # ones (site noise) is no place for a lobe. Log ratios, so rich and poor are symmetric.
    mat = s.matrix()
    near = mat @ (mat @ s.w + s.w) + s.w
    mean_ratio = float(s.w[:, a].sum() / max(s.w[:, 0].sum(), 1e-12))
    cell_lr = np.log(np.maximum(near[:, a], 1e-12) / (mean_ratio * np.maximum(near[:, 0], 1e-12)))
    key = st.row * c.n + c.indices
    by_key = np.argsort(key, kind="stable")
    rev = by_key[np.searchsorted(key[by_key], c.indices * c.n + st.row)]  # entry (v,u) of (u,v)
    prv = np.empty_like(c.nxt)
    prv[c.nxt] = np.arange(len(c.nxt))
    runs = _runs(st, prv)  # again after each corridor kept (a failed one is undone)
    budget.spend(4 * len(st.row))
    planted = 0
    routed = 0
    for g in off.tolist():
        if budget.over() or routed * len(st.row) >= ROUTE_ENTRIES:
            break
        dev = st.tot[:, a] / s.target[a] - 1.0
        if abs(dev[g]) <= GOAL:
            continue
        sign = 1.0 if dev[g] < 0 else -1.0  # +1: g wants richer cells, -1: poorer ones
        ratio = float(st.tot[g, a] / max(st.tot[g, 0], 1e-12))
        # A lobe's grids by their ratio, not their total: a grid a lobe took cells from is
        # refilled by the search from its neighbours, which are of its kind.
        grid_lr = np.log(
            np.maximum(st.tot[:, a], 1e-12) / np.maximum(st.tot[:, 0], 1e-12) / mean_ratio
        )
        kind_grid = sign * grid_lr > KIND
        kind_cell = sign * cell_lr > CELL_KIND
        need = (-sign * dev[g] - GOAL) * s.target[a]
        banned = np.zeros(c.n, dtype=bool)
        for _ in range(REROUTES):
            if routed * len(st.row) >= ROUTE_ENTRIES:
                break
            routed += 1
            budget.spend(len(st.row))  # a Dijkstra over the adjacency
            path = _route(st, g, held | banned, kind_grid, step, kind_cell, rev, runs)
            if path is None:
                break
            done: list[tuple[int, int]] = []  # (cell, grid it left), to undo an attempt
            tip, stuck = _walk(st, g, path, held, done)
            gain = 0.0
            if stuck < 0:
                gain = _lobe(st, g, tip, held, kind_grid, sign, ratio, need, done, a)
            budget.spend(50 * len(done))
            if stuck < 0 and gain >= 0.5 * need:
                planted += 1
                runs = _runs(st, prv)
                break
            for i, h in reversed(done):
                st.move(i, h)
                held[i] = False
            banned[stuck if stuck >= 0 else tip] = True
    return held, planted


def _runs(st: State, prv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell v, its runs of neighbours in its own grid and how many it has; per entry e of
    v's row, whether v may still leave its grid whole once e's neighbour has left it (one more
    run if that neighbour sat inside a run, one fewer if it was a run of its own)."""
    c = st.s.cells
    row, col, label = st.row, c.indices, st.label
    own = label[row] == label[col]
    own_prev = own[prv] & c.link[prv]
    own_next = own[c.nxt] & c.link
    runs = np.bincount(row[own & ~own_prev], minlength=c.n)
    count = np.bincount(row[own], minlength=c.n)
    after = runs[row] + np.where(own, own_prev.astype(int) + own_next.astype(int) - 1, 0)
    after = np.where(own & ~own_prev & ~own_next, runs[row] - 1, after)
    return runs, count, (after <= 1) & (count[row] - own > 0)


def _route(
    st: State,
    g: int,
    held: np.ndarray,
    kind_grid: np.ndarray,
    step: np.ndarray,
    kind_cell: np.ndarray,
    rev: np.ndarray,
    runs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[tuple[int, int]] | None:
    """The shortest path of cells from g's border to a cell of the kind g wants, as (cell, grid
    it leaves) in order, or None. A step u -> v is allowed only if v may leave its grid whole
    once u has (`_runs`)."""
    s = st.s
    c = s.cells
    n = c.n
    row, col = st.row, c.indices
    label = st.label
    own_runs, count, fine = runs
    movable = ~st.pinned & ~held & s.open_grid[label] & (label != g) & (st.size[label] > 1)
    touches_g = np.bincount(row[label[col] == g], minlength=n) > 0
    src = np.flatnonzero(movable & touches_g & (own_runs <= 1) & (count > 0))
    ends = movable & kind_grid[label] & kind_cell
    if not len(src) or not ends.any():
        return None
    ok = movable & ~touches_g
    ok[src] = True
    keep = ok[row] & ok[col] & ~(touches_g[row] & touches_g[col]) & fine[rev]
    m = csr_matrix((step[keep], (row[keep], col[keep])), (n, n))
    dist, pred, _ = dijkstra(m, directed=True, indices=src, min_only=True, return_predecessors=True)
    cand = np.flatnonzero(ends & np.isfinite(dist))
    if not len(cand):
        return None
    end = int(cand[np.argmin(dist[cand])])
    path = [end]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return [(i, int(label[i])) for i in path]


def _walk(
    st: State, g: int, path: list[tuple[int, int]], held: np.ndarray, done: list[tuple[int, int]]
) -> tuple[int, int]:
    """Move the path's cells into g in order; the last cell moved (-1 if none) and the cell
    where it stopped (-1 if it reached the end)."""
    last = -1
    for i, h in path:
        if st.label[i] != h or held[i] or not _joins_once(st, i, g):
            return last, i
        simple = st.simple(i, g)
        st.move(i, g)
        done.append((i, h))
        if not simple and not _mend(st, h, g, held, done):
            done.pop()
            st.move(i, h)
            return last, i
        held[i] = True
        last = i
    return last, -1


def _joins_once(st: State, i: int, g: int) -> bool:
    """Does g touch cell i in one run of neighbours (so joining it closes no ring)?"""
    c = st.s.cells
    lo, hi = int(c.indptr[i]), int(c.indptr[i + 1])
    lab = st.label[c.indices[lo:hi]]
    link = c.link[lo:hi]
    starts = ~((np.roll(lab, 1) == lab) & np.roll(link, 1))
    into = lab == g
    return bool(into.any()) and int((starts & into).sum()) <= 1


def _mend(st: State, x: int, g: int, held: np.ndarray, done: list[tuple[int, int]]) -> bool:
    """Make grid x one piece again after a corridor cell left it: every side but the heaviest
    goes to the other grid it shares most boundary with. False (nothing changed) if a side is
    pinned, held or heavier than `MAX_PIECE` of a grid."""
    s = st.s
    c = s.cells
    seen: dict[int, int] = {}
    pieces: list[list[int]] = []
    for start in np.flatnonzero(st.label == x).tolist():
        if start in seen:
            continue
        piece = [start]
        seen[start] = len(pieces)
        for u in piece:
            for v in c.indices[c.indptr[u] : c.indptr[u + 1]].tolist():
                if v not in seen and st.label[v] == x:
                    seen[v] = len(pieces)
                    piece.append(v)
        pieces.append(piece)
    if len(pieces) <= 1:
        return True
    weight = [float(s.w[p, 0].sum()) for p in pieces]
    keep = int(np.argmax(weight))
    plan: list[tuple[list[int], int]] = []
    for n, piece in enumerate(pieces):
        if n == keep:
            continue
        arr = np.array(piece)
        if st.pinned[arr].any() or held[arr].any() or weight[n] > MAX_PIECE * s.target[0]:
            return False
        entries = np.concatenate([np.arange(c.indptr[u], c.indptr[u + 1]) for u in arr.tolist()])
        nb = st.label[c.indices[entries]]
        out = (nb != x) & s.open_grid[nb]
        if not out.any():
            return False
        border = np.bincount(nb[out], weights=c.length[entries][out], minlength=st.k)
        if (border > 0).sum() > 1:
            border[g] = 0.0
        plan.append((piece, int(np.argmax(border))))
    for piece, to in plan:
        for j in piece:
            done.append((j, x))
            st.move(j, to)
    return True


def _lobe(
    st: State,
    g: int,
    tip: int,
    held: np.ndarray,
    kind_grid: np.ndarray,
    sign: float,
    ratio: float,
    need: float,
    done: list[tuple[int, int]],
    a: int,
) -> float:
    """Grow g from `tip` into grids of the kind it wants until it gains `need` on attribute a,
    net of shedding the same primary weight at g's own ratio; returns the gain."""
    s = st.s
    c = s.cells
    cap = MAX_LOBE * float(s.target[0])
    gain, taken = 0.0, 0.0
    x0, y0 = s.cx[tip], s.cy[tip]
    frontier = {int(j) for j in c.indices[c.indptr[tip] : c.indptr[tip + 1]]}
    tried: set[int] = set()
    while gain < need and taken < cap:
        cand = sorted(
            (
                j
                for j in frontier
                if j not in tried
                and st.label[j] != g
                and not st.pinned[j]
                and not held[j]
                and kind_grid[st.label[j]]
            ),
            key=lambda j: (float(np.hypot(s.cx[j] - x0, s.cy[j] - y0)), j),
        )
        moved = False
        for j in cand:
            tried.add(j)
            worth = sign * s.w[j, a] - sign * ratio * s.w[j, 0]
            if worth <= -SLACK * ratio * s.w[j, 0] or not st.simple(j, g):
                continue
            gain += float(worth)
            taken += float(s.w[j, 0])
            done.append((j, int(st.label[j])))
            st.move(j, g)
            held[j] = True
            frontier |= {int(x) for x in c.indices[c.indptr[j] : c.indptr[j + 1]]}
            moved = True
            break
        if not moved:
            break
    return gain
