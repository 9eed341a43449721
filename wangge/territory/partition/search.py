"""Contiguity-preserving boundary-move local search.

Each round scores every possible move of a boundary cell into a neighbouring grid at once
(numpy over the CSR entries), then applies the best improving moves such that no grid takes
part in two of them; with that rule the scored changes are exact, so every round strictly lowers
the objective and the search ends.

A move is allowed only if the cell is a "simple point" for both grids, tested on the cell's
neighbours in angular order: its neighbours in the grid it leaves form one unbroken run (so the
grid stays connected without it) and its neighbours in the grid it joins form one run (so the
grid does not close around another grid: no rings, no holes). The test is local, O(degree),
and sufficient; it may refuse a few harmless moves.

When single moves are stuck (a grid over its aim whose neighbours are all full), `chains`
pushes weight along a path of grids to one with room.

Objective, summed over grids (all of it exactly additive per grid, hence cheap deltas), with
d a grid's relative deviation per attribute:
    balance  Σ_attr importance · [w_in (d/tol)² + w_out (e² + e) + w_hard (h² + h) + w_step·[e>0]]
             e = (|d| - aim)+ / tol, h = (|d| - tol)+ / tol; the primary's aim is ±2% (its
             tolerance at compactness 1), the others' aim is their tolerance;
    shape    gamma · P²/(4πA)   (the reciprocal of Polsby-Popper, from cell perimeters and
             shared boundary lengths, so it is exact for the dissolved polygons);
    churn    mu per cell away from its grid in the previous plan.
`weights_for` maps the user's compactness setting onto these weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .budget import Budget
from .model import Setup

AIM = 0.02  # the primary attribute is pushed to ±2% (or its tolerance, if tighter)


@dataclass
class Weights:
    aim: np.ndarray  # (A,) deviation from which the steep penalty starts
    w_in: float
    w_out: np.ndarray  # (A,) weight beyond the aim
    w_hard: np.ndarray  # (A,) extra weight beyond the tolerance
    w_step: np.ndarray  # (A,) flat cost of being outside the aim at all
    gamma: float
    mu: float = 0.0


def weights_for(compactness: float, tol: np.ndarray, warm: bool) -> Weights:
    c = float(np.clip(compactness, 0.0, 1.0))
    aim = tol.copy()
    # "Compactness first, balance only to tolerance" at c = 1; below c = 0.5 the primary aims
    # at ±2%, which a grid of a hundred sites usually allows.
    tight = min(float(tol[0]), AIM)
    aim[0] = tight + (tol[0] - tight) * max(0.0, (c - 0.5) / 0.5) ** 2
    # The primary tolerance is hard; the others trade against shape as the user asks.
    w_out = np.full(len(tol), 10.0 * (1.0 - c) + 0.5)
    w_out[0] = 40.0
    w_hard = np.zeros(len(tol))
    w_hard[0] = 400.0
    w_step = np.zeros(len(tol))
    w_step[0] = 1.0
    w = Weights(
        aim=aim,
        w_in=2.0 * (1.0 - c) + 0.02,
        w_out=w_out,
        w_hard=w_hard,
        w_step=w_step,
        gamma=0.1 + 4.0 * c,
    )
    if warm:
        # Re-balancing: move only what the tolerances need; shape and in-band balance must not
        # be worth more than leaving a site where the user knows it.
        w.mu = 0.25
    return w


def penalty(s: Setup, wt: Weights, tot: np.ndarray) -> np.ndarray:
    d = np.abs(tot / s.target - 1.0)
    r = d / s.tol
    e = np.maximum(d - wt.aim, 0.0) / s.tol
    h = np.maximum(r - 1.0, 0.0)
    return np.sum(
        s.importance
        * (
            wt.w_in * r * r + wt.w_out * (e * e + e) + wt.w_hard * (h * h + h) + wt.w_step * (e > 0)
        ),
        axis=-1,
    )


def shape(perim: np.ndarray, area: np.ndarray) -> np.ndarray:
    return perim * perim / (4.0 * np.pi * np.maximum(area, 1e-9))


@dataclass
class Moves:
    """The allowed single moves of a plan, one entry per (cell, grid it may join)."""

    i: np.ndarray  # cell
    g: np.ndarray  # the grid it leaves
    h: np.ndarray  # the grid it joins
    delta: np.ndarray  # exact change of the objective if only this move is made
    d_bal: np.ndarray  # the balance part of delta (the rest: shape and churn)
    area_g: np.ndarray  # g's and h's area and perimeter after the move
    area_h: np.ndarray
    perim_g: np.ndarray
    perim_h: np.ndarray


@dataclass
class Stats:
    rounds: int = 0
    moves: int = 0
    chains: int = 0
    swaps: int = 0
    corridors: int = 0


class State:
    """A plan and the per-grid sums (weights, area, perimeter) that make move deltas exact."""

    def __init__(self, s: Setup, label: np.ndarray, wt: Weights, home: np.ndarray | None) -> None:
        c = s.cells
        self.s, self.wt, self.home = s, wt, home
        self.k = s.k
        self.label = label.copy()
        self.row = c.row
        self.prv = np.empty_like(c.nxt)
        self.prv[c.nxt] = np.arange(len(c.nxt))
        self.link_prv = c.link[self.prv]
        self.pinned = s.lock >= 0
        self.tot = np.zeros((self.k, s.w.shape[1]))
        np.add.at(self.tot, label, s.w)
        self.size = np.bincount(label, minlength=self.k)
        self.area = np.bincount(label, weights=c.area, minlength=self.k)
        inner = (label[self.row] == label[c.indices]) & (self.row < c.indices)
        self.perim = np.bincount(label, weights=c.perimeter, minlength=self.k)
        self.perim -= 2 * np.bincount(
            label[self.row[inner]], weights=c.length[inner], minlength=self.k
        )
        self.stats = Stats()

    def cost(self, gs: np.ndarray) -> np.ndarray:
        """Objective of grids gs (balance + shape), excluding churn."""
        return penalty(self.s, self.wt, self.tot[gs]) + self.wt.gamma * shape(
            self.perim[gs], self.area[gs]
        )

    def churn(self, i: int, g: int, h: int) -> float:
        if self.home is None or not self.wt.mu:
            return 0.0
        return self.wt.mu * (float(self.home[i] == g) - float(self.home[i] == h))

    def simple(self, i: int, h: int) -> bool:
        """May cell i leave its grid for h without splitting it or closing h around anything?"""
        c = self.s.cells
        lo, hi = int(c.indptr[i]), int(c.indptr[i + 1])
        lab = self.label[c.indices[lo:hi]]
        link = c.link[lo:hi]
        g = int(self.label[i])
        prev_lab = np.roll(lab, 1)
        prev_link = np.roll(link, 1)
        starts = ~((prev_lab == lab) & prev_link)
        own = lab == g
        if own.any():
            if int((starts & own).sum()) > 1:
                return False
        elif self.size[g] <= 1:
            return False
        into = lab == h
        return bool(into.any()) and int((starts & into).sum()) <= 1

    def move(self, i: int, h: int) -> None:
        c = self.s.cells
        lo, hi = int(c.indptr[i]), int(c.indptr[i + 1])
        lab = self.label[c.indices[lo:hi]]
        ln = c.length[lo:hi]
        g = int(self.label[i])
        self.perim[g] += -c.perimeter[i] + 2 * ln[lab == g].sum()
        self.perim[h] += c.perimeter[i] - 2 * ln[lab == h].sum()
        self.area[g] -= c.area[i]
        self.area[h] += c.area[i]
        self.tot[g] -= self.s.w[i]
        self.tot[h] += self.s.w[i]
        self.size[g] -= 1
        self.size[h] += 1
        self.label[i] = h

    def moves(self) -> Moves | None:
        """Every allowed single move (boundary cell i from its grid g into a neighbouring grid
        h, a simple point for both), with its exact change of the objective, or None."""
        s, wt = self.s, self.wt
        c = s.cells
        n, k = c.n, self.k
        row, col, ln = self.row, c.indices, c.length
        label, tot, area, perim, size = self.label, self.tot, self.area, self.perim, self.size
        gr = label[row]
        gc = label[col]
        same = gr == gc
        start = ~((gc[self.prv] == gc) & self.link_prv)
        own_cnt = np.bincount(row[same], minlength=n)
        own_runs = np.bincount(row[same & start], minlength=n)
        own_ok = np.where(own_cnt > 0, own_runs <= 1, size[label] > 1)
        movable = own_ok & ~self.pinned & s.open_grid[label]
        cand = ~same & movable[row] & s.open_grid[gc]
        if not cand.any():
            return None
        e = np.flatnonzero(cand)
        key = row[e] * k + gc[e]
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        runs_h = np.bincount(inv, weights=start[e])
        ok = runs_h <= 1
        i = row[e[first]][ok]
        h = gc[e[first]][ok]
        l_ih = np.bincount(inv, weights=ln[e])[ok]
        g = label[i]
        l_ig = np.bincount(row[same], weights=ln[same], minlength=n)[i]
        wi = s.w[i]
        tg, th = tot[g], tot[h]
        d_bal = penalty(s, wt, tg - wi) + penalty(s, wt, th + wi)
        d_bal -= penalty(s, wt, tg) + penalty(s, wt, th)
        pg2 = perim[g] - c.perimeter[i] + 2 * l_ig
        ph2 = perim[h] + c.perimeter[i] - 2 * l_ih
        ag2, ah2 = area[g] - c.area[i], area[h] + c.area[i]
        d_shape = shape(pg2, ag2) + shape(ph2, ah2) - shape(perim[g], area[g])
        d_shape -= shape(perim[h], area[h])
        delta = d_bal + wt.gamma * d_shape
        if self.home is not None and wt.mu:
            delta += wt.mu * ((self.home[i] == g).astype(float) - (self.home[i] == h))
        return Moves(i, g, h, delta, d_bal, ag2, ah2, pg2, ph2)

    def improve(
        self, budget: Budget | None = None, progress: Callable[[float], None] | None = None
    ) -> int:
        """Vectorised best-improvement rounds until no move helps (or the budget is spent);
        returns moves made. A round costs one operation per adjacency entry."""
        budget = budget or Budget(np.inf)
        s, k = self.s, self.k
        label, tot, area, perim, size = self.label, self.tot, self.area, self.perim, self.size
        moves = 0
        for rnd in range(100_000):
            if budget.over():
                break
            budget.spend(len(self.row))
            m = self.moves()
            if m is None:
                break
            i, g, h, delta = m.i, m.g, m.h, m.delta
            ag2, ah2, pg2, ph2 = m.area_g, m.area_h, m.perim_g, m.perim_h
            good = np.flatnonzero(delta < -1e-9)
            if len(good) == 0:
                break
            good = good[np.argsort(delta[good], kind="stable")]
            # Best move per leaving grid, then a greedy matching so no grid moves twice: the
            # scored deltas then stay exact.
            _, best = np.unique(g[good], return_index=True)
            pick = good[np.sort(best)]
            pick = pick[np.argsort(delta[pick], kind="stable")]
            busy = np.zeros(k, dtype=bool)
            chosen: list[int] = []
            for p, gg, hh in zip(pick.tolist(), g[pick].tolist(), h[pick].tolist(), strict=True):
                if busy[gg] or busy[hh]:
                    continue
                busy[gg] = busy[hh] = True
                chosen.append(p)
            ch = np.array(chosen, dtype=np.int64)
            mi, mg, mh = i[ch], g[ch], h[ch]
            label[mi] = mh
            tot[mg] -= s.w[mi]
            tot[mh] += s.w[mi]
            size[mg] -= 1
            size[mh] += 1
            area[mg], area[mh] = ag2[ch], ah2[ch]
            perim[mg], perim[mh] = pg2[ch], ph2[ch]
            moves += len(ch)
            self.stats.rounds += 1
            if progress is not None and rnd % 20 == 0:
                progress(float(self.stats.rounds))
        self.stats.moves += moves
        return moves
