"""Swaps: two boundary cells exchanged between neighbouring grids, for the other attributes.

When single moves are stuck, nearly every grid sits at the edge of its primary aim (±2%), so
no cell can leave a grid without pushing it out, and what is left of the secondary deviation
comes mostly from the last bisection cuts: a region of 2-7 grids balanced on customers as a
whole, split unevenly between them. Exchanging a cell of g on the border with h for a cell of
h on the border with g, of about the same primary weight and a different secondary, shifts the
secondary between the two with the primary held.

Every round scores all swaps between every pair of neighbouring grids at once per pair (the
two moves' shape and churn parts are taken as independent, exact unless the two cells touch),
then applies the best ones such that no grid takes part in two. Each applied swap is checked
exactly: both moves are made, each a simple point when it is made (so no grid splits or
closes into a ring), and the swap is kept only if the whole objective falls and neither grid's
primary leaves its aim (or, if already outside, moves further out).
"""

from __future__ import annotations

import itertools

import numpy as np

from .budget import Budget
from .search import Moves, State, penalty

ROUNDS = 400
TRIES = 3  # best swaps per pair of grids checked exactly, in order, until one holds
CANDIDATES = 48  # cells per side of a border weighed (the best single moves)


Proposal = tuple[float, list[tuple[int, int]]]  # best delta, swaps (cell of g, cell of h)


def refine(st: State, budget: Budget | None = None) -> int:
    """Swap rounds until none helps; returns the swaps made.

    A pair's proposals depend only on its two grids (their totals, shapes and border cells),
    so only the pairs of grids changed in the last round are scored again.
    """
    made = 0
    cache: dict[tuple[int, int], Proposal] = {}
    touched = np.ones(st.k, dtype=bool)
    budget = budget or Budget(np.inf)
    for _ in range(ROUNDS):
        if budget.over():
            break
        m = st.moves()
        if m is None:
            break
        cache = {gh: p for gh, p in cache.items() if not (touched[gh[0]] or touched[gh[1]])}
        cache.update(_proposals(st, m, touched))
        # The move scan, and each pair of grids scored again (CANDIDATES² swaps).
        budget.spend(len(st.row) + int(touched.sum()) * 6 * CANDIDATES * CANDIDATES)
        busy = np.zeros(st.k, dtype=bool)
        done = 0
        for (g, h), (_, options) in sorted(cache.items(), key=lambda t: t[1][0]):
            if busy[g] or busy[h]:
                continue
            for i, j in options:
                if _apply(st, g, h, i, j):
                    busy[g] = busy[h] = True
                    done += 1
                    break
            else:
                busy[g] = busy[h] = True  # scored again next round, with the state it left
        if not done:
            break
        made += done
        touched = busy
    st.stats.swaps += made
    return made


def _proposals(st: State, m: Moves, touched: np.ndarray) -> dict[tuple[int, int], Proposal]:
    """For each pair of neighbouring grids of which one is `touched`, its best few improving
    swaps, if any."""
    s, wt, k = st.s, st.wt, st.k
    if not len(m.i):
        return {}
    key = m.g * k + m.h
    order = np.argsort(key, kind="stable")
    key = key[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    span = {int(key[a]): (int(a), int(b)) for a, b in itertools.pairwise(bounds)}
    other = (m.delta - m.d_bal)[order]
    cells, w = m.i[order], s.w[m.i[order]]
    aim = float(wt.aim[0])
    out: dict[tuple[int, int], Proposal] = {}
    for kk, (a0, a1) in span.items():
        g, h = divmod(kk, k)
        if g > h or h * k + g not in span or not (touched[g] or touched[h]):
            continue
        b0, b1 = span[h * k + g]
        fi = _best(a0, a1, other)
        fj = _best(b0, b1, other)
        dw = w[fi][:, None, :] - w[fj][None, :, :]  # what g gives h, net
        tg, th = st.tot[g] - dw, st.tot[h] + dw
        delta = penalty(s, wt, tg) + penalty(s, wt, th)
        delta -= float(penalty(s, wt, st.tot[g]) + penalty(s, wt, st.tot[h]))
        delta += other[fi][:, None] + other[fj][None, :]
        t0 = s.target[0]
        hold_g = max(aim, abs(st.tot[g, 0] / t0 - 1.0))
        hold_h = max(aim, abs(st.tot[h, 0] / t0 - 1.0))
        ok = (np.abs(tg[..., 0] / t0 - 1.0) <= hold_g) & (np.abs(th[..., 0] / t0 - 1.0) <= hold_h)
        delta = np.where(ok, delta, np.inf)
        flat = np.argsort(delta, axis=None, kind="stable")[:TRIES]
        flat = flat[delta.flat[flat] < -1e-9]
        if not len(flat):
            continue
        r, c = np.unravel_index(flat, delta.shape)
        pairs = [(int(cells[fi[x]]), int(cells[fj[y]])) for x, y in zip(r, c, strict=True)]
        out[(g, h)] = (float(delta.flat[flat[0]]), pairs)
    return out


def _best(lo: int, hi: int, other: np.ndarray) -> np.ndarray:
    """Positions lo..hi-1, the CANDIDATES with the cheapest shape and churn if many."""
    idx = np.arange(lo, hi)
    if len(idx) > CANDIDATES:
        idx = idx[np.argsort(other[idx], kind="stable")[:CANDIDATES]]
    return idx


def _apply(st: State, g: int, h: int, i: int, j: int) -> bool:
    """Exchange cell i (of g) and cell j (of h) if both moves are allowed and it pays."""
    if st.label[i] != g or st.label[j] != h or not st.simple(i, h):
        return False
    pair = np.array([g, h])
    before = float(st.cost(pair).sum())
    churn = st.churn(i, g, h)
    st.move(i, h)
    if not st.simple(j, g):
        st.move(i, g)
        return False
    churn += st.churn(j, h, g)
    st.move(j, g)
    t0 = st.s.target[0]
    aim = float(st.wt.aim[0])
    after = float(st.cost(pair).sum()) + churn
    dev_after = np.abs(st.tot[pair, 0] / t0 - 1.0)
    shift = st.s.w[i, 0] - st.s.w[j, 0]  # what g gave h
    dev_before = np.abs((st.tot[pair, 0] + np.array([shift, -shift])) / t0 - 1.0)
    if after < before - 1e-9 and (dev_after <= np.maximum(dev_before, aim) + 1e-12).all():
        return True
    st.move(j, h)
    st.move(i, g)
    return False
