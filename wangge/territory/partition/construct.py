"""Starting plans: grids per connected area, bisection or warm start, pins, contiguity repair."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .bisection import bisect
from .geometry import nearest_sites
from .graph import components_within, flood_fill, split_grids
from .model import Setup


def allocate(
    weight: np.ndarray, k: int, target: float, cap: np.ndarray | None = None
) -> np.ndarray:
    """Grids per connected area, minimising the worst deviation over all grids.

    Areas lighter than half a grid get none (they join a grid elsewhere and are reported);
    every other area gets at least one and at most `cap` (its cell count). An area holding w
    with c grids has grids about w/(c·target) − 1 off, at best; the counts minimise the largest
    such figure over the areas exactly (the optimum is one of the finitely many per-area
    figures, and whether a bound is reachable is monotone in it, so a binary search finds it),
    then spend what is left on the heaviest grids. A greedy "most loaded area gets the next
    grid" is not enough: it gives an area of 4.17 grids' worth five grids (−17%) to spare the
    rest a fraction of a percent.
    """
    n = len(weight)
    count = np.zeros(n, dtype=np.int64)
    if n == 0 or k <= 0:
        return count
    order = np.argsort(-weight, kind="stable")
    eligible = np.array(
        [int(c) for c in order if weight[c] >= 0.5 * target] or [int(order[0])], dtype=np.int64
    )[:k]
    w = weight[eligible].astype(np.float64)
    most = k - len(eligible) + 1
    top = np.full(len(eligible), most, dtype=np.int64)
    if cap is not None:
        top = np.clip(np.asarray(cap, dtype=np.int64)[eligible], 1, most)
    if top.sum() < k:  # fewer cells than grids: every cell its own grid, the rest stay empty
        count[eligible] = top
        return count
    c = np.arange(1, most + 1, dtype=np.float64)
    dev = np.abs(w[:, None] / (c[None, :] * max(target, 1e-300)) - 1.0)  # (areas, counts)
    dev[c[None, :] > top[:, None]] = np.inf
    candidates = np.unique(dev[np.isfinite(dev)])

    def bounds(d: float) -> tuple[np.ndarray, np.ndarray] | None:
        ok = dev <= d + 1e-12  # an interval per row: |w/(ct) - 1| falls, then rises, in c
        if not ok.any(axis=1).all():
            return None
        lo = ok.argmax(axis=1)
        hi = most - 1 - ok[:, ::-1].argmax(axis=1)
        if (lo + 1).sum() > k or (hi + 1).sum() < k:
            return None
        return lo + 1, hi + 1

    left, right = 0, len(candidates) - 1
    while left < right:
        mid = (left + right) // 2
        if bounds(float(candidates[mid])) is None:
            left = mid + 1
        else:
            right = mid
    found = bounds(float(candidates[left]))
    assert found is not None  # the largest candidate allows every count up to `top`
    lo, hi = found
    alloc = lo.copy()
    for _ in range(k - int(alloc.sum())):
        load = np.where(alloc < hi, w / alloc, -np.inf)
        alloc[int(np.argmax(load))] += 1
    count[eligible] = alloc
    return count


def best_deviation(weight: np.ndarray, counts: np.ndarray, target: float) -> float:
    """The worst deviation that the counts leave at best (areas with grids only)."""
    has = counts > 0
    if not has.any():
        return 0.0
    return float(np.max(np.abs(weight[has] / (counts[has] * target) - 1.0)))


def construct(s: Setup, label: np.ndarray, comp: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Fill the unlabelled (-1) cells: each connected area gets its allotted grids by bisection.

    `label` already holds frozen grids; their labels are not handed out again.
    """
    label = label.copy()
    m = s.matrix()
    used = set(np.unique(label[label >= 0]).tolist())
    free_labels = [g for g in range(s.k) if g not in used and s.open_grid[g]]
    # Areas holding pinned cells get those grids first.
    pinned_in: dict[int, list[int]] = {}
    for g in np.unique(s.lock[s.lock >= 0]).tolist():
        if g in used:
            continue
        where = comp[s.lock == g]
        where = where[where >= 0]
        if len(where):
            pinned_in.setdefault(int(np.bincount(where).argmax()), []).append(int(g))
    pinned_all = {g for gs in pinned_in.values() for g in gs}
    pool = [g for g in free_labels if g not in pinned_all]
    for c in np.flatnonzero(counts > 0):
        idx = np.flatnonzero(comp == c)
        kc = int(counts[c])
        mine = pinned_in.get(int(c), [])[:kc]
        extra = pinned_in.get(int(c), [])[kc:]
        pool.extend(extra)
        labels = mine + [pool.pop(0) for _ in range(kc - len(mine)) if pool]
        if not labels:
            continue
        leaf = bisect(s, m, idx, len(labels))
        label[idx] = _name_leaves(leaf, s.lock[idx], labels)
    # Pins win over shape: a pinned cell that landed elsewhere joins its grid regardless (the
    # grid may then be in pieces, which is reported).
    pinned = s.lock >= 0
    label[pinned] = s.lock[pinned]
    return label


def _name_leaves(leaf: np.ndarray, lock: np.ndarray, labels: list[int]) -> np.ndarray:
    """Map leaf numbers to grid labels, giving pinned grids the leaves holding their cells."""
    n_leaf = int(leaf.max()) + 1
    names = np.full(n_leaf, -1, dtype=np.int64)
    pinned = lock >= 0
    if pinned.any():
        lab_index = {g: i for i, g in enumerate(labels)}
        rows, cols = [], []
        for lf, g in zip(leaf[pinned].tolist(), lock[pinned].tolist(), strict=True):
            if g in lab_index:
                rows.append(lf)
                cols.append(lab_index[g])
        if rows:
            score = np.zeros((n_leaf, len(labels)))
            np.add.at(score, (np.array(rows), np.array(cols)), 1.0)
            r, c = linear_sum_assignment(-score)
            for lf, ci in zip(r.tolist(), c.tolist(), strict=True):
                if score[lf, ci] > 0:
                    names[lf] = labels[ci]
    rest = [g for g in labels if g not in set(names.tolist())]
    for lf in range(n_leaf):
        if names[lf] < 0 and rest:
            names[lf] = rest.pop(0)
    return names[leaf]


def warm(s: Setup, initial: np.ndarray) -> np.ndarray:
    """The previous plan, pins applied and new cells attached to the grid next to them."""
    c = s.cells
    initial = np.where(s.lock >= 0, s.lock, initial)
    # New sites join open grids; only those enclosed by frozen grids join a frozen one.
    label = flood_fill(c.indptr, c.indices, c.length, initial, s.open_grid)
    return flood_fill(c.indptr, c.indices, c.length, label)


def fill_empty(s: Setup, label: np.ndarray) -> np.ndarray:
    """Give every open grid without cells half of the heaviest open grid."""
    label = label.copy()
    m = s.matrix()
    for g in range(s.k):
        if (label == g).any() or not s.open_grid[g]:
            continue
        ok = label >= 0
        tot = np.bincount(label[ok], weights=s.w[ok, 0] + 1e-9, minlength=s.k)
        size = np.bincount(label[ok], minlength=s.k)
        tot[~s.open_grid | (size < 2)] = -1
        donor = int(np.argmax(tot))
        if tot[donor] < 0:
            break
        idx = np.flatnonzero((label == donor) & (s.lock < 0))
        if len(idx) < 2:
            continue
        leaf = bisect(s, m, idx, 2)
        label[idx[leaf == 1]] = g
    return label


def repair(s: Setup, label: np.ndarray) -> np.ndarray:
    """Make every open grid one connected piece (pinned cells stay where they are)."""
    c = s.cells
    label = label.copy()
    for _ in range(4):
        stray = split_grids(c.indptr, c.indices, label, s.w[:, 0] + 1e-9 * c.area)
        stray &= s.lock < 0
        stray &= s.open_grid[np.maximum(label, 0)] | (label < 0)
        lost = label < 0
        if not stray.any() and not lost.any():
            break
        label[stray] = -1
        label = flood_fill(c.indptr, c.indices, c.length, label, s.open_grid)
        orphan = np.flatnonzero(label < 0)
        if len(orphan):
            # Areas with no grid of their own join the nearest grid (reported as disconnected).
            have = np.flatnonzero((label >= 0) & s.open_grid[np.maximum(label, 0)])
            if len(have) == 0:
                have = np.flatnonzero(label >= 0)
            near = nearest_sites(c.x[have], c.y[have], c.x[orphan], c.y[orphan])
            label[orphan] = label[have[near]]
    return label


def connect_pins(s: Setup, label: np.ndarray) -> np.ndarray:
    """Join the pieces of a grid that pinned cells left apart, along the shortest path of cells
    between them (cells pinned elsewhere and frozen grids are not crossed)."""
    c = s.cells
    comp = components_within(c.indptr, c.indices, label)
    pinned = np.flatnonzero(s.lock >= 0)
    if not len(pinned):
        return label
    label = label.copy()
    row = c.row
    dist = np.hypot(c.x[row] - c.x[c.indices], c.y[row] - c.y[c.indices]) + 1e-6
    claimed = np.zeros(c.n, dtype=bool)  # path cells of grids joined earlier
    for g in np.unique(s.lock[pinned]).tolist():
        pieces = np.unique(comp[(label == g) & (s.lock == g)])
        if len(pieces) <= 1:
            continue
        # Cells the path may use: free cells of open grids, and g's own.
        ok = ((s.lock < 0) & ~claimed & s.open_grid[np.maximum(label, 0)]) | (label == g)
        keep = ok[row] & ok[c.indices]
        graph = csr_matrix((dist[keep], (row[keep], c.indices[keep])), (c.n, c.n))
        weight = np.array([s.w[comp == p, 0].sum() for p in pieces])
        main = np.flatnonzero(comp == pieces[int(np.argmax(weight))])
        for p in pieces:
            src = np.flatnonzero(comp == p)
            if np.intersect1d(src, main).size:
                continue
            d, pred, _ = dijkstra(graph, indices=src, min_only=True, return_predecessors=True)
            end = main[int(np.argmin(d[main]))]
            if not np.isfinite(d[end]):
                continue
            v = int(pred[end])
            while v >= 0 and label[v] != g:
                label[v] = g
                claimed[v] = True
                v = int(pred[v])
            main = np.union1d(main, np.flatnonzero(label == g))
    return label
