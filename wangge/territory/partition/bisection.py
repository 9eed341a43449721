"""Recursive bisection: the first plan when there is no previous one.

Each step cuts a connected set of cells holding k grids into two connected parts holding
floor(k/2) and ceil(k/2) grids. The primary attribute is always split exactly in proportion
(to one site); the cut's direction is chosen among many by how evenly the other attributes
split versus how compact the parts come out, which is where the `compactness` setting acts
first. Cuts are straight lines or pairs of rays from the hub (the weighted median site), so
that grids can each take a sector of a dense centre when the other attributes need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .geodesic import balance as _balance
from .geodesic import make_whole as _make_whole
from .geodesic import split
from .model import Setup

ANGLES = 16  # directions sampled per cut family
REFINE = 8  # bisection steps towards a direction that also splits a secondary exactly
TRIES = 4  # best directions re-judged after making both parts connected
SAMPLE = 3000  # cells a large set is scored on
# Sets of at most GEODESIC grids are also offered a geodesic cut (`geodesic.split`), at
# settings that put balance first: it lets the last cuts split the other attributes too.
GEODESIC = 7
GEODESIC_BELOW = 0.25


def bisect(s: Setup, m: csr_matrix, idx: np.ndarray, k: int) -> np.ndarray:
    """Leaf number (0..k-1) per cell of the connected cell set `idx`.

    Each step cuts a set holding k grids into parts for floor(k/2) and ceil(k/2) grids, so the
    primary attribute splits exactly in proportion, choosing among cut directions by how evenly
    the other attributes split versus how compact the parts are (see `_cuts`). A cut can leave
    a part in several pieces; the stray pieces go to the other side, and the best few
    directions are judged again after that repair.
    """
    leaf = np.zeros(len(idx), dtype=np.int64)
    stack: list[tuple[np.ndarray, int, int]] = [(np.arange(len(idx)), k, 0)]
    sub_all = m[idx][:, idx].tocsr()
    while stack:
        loc, kk, base = stack.pop()
        if kk == 1 or len(loc) <= 1:
            leaf[loc] = base
            continue
        if len(loc) < kk:
            leaf[loc] = base + np.arange(len(loc))
            continue
        cells = idx[loc]
        sub = sub_all[loc][:, loc].tocoo()
        edges = (sub.row, sub.col)
        best: tuple[float, np.ndarray, int] | None = None
        for _, polar, th, k1 in _cuts(s, cells, kk):
            first = _side(s, cells, edges, polar, th, k1 / kk)
            if first.all() or not first.any():
                continue
            k1 = _grids_for(first, kk, s.w[cells, 0], k1)
            score = _score(s, cells, first, k1, kk)
            if best is None or score < best[0]:
                best = (score, first, k1)
        if kk <= GEODESIC and s.w.shape[1] > 1 and s.compactness < GEODESIC_BELOW:
            first_g, k1_g = split(s, sub.tocsr(), cells, kk)
            if first_g.any() and not first_g.all():
                score_g = _score(s, cells, first_g, k1_g, kk)
                if best is None or score_g < best[0]:
                    best = (score_g, first_g, k1_g)
        if best is None:
            first = np.zeros(len(loc), dtype=bool)
            first[: max(1, len(loc) // 2)] = True
            best = (0.0, first, kk // 2)
        _, first, k1 = best
        stack.append((loc[first], k1, base))
        stack.append((loc[~first], kk - k1, base + k1))
    return leaf


def _grids_for(first: np.ndarray, kk: int, w: np.ndarray, hint: int) -> int:
    """How many of the kk grids the first part should hold, given what it ended up with: the
    count that keeps both parts' load per grid nearest the mean, and never more grids than
    cells on either side."""
    n1 = int(first.sum())
    n2 = len(first) - n1
    lo, hi = max(1, kk - n2), min(kk - 1, n1)
    total = w.sum()
    if total <= 0 or lo > hi:
        return int(np.clip(hint, max(1, lo), max(1, hi)))
    mean = total / kk
    w1 = w[first].sum()
    k1 = np.arange(lo, hi + 1)
    load = np.maximum(np.abs(w1 / (k1 * mean) - 1), np.abs((total - w1) / ((kk - k1) * mean) - 1))
    return int(k1[int(np.argmin(load))])


def _score(s: Setup, cells: np.ndarray, first: np.ndarray, k1: int, kk: int) -> float:
    w = s.w[cells]
    tot = np.where(w.sum(axis=0) > 0, w.sum(axis=0), 1.0)
    bal = float(_balance(s, w[first].sum(axis=0) / tot, k1 / kk))
    x, y, a = s.cx[cells], s.cy[cells], s.cells.area[cells]
    mom = np.column_stack([a, a * x, a * y, a * x * x, a * y * y])
    shape = _spread(mom[first].sum(axis=0)) + _spread(mom[~first].sum(axis=0))
    lock = s.lock[cells]
    nl1 = len(np.unique(lock[first & (lock >= 0)]))
    nl2 = len(np.unique(lock[~first & (lock >= 0)]))
    over = max(nl1 - k1, 0) + max(nl2 - (kk - k1), 0)
    return float(_mix(s.compactness, bal, shape)) + 1e6 * over


def _cuts(s: Setup, cells: np.ndarray, kk: int) -> list[tuple[float, bool, float, int]]:
    """Candidate cuts (score, polar, direction, grids on the first side), best first.

    Every cut splits the primary attribute exactly in proportion; what varies is the order in
    which cells are taken: along a straight direction (a line cut), or by bearing around the
    hub, the weighted median of all sites (two rays from the hub: sectors, which is how grids
    can each get a share of a dense centre). Directions are sampled around the circle, and
    where the first secondary attribute's split changes sign between two samples the direction
    that splits it exactly too is found by bisection (a ham-sandwich cut, which always exists
    for halves). Large sets are scored on a fixed random sample of their cells.
    """
    if len(cells) > SAMPLE:
        rng = np.random.default_rng(len(cells) * 7919 + int(s.offset * 1e6))
        cells = cells[np.sort(rng.choice(len(cells), SAMPLE, replace=False))]
    w = s.w[cells]
    tot = w.sum(axis=0)
    tot_safe = np.where(tot > 0, tot, 1.0)
    a = s.cells.area[cells]
    x, y = s.cx[cells], s.cy[cells]
    mom_cols = np.column_stack([a, a * x, a * y, a * x * x, a * y * y])
    mom_all = mom_cols.sum(axis=0)
    bearing = np.arctan2(y - s.hub[1], x - s.hub[0])
    lock = s.lock[cells]
    pinned = bool((lock >= 0).any())

    def at(polar: bool, th: np.ndarray, k_first: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and signed first-secondary error of the cuts in directions th (M,)."""
        if polar:
            key = np.mod(bearing[None, :] - th[:, None], 2 * np.pi)
        else:
            key = x[None, :] * np.cos(th)[:, None] + y[None, :] * np.sin(th)[:, None]
        if pinned:
            key = np.vstack([_contract_locks(kr, lock) for kr in key])
        order = np.argsort(key, axis=1, kind="stable")
        cw = np.cumsum(w[order], axis=1)  # (M, n, A)
        f = k_first / kk
        if pinned:
            c = np.array(
                [_cut_index(cw[r, :, 0], f * tot[0], lock[order[r]]) for r in range(len(th))]
            )
        else:
            c = _cut_rows(cw[:, :, 0], f * tot[0])
        rows = np.arange(len(th))
        sa = cw[rows, c - 1] / tot_safe
        bal = _balance(s, sa, f)
        m1 = np.cumsum(mom_cols[order], axis=1)[rows, c - 1]
        shape = _spread_rows(m1) + _spread_rows(mom_all - m1)
        signed = sa[:, 1] / f - 1 if w.shape[1] > 1 else np.zeros(len(th))
        return _mix(s.compactness, bal, shape), signed

    out: list[tuple[float, bool, float, int]] = []
    thetas = 2 * np.pi * (np.arange(ANGLES) + s.offset) / ANGLES
    for polar in (False, True):
        for k_first in sorted({kk // 2, kk - kk // 2}):
            sc, g = at(polar, thetas, k_first)
            out.extend(
                zip(sc.tolist(), [polar] * ANGLES, thetas.tolist(), [k_first] * ANGLES, strict=True)
            )
            if w.shape[1] < 2 or tot[1] <= 0:
                continue
            nxt = np.roll(np.arange(ANGLES), -1)
            br = np.flatnonzero(g * g[nxt] < 0)
            if not len(br):
                continue
            lo = thetas[br].copy()
            hi = thetas[nxt[br]] + np.where(nxt[br] == 0, 2 * np.pi, 0.0)
            g_lo = g[br].copy()
            for _ in range(REFINE):
                mid = 0.5 * (lo + hi)
                sc_m, g_m = at(polar, mid, k_first)
                out.extend(
                    zip(
                        sc_m.tolist(),
                        [polar] * len(mid),
                        mid.tolist(),
                        [k_first] * len(mid),
                        strict=True,
                    )
                )
                same = g_m * g_lo > 0
                lo = np.where(same, mid, lo)
                g_lo = np.where(same, g_m, g_lo)
                hi = np.where(same, hi, mid)
    out.sort(key=lambda t: t[0])
    # The best few that differ: refined directions crowd around the same cut.
    picked: list[tuple[float, bool, float, int]] = []
    for cand in out:
        if all(
            cand[1] != p[1]
            or cand[3] != p[3]
            or abs(np.angle(np.exp(1j * (cand[2] - p[2])))) > 0.05
            for p in picked
        ):
            picked.append(cand)
        if len(picked) == TRIES:
            break
    return picked


def _key(s: Setup, cells: np.ndarray, polar: bool, th: float) -> np.ndarray:
    x, y = s.cx[cells], s.cy[cells]
    if polar:
        key = np.mod(np.arctan2(y - s.hub[1], x - s.hub[0]) - th, 2 * np.pi)
    else:
        key = x * np.cos(th) + y * np.sin(th)
    lock = s.lock[cells]
    return _contract_locks(key, lock) if (lock >= 0).any() else key


def _side(
    s: Setup,
    cells: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    polar: bool,
    th: float,
    f: float,
) -> np.ndarray:
    """The first side of a cut: a connected set taking cells in key order, holding share f.

    When the plain prefix in key order is in pieces (a cut across a ragged or bent part),
    the side becomes the largest piece of a longer prefix, the shortest whose largest piece
    reaches the share; the second side's stray pieces then join the first.
    """
    order = np.argsort(_key(s, cells, polar, th), kind="stable")
    w = s.w[cells, 0]
    cw = np.cumsum(w[order])
    lock = s.lock[cells[order]]
    c = _cut_index(cw, f * cw[-1], lock)
    side = np.zeros(len(cells), dtype=bool)
    side[order[:c]] = True
    main, whole = _main_piece(edges, side, w)
    if not whole and not (lock >= 0).any():
        rank = np.empty(len(cells), dtype=np.int64)
        rank[order] = np.arange(len(cells))
        want = f * cw[-1]
        lo, hi = c, len(cells) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            m, _ = _main_piece(edges, rank < mid, w)
            if w[m].sum() >= want:
                hi = mid
            else:
                lo = mid + 1
        main, _ = _main_piece(edges, rank < lo, w)
        # The nearer of the piece at lo and the one just before it.
        prev, _ = _main_piece(edges, rank < lo - 1, w)
        if abs(w[prev].sum() - want) < abs(w[main].sum() - want) and prev.any():
            main = prev
        side = main
    return _make_whole(edges, side, w)


def _main_piece(
    edges: tuple[np.ndarray, np.ndarray], side: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, bool]:
    """The heaviest connected piece of `side`, and whether it is all of it."""
    r, c = edges
    n = len(side)
    same = side[r] & side[c]
    g = csr_matrix((np.ones(int(same.sum()), np.int8), (r[same], c[same])), (n, n))
    _, comp = connected_components(g, directed=False)
    if not side.any():
        return side, True
    weight = np.bincount(comp[side], weights=w[side] + 1e-9, minlength=comp.max() + 1)
    main = side & (comp == int(np.argmax(weight)))
    return main, bool(main.sum() == side.sum())


def _mix(compactness: float, balance: Any, shape: Any) -> Any:
    # Shape is the excess normalised moment of inertia (0 for a disc, 0.3 for a 2:1 rectangle).
    # Squared in `compactness` so the low end of the scale still allows sector-shaped grids.
    return (1.0 - compactness) * balance + 20.0 * compactness * compactness * shape


def _spread_rows(m: np.ndarray) -> np.ndarray:
    """Normalised polar moment of inertia minus one (0 for a disc, ~0.3 for a 2:1 rectangle)."""
    area, sx, sy, sxx, syy = (m[..., i] for i in range(5))
    safe = np.where(area > 0, area, 1.0)
    inertia = sxx - sx * sx / safe + syy - sy * sy / safe
    return np.where(area > 0, np.maximum(2 * np.pi * inertia / (safe * safe) - 1.0, 0.0), 0.0)


def _spread(m: np.ndarray) -> float:
    return float(_spread_rows(m))


def _cut_rows(cum: np.ndarray, want: float) -> np.ndarray:
    """`_cut_index` for each row of (M, n) prefix sums, without pinned cells."""
    n = cum.shape[1]
    c = (cum < want).sum(axis=1)  # first prefix reaching the target
    rows = np.arange(cum.shape[0])
    below = np.abs(cum[rows, np.maximum(c - 1, 0)] - want)
    above = np.abs(cum[rows, np.minimum(c, n - 1)] - want)
    c = np.where((c > 0) & (c < n) & (below <= above), c, c + 1)
    return np.clip(c, 1, n - 1)


def _cut_index(cum: np.ndarray, want: float, lock: np.ndarray) -> int:
    n = len(cum)
    c = int(np.searchsorted(cum, want))
    # Of the two prefixes around the target, the nearer.
    if not (0 < c < n and abs(cum[c - 1] - want) <= abs(cum[c] - want)):
        c += 1
    c = int(np.clip(c, 1, n - 1))
    # Never split a group of cells pinned to one grid.
    while 1 < c < n - 1 and lock[c - 1] >= 0 and lock[c - 1] == lock[c]:
        c += 1
    return c


def _contract_locks(proj: np.ndarray, lock: np.ndarray) -> np.ndarray:
    """Cells pinned to one grid share one position, so every cut keeps them together."""
    out = proj.copy()
    pinned = lock >= 0
    _, inv = np.unique(lock[pinned], return_inverse=True)
    mean = np.bincount(inv, weights=proj[pinned]) / np.bincount(inv)
    out[pinned] = mean[inv]
    return out
