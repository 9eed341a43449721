"""`partition()`: validation, the pipeline, and the figures and issues of the result."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import shapely

from . import budget as budgets
from . import chains, construct, corridors, geometry, issues, search, swap
from .geometry import Cells
from .graph import components_within
from .model import Setup
from .types import Issue, Problem, Result

Progress = Callable[[float, str], None]
CHAIN_PASSES = 5
SWAP_PASSES = 3
# Settings below this (balance at any shape cost) also plan corridors (`corridors`): the
# frontier's most balanced point, at a price in shape the frontier shows.
CORRIDORS_BELOW = 0.01


def partition(problem: Problem, progress: Progress | None = None) -> Result:
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    timings: dict[str, float] = {}
    report = progress or (lambda f, note: None)
    names, w_site, tol = _validate(problem)
    n_sites, k = len(problem.ids), int(problem.k)

    report(0.0, "cells")
    t = time.perf_counter()
    cells: Cells = problem.cells or geometry.build_cells_cached(
        problem.lon, problem.lat, problem.outline, tuple(problem.barriers)
    )
    if len(cells.site_cell) != n_sites:
        raise ValueError("the precomputed cells are for a different set of sites")
    timings["cells"] = time.perf_counter() - t
    found: list[Issue] = []
    found += issues.geometry_notes(cells, problem)

    sc = cells.site_cell
    w = np.zeros((cells.n, len(names)))
    for a in range(len(names)):
        w[:, a] = np.bincount(sc, weights=w_site[:, a], minlength=cells.n)
    lock, lock_issues = _cell_locks(problem, cells)
    found += lock_issues
    init_cell = _cell_initial(problem, cells) if problem.initial is not None else None

    open_grid = np.ones(k, dtype=bool)
    label = np.full(cells.n, -1, dtype=np.int64)
    if init_cell is not None and problem.locked:
        open_grid = _open_grids(problem, k)
        frozen = (init_cell >= 0) & ~open_grid[np.maximum(init_cell, 0)]
        label[frozen] = init_cell[frozen]
        lock[frozen] = init_cell[frozen]
    n_open = int(open_grid.sum())

    if w[:, 0].sum() <= 0:
        # Nothing to balance on the primary attribute: balance site counts instead, so grids
        # still come out of similar size.
        w[:, 0] = np.bincount(sc, minlength=cells.n)
    total = w.sum(axis=0)
    frozen_tot = w[label >= 0].sum(axis=0)
    target = (total - frozen_tot) / max(n_open, 1)
    importance = np.where(target > 0, 1.0, 0.0)
    # Secondary attributes count less: where they conflict with the primary, the primary's
    # tolerance is the promise and theirs is a wish.
    importance[1:] *= 0.3
    setup = Setup(
        cells=cells,
        w=w,
        target=np.where(target > 0, target, 1.0),
        tol=tol,
        importance=importance,
        lock=lock,
        open_grid=open_grid,
        cx=shapely.get_x(shapely.centroid(cells.polygons)),
        cy=shapely.get_y(shapely.centroid(cells.polygons)),
        compactness=float(problem.compactness),
        offset=float(np.random.default_rng(problem.seed).random()) if problem.seed else 0.0,
        hub=(_wmedian(cells.x, w[:, 0]), _wmedian(cells.y, w[:, 0])),
    )
    found += issues.oversize(setup, names, problem)

    report(0.3, "start")
    t = time.perf_counter()
    label, comp_issues = _start(setup, label, init_cell, names, problem)
    found += comp_issues
    timings["start"] = time.perf_counter() - t

    report(0.4, "search")
    t = time.perf_counter()
    effort = problem.effort
    if effort is None:
        effort = budgets.PER_ENTRY * len(cells.indices)
    budget = budgets.Budget(effort, problem.time_limit)
    wt = search.weights_for(problem.compactness, tol, init_cell is not None)
    state = search.State(setup, label, wt, init_cell)
    _search(state, budget, lambda r: report(min(0.4 + r / 2000.0, 0.9), "search"))
    label = state.label
    timings["search"] = time.perf_counter() - t
    timings["rounds"] = float(state.stats.rounds)
    timings["moves"] = float(state.stats.moves)
    timings["chains"] = float(state.stats.chains)
    timings["swaps"] = float(state.stats.swaps)
    timings["corridors"] = float(state.stats.corridors)
    timings["effort"] = budget.spent
    if budget.stopped:
        found.append(issues.stopped(budget.stopped, budget.operations))

    report(0.9, "polygons")
    t = time.perf_counter()
    metric = geometry.dissolve(cells, label, k)
    pp = geometry.polsby_popper(cells, metric)
    polygons = [cells.projection.to_wgs84(g) for g in metric]
    timings["polygons"] = time.perf_counter() - t

    assignment = label[sc]
    totals = {
        a: np.bincount(assignment, weights=w_site[:, i], minlength=k) for i, a in enumerate(names)
    }
    deviation: dict[str, np.ndarray] = {}
    for name, tot in totals.items():
        mean = tot.sum() / k
        deviation[name] = tot / mean - 1.0 if mean > 0 else np.zeros(k)
    comp_final = components_within(cells.indptr, cells.indices, label)
    pairs = np.unique(label * (int(comp_final.max()) + 1) + comp_final)
    pieces = np.bincount(pairs // (int(comp_final.max()) + 1), minlength=k)
    # A grid is in pieces if its cells are, or if it holds a cut-off area without sites.
    multi = np.array([g.geom_type == "MultiPolygon" for g in metric], dtype=bool)
    disconnected = [int(g) for g in np.flatnonzero((pieces > 1) | multi)]
    moved = 0
    if problem.initial is not None:
        prev = np.asarray(problem.initial)
        moved = int(np.sum((prev >= 0) & (prev != assignment)))
    found += issues.outcome(setup, names, label, deviation, disconnected, metric, problem)
    # CPU beside wall time: on a shared machine the wall time measures the neighbours too.
    timings["cpu"] = time.process_time() - cpu_start
    report(1.0, "done")
    return Result(
        assignment=assignment.astype(np.int64),
        polygons=polygons,
        totals=totals,
        deviation=deviation,
        max_deviation={a: float(np.max(np.abs(d))) if k else 0.0 for a, d in deviation.items()},
        compactness=pp,
        disconnected=disconnected,
        moved=moved,
        issues=found,
        seconds=time.perf_counter() - t_start,
        timings=timings,
    )


def _start(
    setup: Setup,
    label: np.ndarray,
    init_cell: np.ndarray | None,
    names: list[str],
    problem: Problem,
) -> tuple[np.ndarray, list[Issue]]:
    """A complete, contiguous first plan: the previous one, or one built by bisection."""
    cells = setup.cells
    free = label < 0
    comp = components_within(cells.indptr, cells.indices, np.where(free, 0, -1))
    cid, comp = np.unique(comp, return_inverse=True)
    comp = np.where(free, comp - (cid[0] < 0), -1)
    n_comp = int(comp.max()) + 1
    comp_w = np.bincount(comp[free], weights=setup.w[free, 0], minlength=n_comp)
    size = np.bincount(comp[free], minlength=n_comp)
    counts = construct.allocate(comp_w, int(setup.open_grid.sum()), float(setup.target[0]), size)
    found = issues.components(setup, comp, counts, comp_w, names, problem)
    if init_cell is not None:
        start = np.where(free, init_cell, label)
        start[free & ~setup.open_grid[np.maximum(start, 0)]] = -1
        label = construct.warm(setup, start)
    else:
        label = construct.construct(setup, label, comp, counts)
    label = construct.fill_empty(setup, label)
    return construct.repair(setup, construct.connect_pins(setup, label)), found


def _search(state: search.State, budget: budgets.Budget, tick: Callable[[float], None]) -> None:
    """Single moves until stuck, then chains for grids still outside the aim, and again;
    then swaps for the other attributes, each pass followed by single moves; at the
    balance-first end, then corridors for the grids still far off a secondary attribute."""
    state.improve(budget, tick)
    for _ in range(CHAIN_PASSES):
        if budget.over() or not chains.push(state, budget):
            break
        state.improve(budget, tick)
    for _ in range(SWAP_PASSES):
        if budget.over() or not swap.refine(state, budget):
            break
        state.improve(budget, tick)
    if state.s.compactness < CORRIDORS_BELOW and not budget.over():
        state.stats.corridors = corridors.refine(state, budget)


def _validate(problem: Problem) -> tuple[list[str], np.ndarray, np.ndarray]:
    n = len(problem.ids)
    if n == 0:
        raise ValueError("there are no sites")
    if len(set(problem.ids)) != n:
        raise ValueError("site ids must be unique")
    lon = np.asarray(problem.lon, dtype=np.float64)
    lat = np.asarray(problem.lat, dtype=np.float64)
    if lon.shape != (n,) or lat.shape != (n,):
        raise ValueError("lon and lat need one value per site")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError("lon and lat must be finite numbers")
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise ValueError("lon/lat must be WGS-84 degrees")
    if not problem.weights:
        raise ValueError("at least one attribute to balance is needed")
    names = list(problem.weights)
    w = np.zeros((n, len(names)))
    for i, a in enumerate(names):
        arr = np.asarray(problem.weights[a], dtype=np.float64)
        if arr.shape != (n,):
            raise ValueError(f"attribute {a!r} needs one value per site")
        if not np.isfinite(arr).all():
            raise ValueError(f"attribute {a!r} has values that are not finite numbers")
        if (arr < 0).any():
            raise ValueError(f"attribute {a!r} has negative values")
        w[:, i] = arr
    k = problem.k
    if int(k) != k or not 1 <= k <= n:
        raise ValueError(f"the number of grids must be between 1 and the number of sites ({n})")
    tol = np.empty(len(names))
    for i, a in enumerate(names):
        default = problem.tolerance if i == 0 else problem.secondary_tolerance
        tol[i] = (problem.tolerances or {}).get(a, default)
    if (tol <= 0).any() or not np.isfinite(tol).all():
        raise ValueError("tolerances must be positive")
    if not 0.0 <= problem.compactness <= 1.0:
        raise ValueError("compactness must be between 0 and 1")
    for site, g in (problem.locked or {}).items():
        if not (0 <= int(site) < n and 0 <= int(g) < k):
            raise ValueError(f"lock {site}->{g} is out of range")
    if problem.initial is not None and np.asarray(problem.initial).shape != (n,):
        raise ValueError("initial needs one grid per site")
    return names, w, tol


def _cell_locks(problem: Problem, cells: Cells) -> tuple[np.ndarray, list[Issue]]:
    lock = np.full(cells.n, -1, dtype=np.int64)
    clash: dict[int, list[int]] = {}
    for site, g in sorted((problem.locked or {}).items()):
        c = int(cells.site_cell[site])
        if lock[c] >= 0 and lock[c] != g:
            clash.setdefault(c, []).append(int(site))
            continue
        lock[c] = g
    out = []
    for c, sites in clash.items():
        group = np.flatnonzero(cells.site_cell == c)
        out.append(
            issues.issue(
                "conflicting_locks",
                "Sites at the same location are pinned to different grids; they share one cell, "
                f"so all of them follow grid {int(lock[c]) + 1}.",
                site_ids=[str(problem.ids[int(i)]) for i in group],
                grid=int(lock[c]),
                where=_lonlat(cells, c),
            )
        )
        del sites
    return lock, out


def _cell_initial(problem: Problem, cells: Cells) -> np.ndarray:
    """The previous grid of each cell (for merged duplicates: the most common one)."""
    prev = np.asarray(problem.initial, dtype=np.int64)
    prev = np.where((prev >= 0) & (prev < problem.k), prev, -1)
    out = np.full(cells.n, -1, dtype=np.int64)
    has = prev >= 0
    sc = cells.site_cell[has]
    key = sc * problem.k + prev[has]
    uk, cnt = np.unique(key, return_counts=True)
    order = np.lexsort((-cnt, uk // problem.k))
    uk = uk[order]
    first = np.ones(len(uk), dtype=bool)
    first[1:] = (uk // problem.k)[1:] != (uk // problem.k)[:-1]
    out[uk[first] // problem.k] = uk[first] % problem.k
    return out


def _open_grids(problem: Problem, k: int) -> np.ndarray:
    """A grid whose every previous site is pinned to it is frozen as a whole."""
    prev = np.asarray(problem.initial, dtype=np.int64)
    locked = problem.locked or {}
    pinned = np.zeros(len(prev), dtype=bool)
    for site, g in locked.items():
        pinned[site] = prev[site] == g
    has = (prev >= 0) & (prev < k)
    members = np.bincount(prev[has], minlength=k)
    held = np.bincount(prev[has & pinned], minlength=k)
    return ~((members > 0) & (held == members))


def _lonlat(cells: Cells, c: int) -> tuple[float, float]:
    lon, lat = cells.projection.inverse(cells.x[c], cells.y[c])
    return float(lon), float(lat)


def _wmedian(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v)
    cum = np.cumsum(w[order] + 1e-12)
    return float(v[order][np.searchsorted(cum, cum[-1] / 2)])
