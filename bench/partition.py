"""Benchmark: our balanced territory partitioner beside METIS (pymetis) and KMeans.

    .venv/bin/python bench/partition.py                      # the issue's grid, ~1-2 min
    .venv/bin/python bench/partition.py --sizes 10000 --k 100 --methods ours,metis
    .venv/bin/python bench/partition.py --sizes 10000 --k 100 --methods metis --frontier 5

Sizes and Ks are paired position by position (a single K applies to every size). For each
pair a county-like instance is generated (`bench/instances.py`), every method runs on it,
10% of the sites then get new weights and every method runs again; one Markdown table goes
to stdout, progress to stderr.

`--frontier N` also runs our frontier (up to N plans from our --compactness down to 0,
adaptively spaced, dominated plans dropped, most compact first) on each instance and prints it
in a second table beside METIS, measured the same way, wall and CPU seconds per plan, with
each plan's longest and median grid (the farthest two of its sites) and the corridors it holds.

Every figure is measured here, in the same way for every method, never taken from a method's
own report:

* the cells and their adjacency come from one geometry (the partitioner's own
  `geometry.build_cells`, or `--cells own`: clipped Voronoi + Delaunay edges whose shared
  boundary survives clipping), and METIS partitions exactly that graph;
* deviation = max over grids of |grid total / mean grid total - 1|, per attribute;
* disconnected = grids whose cells are not one connected piece of that adjacency;
* compactness = mean Polsby-Popper 4πA/P² of each grid's dissolved cells, in metres
  (local equirectangular projection); an empty grid counts as 0;
* churn = share of sites whose grid changed between the two runs, after matching the second
  run's grid labels to the first's with the Hungarian algorithm on the overlap matrix (so a
  mere relabelling is not churn).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, Delaunay

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `instances` from any cwd
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # `wangge` without install
from instances import Instance, change, county

EARTH_RADIUS_M = 6_371_008.8
MIN_SHARED_M = 0.05  # shorter shared boundary = corner contact, not adjacency
DUPLICATE_M = 0.01  # sites closer than this share one cell
TARGETS = {  # (sites, K) -> what the issue asks of our partitioner there
    (10_000, 100): "< 10 | ≤ 2 | ≤ 10 | 0 | ≥ 0.45 | ≤ 2",
    (100_000, 500): "< 120 | ≤ 2 | ≤ 10 | 0 | ≥ 0.45 | ≤ 2",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- geometry: one set of cells and one adjacency for every method ---------------------------


@dataclass
class Geometry:
    source: str  # "ours" (wangge build_cells) or "own" (this file)
    lon0: float  # projection centre
    lat0: float
    site_cell: np.ndarray  # cell index per site (duplicates share a cell)
    polygons: np.ndarray  # shapely polygon per cell, metres
    edge_i: np.ndarray  # adjacent cell pairs, i < j
    edge_j: np.ndarray
    edge_len: np.ndarray  # shared boundary, metres
    seconds: float

    @property
    def n_cells(self) -> int:
        return len(self.polygons)

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return project(lon, lat, self.lon0, self.lat0)


def project(
    lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection (metres), the same formula as the partitioner's:
    within ~0.3% over a county, plenty for areas, perimeters and KMeans distances."""
    kx = EARTH_RADIUS_M * np.cos(np.radians(lat0)) * np.pi / 180.0
    ky = EARTH_RADIUS_M * np.pi / 180.0
    return (np.asarray(lon) - lon0) * kx, (np.asarray(lat) - lat0) * ky


def geometry_ours(inst: Instance) -> Geometry:
    # Not the cached variant: our partitioner's first run must pay for its own geometry.
    from wangge.territory.partition.geometry import build_cells

    t = time.perf_counter()
    cells = build_cells(inst.lon, inst.lat, inst.outline)
    seconds = time.perf_counter() - t
    i, j, length = cells.edges()
    return Geometry(
        source="ours",
        lon0=cells.projection.lon0,
        lat0=cells.projection.lat0,
        site_cell=np.asarray(cells.site_cell, dtype=np.int64),
        polygons=np.asarray(cells.polygons, dtype=object),
        edge_i=i,
        edge_j=j,
        edge_len=length,
        seconds=seconds,
    )


def geometry_own(inst: Instance) -> Geometry:
    """Fallback: Voronoi cells clipped to the outline; adjacency = Delaunay edges whose two
    clipped cells still share a boundary of positive length (clipping removes some)."""
    t = time.perf_counter()
    lon0, lat0 = float(inst.lon.mean()), float(inst.lat.mean())
    x, y = project(inst.lon, inst.lat, lon0, lat0)
    key = np.column_stack([np.round(x / DUPLICATE_M), np.round(y / DUPLICATE_M)])
    _, first, site_cell = np.unique(key, axis=0, return_index=True, return_inverse=True)
    gx, gy = x[first], y[first]
    region = shapely.transform(
        inst.outline, lambda c: np.column_stack(project(c[:, 0], c[:, 1], lon0, lat0))
    )
    points = shapely.multipoints(np.column_stack([gx, gy]))
    extent = shapely.envelope(region).buffer(1000.0)
    raw = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=extent, ordered=True))
    polygons = np.asarray(shapely.intersection(raw, region), dtype=object)

    simplices = Delaunay(np.column_stack([gx, gy])).simplices
    pairs = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(polygons[pairs[:, 0]]), shapely.boundary(polygons[pairs[:, 1]])
        )
    )
    keep = shared >= MIN_SHARED_M
    return Geometry(
        source="own",
        lon0=lon0,
        lat0=lat0,
        site_cell=site_cell.ravel().astype(np.int64),
        polygons=polygons,
        edge_i=pairs[keep, 0],
        edge_j=pairs[keep, 1],
        edge_len=shared[keep],
        seconds=time.perf_counter() - t,
    )


# --- scoring: the same measurement for every method ------------------------------------------


@dataclass
class Scores:
    deviation: dict[str, float]  # attribute -> max |total / mean - 1|
    disconnected: int
    compactness: float  # mean Polsby-Popper
    split_cells: int  # cells whose sites went to different grids (duplicates split)


def score(inst: Instance, geo: Geometry, assignment: np.ndarray, k: int) -> Scores:
    deviation = {}
    for name, w in inst.weights().items():
        totals = np.bincount(assignment, weights=w, minlength=k)
        deviation[name] = float(np.max(np.abs(totals / (totals.sum() / k) - 1.0)))
    label, split = cell_labels(geo, assignment, k)
    return Scores(deviation, disconnected(geo, label, k), compactness(geo, label, k), split)


def cell_labels(geo: Geometry, assignment: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """Grid per cell (the most common among its sites), and how many cells were split."""
    pairs, counts = np.unique(geo.site_cell * k + assignment, return_counts=True)
    cell, grid = pairs // k, pairs % k
    order = np.lexsort((-counts, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    label = np.zeros(geo.n_cells, dtype=np.int64)
    label[cell[order][first]] = grid[order][first]
    return label, len(pairs) - geo.n_cells


def disconnected(geo: Geometry, label: np.ndarray, k: int) -> int:
    """Grids whose cells form more than one piece in the shared adjacency."""
    same = label[geo.edge_i] == label[geo.edge_j]
    graph = csr_matrix(
        (np.ones(int(same.sum())), (geo.edge_i[same], geo.edge_j[same])),
        shape=(geo.n_cells, geo.n_cells),
    )
    _, component = connected_components(graph, directed=False)
    pieces = np.unique(np.column_stack([label, component]), axis=0)[:, 0]
    return int((np.bincount(pieces, minlength=k) > 1).sum())


def compactness(geo: Geometry, label: np.ndarray, k: int) -> float:
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(k + 1))
    pp = np.zeros(k)  # an empty grid stays 0: it is no territory at all
    for g in range(k):
        members = geo.polygons[order[bounds[g] : bounds[g + 1]]]
        if len(members) == 0:
            continue
        # The cells tile the area, so the fast coverage union applies; it needs a valid result.
        union = shapely.coverage_union_all(members)
        if not union.is_valid:
            union = shapely.union_all(members, grid_size=0.001)
        area, perimeter = shapely.area(union), shapely.length(union)
        pp[g] = 4 * np.pi * area / perimeter**2 if perimeter > 0 else 0.0
    return float(pp.mean())


def churn(previous: np.ndarray, current: np.ndarray, k: int) -> float:
    """Share of sites whose grid changed, after the best one-to-one relabelling."""
    overlap = np.bincount(previous * k + current, minlength=k * k).reshape(k, k)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return float(1.0 - overlap[rows, cols].sum() / len(previous))


# --- the methods -------------------------------------------------------------------------------


@dataclass
class Outcome:
    assignment: np.ndarray
    seconds: float
    report: Any = None  # the method's own result object, for cross-checks only


@dataclass(frozen=True)
class Settings:
    seed: int
    compactness: float  # our partitioner's knob: 0 = balance first … 1 = compactness first
    time_limit: float | None = None  # our partitioner's CPU-time limit (None: none)


Method = Callable[[Instance, Geometry, int, Settings, "np.ndarray | None"], Outcome]


def run_ours(
    inst: Instance, geo: Geometry, k: int, settings: Settings, initial: np.ndarray | None
) -> Outcome:
    from wangge.territory.partition import Problem, partition

    # Our cells are not passed in: the partitioner builds (and caches) its own, so the first
    # run's time includes the geometry and the re-run reuses it, as in the product.
    problem = Problem(
        ids=inst.ids,
        lon=inst.lon,
        lat=inst.lat,
        weights={a: w.astype(np.float64) for a, w in inst.weights().items()},
        k=k,
        tolerance=0.05,
        secondary_tolerance=0.10,
        outline=inst.outline,
        initial=initial,
        compactness=settings.compactness,
        seed=settings.seed,
        time_limit=settings.time_limit,
    )
    t = time.perf_counter()
    result = partition(problem)
    return Outcome(np.asarray(result.assignment, np.int64), time.perf_counter() - t, result)


def run_metis(
    inst: Instance, geo: Geometry, k: int, settings: Settings, initial: np.ndarray | None
) -> Outcome:
    """METIS k-way on the cell graph, contiguous, households as the only vertex weight:
    pymetis passes one weight per vertex (its issue #45), so customers are not balanced."""
    import pymetis

    t = time.perf_counter()
    n = geo.n_cells
    rows = np.concatenate([geo.edge_i, geo.edge_j])
    cols = np.concatenate([geo.edge_j, geo.edge_i])
    order = np.lexsort((cols, rows))
    xadj = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=xadj[1:])
    # Edge weight = shared boundary in whole metres (≥ 1): cutting long borders costs more,
    # which is what keeps METIS's grids compact.
    length = np.concatenate([geo.edge_len, geo.edge_len])[order]
    eweights = np.maximum(1, np.round(length)).astype(np.int64)
    vweights = np.bincount(geo.site_cell, weights=inst.households, minlength=n)
    options = pymetis.Options(contig=1, ufactor=30, seed=settings.seed)
    cut = pymetis.part_graph(
        k,
        adjacency=pymetis.CSRAdjacency(xadj, cols[order]),
        vweights=np.round(vweights).astype(np.int64),
        eweights=eweights,
        options=options,
    )
    cell_part = np.asarray(cut.vertex_part, dtype=np.int64)
    return Outcome(cell_part[geo.site_cell], time.perf_counter() - t)


def run_kmeans(
    inst: Instance, geo: Geometry, k: int, settings: Settings, initial: np.ndarray | None
) -> Outcome:
    from sklearn.cluster import KMeans

    t = time.perf_counter()
    x, y = geo.project(inst.lon, inst.lat)
    model = KMeans(n_clusters=k, n_init=1, random_state=settings.seed)
    labels = model.fit_predict(np.column_stack([x, y]), sample_weight=inst.households)
    return Outcome(np.asarray(labels, np.int64), time.perf_counter() - t)


METHODS: dict[str, tuple[str, Method]] = {
    "ours": ("ours", run_ours),
    "metis": ("METIS contig, households only", run_metis),
    "kmeans": ("KMeans, households-weighted", run_kmeans),
}
WARM_STARTS = {"ours"}  # methods whose re-run is given the previous assignment


# --- one benchmark row --------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    k: int
    method: str
    first: Outcome | None = None
    first_scores: Scores | None = None
    second: Outcome | None = None
    second_scores: Scores | None = None
    churn: float | None = None
    note: str = ""


def bench_method(
    name: str,
    inst: Instance,
    changed: Instance | None,
    geo: Geometry,
    k: int,
    settings: Settings,
) -> Row:
    label, method = METHODS[name]
    row = Row(inst.n, k, label)
    try:
        row.first = method(inst, geo, k, settings, None)
    except ImportError as exc:  # say so in the table rather than leave a gap unexplained
        row.note = f"not importable: {exc}"
        return row
    row.first_scores = score(inst, geo, row.first.assignment, k)
    log(f"  {name}: {row.first.seconds:.2f} s")
    cross_check(name, row.first, row.first_scores)
    if changed is None:
        return row
    initial = row.first.assignment if name in WARM_STARTS else None
    row.second = method(changed, geo, k, settings, initial)
    row.second_scores = score(changed, geo, row.second.assignment, k)
    row.churn = churn(row.first.assignment, row.second.assignment, k)
    log(f"  {name} re-run: {row.second.seconds:.2f} s, churn {100 * row.churn:.2f}%")
    cross_check(name, row.second, row.second_scores)
    return row


def cross_check(name: str, outcome: Outcome, scores: Scores) -> None:
    """Tell (stderr) where a method's own report disagrees with the bench's measurement."""
    if scores.split_cells:
        log(f"  ! {name}: {scores.split_cells} cells have sites in different grids")
    r = outcome.report
    if r is None:
        return
    if getattr(r, "issues", None):
        log(f"  {name} says: {', '.join(sorted({i.code for i in r.issues}))}")
    for attr, dev in scores.deviation.items():
        if abs(r.max_deviation.get(attr, dev) - dev) > 1e-9:
            log(f"  ! {name} reports {attr} deviation {r.max_deviation[attr]:.4f}, bench {dev:.4f}")
    if len(r.disconnected) != scores.disconnected:
        log(f"  ! {name} reports {len(r.disconnected)} disconnected, bench {scores.disconnected}")
    if abs(float(np.mean(r.compactness)) - scores.compactness) > 0.01:
        log(f"  ! {name} reports PP {np.mean(r.compactness):.3f}, bench {scores.compactness:.3f}")


# --- output -------------------------------------------------------------------------------------

HEADER = (
    "| sites | K | method | s | households dev % | customers dev % | disconnected | mean PP "
    "| churn % | re-run s | re-run dev % hh / cu | re-run disconnected |"
)


def format_row(row: Row) -> str:
    lead = f"| {row.n:,} | {row.k} | {row.method} |"
    if row.first is None or row.first_scores is None:
        return lead + f" {row.note} |" + " |" * 8
    a = row.first_scores
    # Our partitioner's CPU seconds beside the wall seconds: on a shared machine the wall
    # time counts the neighbours too.
    cpu = getattr(row.first.report, "timings", {}).get("cpu")
    cells = [
        f"{row.first.seconds:.2f}" + (f" (CPU {cpu:.2f})" if cpu is not None else ""),
        f"{100 * a.deviation['households']:.2f}",
        f"{100 * a.deviation['customers']:.2f}",
        str(a.disconnected),
        f"{a.compactness:.2f}",
    ]
    if row.second is not None and row.second_scores is not None and row.churn is not None:
        b = row.second_scores
        dev = f"{100 * b.deviation['households']:.2f} / {100 * b.deviation['customers']:.2f}"
        cells += [f"{100 * row.churn:.2f}", f"{row.second.seconds:.2f}", dev, str(b.disconnected)]
    else:
        cells += ["–"] * 4
    return lead + " " + " | ".join(cells) + " |"


FRONTIER_HEADER = (
    "| sites | K | frontier point | setting | wall s | CPU s | households dev % "
    "| customers dev % | disconnected | mean PP | longest km | median km | corridors |"
)


def grid_reach(px: np.ndarray, py: np.ndarray, assignment: np.ndarray, k: int) -> np.ndarray:
    """Per grid, the distance between the farthest two of its sites (metres)."""
    reach = np.zeros(k)
    for g in range(k):
        pts = np.column_stack([px[assignment == g], py[assignment == g]])
        if len(pts) > 2:
            hull = pts[ConvexHull(pts).vertices]
            reach[g] = np.hypot(*(hull[:, None, :] - hull[None, :, :]).transpose(2, 0, 1)).max()
    return reach


def bench_frontier(
    inst: Instance, geo: Geometry, k: int, settings: Settings, n: int, worst: int = 0
) -> tuple[list[str], list[str]]:
    """Our frontier on the instance, each point scored like every method; and, with `worst`,
    the worst grids of its most balanced point (`worst_grids`)."""
    from wangge.territory.partition import Problem, frontier

    problem = Problem(
        ids=inst.ids,
        lon=inst.lon,
        lat=inst.lat,
        weights={a: w.astype(np.float64) for a, w in inst.weights().items()},
        k=k,
        tolerance=0.05,
        secondary_tolerance=0.10,
        outline=inst.outline,
        compactness=settings.compactness,
        seed=settings.seed,
        time_limit=settings.time_limit,
    )
    t, cpu = time.perf_counter(), time.process_time()
    points = frontier(problem, n)
    log(
        f"  frontier: {time.perf_counter() - t:.2f} s wall, {time.process_time() - cpu:.2f} s CPU "
        f"for {n} plans, {len(points)} not dominated"
    )
    lines = []
    px, py = geo.project(inst.lon, inst.lat)
    for i, point in enumerate(points, start=1):
        a = score(inst, geo, np.asarray(point.result.assignment, np.int64), k)
        reach = grid_reach(px, py, np.asarray(point.result.assignment, np.int64), k) / 1000
        cross_check(f"frontier point {i}", Outcome(point.result.assignment, 0.0, point.result), a)
        lines.append(
            f"| {inst.n:,} | {k} | ours {i} | {point.setting:.4f} | {point.result.seconds:.2f} "
            f"| {point.result.timings.get('cpu', float('nan')):.2f} "
            f"| {100 * a.deviation['households']:.2f} | {100 * a.deviation['customers']:.2f} "
            f"| {a.disconnected} | {a.compactness:.2f} | {reach.max():.1f} "
            f"| {np.median(reach):.1f} | {point.result.timings.get('corridors', 0):.0f} |"
        )
    why: list[str] = []
    if worst and points:
        best = min(points, key=lambda p: p.secondary_deviation())
        why = worst_grids(inst, geo, np.asarray(best.result.assignment, np.int64), k, worst)
    return lines, why


WORST_HEADER = (
    "| grid | customers dev % | households dev % | households core / towns / rural % "
    "| core needed % | to the core km "
    "| neighbours | with neighbours: customers dev % | two rings: grids, customers dev % |"
)
ZONES = ("core", "towns", "countryside")
SECONDARY_AIM = 0.15  # the target for customers at households ±PRIMARY_AIM
PRIMARY_AIM = 0.02
CORE_EDGE = (
    0.9  # the core's edge: the radius around its centre holding this share of its households
)


@dataclass
class Margins:
    """What the instance itself allows: penetration per zone, and where the core is."""

    mean: float  # customers per household over the county
    penetration: np.ndarray  # (3,) per zone
    share: np.ndarray  # (3,) households per zone, in grids' worth
    centre: tuple[float, float]  # the core's household-weighted median, metres
    edge: float  # CORE_EDGE radius of the core, metres

    def alone(self, zone: int, households_dev: float) -> float:
        """Customers deviation of a grid of one zone's sites alone."""
        return (1 + households_dev) * self.penetration[zone] / self.mean - 1

    def core_needed(self, towns: float, rural: float, households_dev: float) -> float:
        """Core share of a grid's households that brings it to -SECONDARY_AIM, keeping its
        towns : countryside ratio (0 when it is there without core)."""
        rest = towns + rural
        if rest <= 0:
            return 0.0
        p_rest = (towns * self.penetration[1] + rural * self.penetration[2]) / rest
        want = (1 - SECONDARY_AIM) * self.mean / (1 + households_dev)
        if p_rest >= want:
            return 0.0
        return float((want - p_rest) / (self.penetration[0] - p_rest))


def margins(inst: Instance, geo: Geometry, k: int) -> Margins:
    x, y = geo.project(inst.lon, inst.lat)
    hh, cu = inst.households.astype(float), inst.customers.astype(float)
    by = np.bincount(inst.zone, weights=hh, minlength=3)
    pen = np.bincount(inst.zone, weights=cu, minlength=3) / np.maximum(by, 1)
    core = inst.zone == 0
    cx, cy = _wmedian(x[core], hh[core]), _wmedian(y[core], hh[core])
    r = np.hypot(x[core] - cx, y[core] - cy)
    order = np.argsort(r)
    cum = np.cumsum(hh[core][order])
    edge = float(r[order][np.searchsorted(cum, CORE_EDGE * cum[-1])])
    return Margins(cu.sum() / hh.sum(), pen, by / (hh.sum() / k), (cx, cy), edge)


def _wmedian(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v)
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, cum[-1] / 2)])


REACHES_KM = (5, 10, 15, 20, 25, 30)


def reach_bound(inst: Instance, geo: Geometry, k: int, reach: float) -> tuple[float, int]:
    """A lower bound on the worst customers shortfall of any plan whose grids hold households
    within ±PRIMARY_AIM and whose sites lie within `reach` metres of each other (no grid
    longer than that), and the town that sets it (`town_bound` of the worst town)."""
    towns = inst.town if inst.town is not None else np.full(inst.n, -1)
    worst, which = 0.0, -1
    for t in range(int(towns.max()) + 1):
        bound = town_bound(inst, geo, k, reach, t)
        if bound < worst:
            worst, which = bound, t
    return worst, which


def town_bound(inst: Instance, geo: Geometry, k: int, reach: float, town: int) -> float:
    """The best average customers deviation of the grids holding town `town`'s sites, if no
    grid is longer than `reach` metres and households stay within ±PRIMARY_AIM: an upper
    bound on how well the worst of them can do.

    Those grids hold all of the town's households, m grids of them, and otherwise only sites
    within `reach` of the town. At most, those others are the neighbourhood's richest in
    customers per household (a fractional knapsack; sites other towns' grids might take are
    counted here too), up to the households the m grids may still take at +PRIMARY_AIM; the
    best m is taken. -inf: no m works (the town's grids cannot be filled to -PRIMARY_AIM
    within the reach); 0 for a town without sites."""
    from scipy.spatial import cKDTree

    x, y = geo.project(inst.lon, inst.lat)
    hh, cu = inst.households.astype(float), inst.customers.astype(float)
    h_mean, c_mean = hh.sum() / k, cu.sum() / k
    mine = inst.town == town if inst.town is not None else np.zeros(inst.n, dtype=bool)
    if not mine.any():
        return 0.0
    xy = np.column_stack([x, y])
    dist, _ = cKDTree(xy[mine]).query(xy, distance_upper_bound=reach)
    near = np.isfinite(dist) & ~mine
    order = np.argsort(-(cu[near] / np.maximum(hh[near], 1e-9)), kind="stable")
    ch = np.r_[0.0, np.cumsum(hh[near][order])]
    cc = np.r_[0.0, np.cumsum(cu[near][order])]
    h_t, c_t = hh[mine].sum(), cu[mine].sum()
    best = -np.inf
    m = max(1, int(np.ceil(h_t / ((1 + PRIMARY_AIM) * h_mean))))
    while m * (1 - PRIMARY_AIM) * h_mean <= h_t + ch[-1]:
        room = min(m * (1 + PRIMARY_AIM) * h_mean - h_t, ch[-1])
        extra = float(np.interp(room, ch, cc)) if room > 0 else 0.0
        best = max(best, (c_t + extra) / (m * c_mean) - 1)
        m += 1
    return float(best)


def _km(reach: float | None) -> str:
    if reach is None:
        return "> 60"
    return "≤ 1 (no limit)" if reach <= 1 else f"{reach:.0f}"


def reach_needed(inst: Instance, geo: Geometry, k: int, town: int) -> float | None:
    """The shortest reach (whole km, up to 60) at which the town's grids may be within
    -SECONDARY_AIM by `town_bound`, or None."""
    for km in range(1, 61):
        if town_bound(inst, geo, k, km * 1000.0, town) >= -SECONDARY_AIM:
            return float(km)
    return None


def margin_lines(inst: Instance, geo: Geometry, k: int) -> list[str]:
    """The instance's own limits for the secondary: a grid of one zone alone, at the
    households deviations the primary aim allows, and each town's distance from the core."""
    m = margins(inst, geo, k)
    lines = [
        f"What a grid of one zone alone measures on customers ({inst.n:,} sites, K={k}; "
        f"county {m.mean:.3f} customers per household; the core's edge: "
        f"{100 * CORE_EDGE:.0f}% of its households within {m.edge / 1000:.1f} km):",
        "",
        "| zone | households, grids' worth | customers per household "
        "| customers dev % at households −2 / 0 / +2 % |",
        "|---|---|---|---|",
    ]
    for z, name in enumerate(ZONES):
        devs = " / ".join(f"{100 * m.alone(z, d):+.1f}" for d in (-PRIMARY_AIM, 0, PRIMARY_AIM))
        lines.append(f"| {name} | {m.share[z]:.1f} | {m.penetration[z]:.3f} | {devs} |")
    if inst.town is not None:
        x, y = geo.project(inst.lon, inst.lat)
        hh = inst.households.astype(float)
        target = hh.sum() / k
        lines += [
            "",
            "| town | households, grids' worth | customers per household "
            "| customers dev % of its sites alone at households +2 % "
            "| centre to the core's edge, km | its grids' reach for −15% at least, km |",
            "|---|---|---|---|---|---|",
        ]
        for t in range(int(inst.town.max()) + 1):
            mine = inst.town == t
            if not mine.any():
                continue
            tx, ty = _wmedian(x[mine], hh[mine]), _wmedian(y[mine], hh[mine])
            gap = max(0.0, float(np.hypot(tx - m.centre[0], ty - m.centre[1])) - m.edge)
            pen = inst.customers[mine].sum() / hh[mine].sum()
            alone = 100 * ((1 + PRIMARY_AIM) * pen / m.mean - 1)
            lines.append(
                f"| {t + 1} | {hh[mine].sum() / target:.1f} | {pen:.3f} | {alone:+.1f} "
                f"| {gap / 1000:.1f} | {_km(reach_needed(inst, geo, k, t))} |"
            )
        lines += [
            "",
            f"A lower bound for plans whose grids are no longer than a given reach (households "
            f"±{100 * PRIMARY_AIM:.0f}%): the worst grid is at least this short of customers.",
            "",
            "| reach, km | worst customers dev % at best (bound) | set by town |",
            "|---|---|---|",
        ]
        for km in REACHES_KM:
            bound, town = reach_bound(inst, geo, k, km * 1000.0)
            # -inf: the town's grids cannot even be filled to −PRIMARY_AIM within the reach.
            figure = f"{100 * bound:+.1f}" if np.isfinite(bound) else "no such plan"
            lines.append(f"| {km} | {figure} | {town + 1 if town >= 0 else '–'} |")
    return lines


def worst_grids(inst: Instance, geo: Geometry, assignment: np.ndarray, k: int, n: int) -> list[str]:
    """Why the secondary stays off: the n grids furthest off on customers, where their
    households live (core, towns, countryside), and how far off the grid is when pooled with
    its neighbours (one ring, two rings). A pool within the target could be re-divided to
    meet it; a pool outside it cannot, whatever happens inside it."""
    label, _ = cell_labels(geo, assignment, k)
    a, b = label[geo.edge_i], label[geo.edge_j]
    cut = a != b
    near: list[set[int]] = [set() for _ in range(k)]
    for x, y in zip(a[cut].tolist(), b[cut].tolist(), strict=True):
        near[x].add(y)
        near[y].add(x)
    hh = np.bincount(assignment, weights=inst.households, minlength=k)
    cu = np.bincount(assignment, weights=inst.customers, minlength=k)
    ratio = cu.sum() / hh.sum()
    by_zone = np.bincount(assignment * 3 + inst.zone, weights=inst.households, minlength=3 * k)
    zone = by_zone.reshape(k, 3) / np.maximum(hh[:, None], 1)

    def pooled(grids: set[int]) -> float:
        g = sorted(grids)
        return 100 * (cu[g].sum() / hh[g].sum() / ratio - 1)

    dev_cu = 100 * (cu / cu.mean() - 1)
    dev_hh = 100 * (hh / hh.mean() - 1)
    m = margins(inst, geo, k)
    px, py = geo.project(inst.lon, inst.lat)
    w = inst.households.astype(float)
    gx = np.bincount(assignment, weights=w * px, minlength=k) / np.maximum(hh, 1)
    gy = np.bincount(assignment, weights=w * py, minlength=k) / np.maximum(hh, 1)
    to_core = np.maximum(0.0, np.hypot(gx - m.centre[0], gy - m.centre[1]) - m.edge) / 1000
    needed = np.array([m.core_needed(zone[g, 1], zone[g, 2], dev_hh[g] / 100) for g in range(k)])
    lines = []
    for g in np.argsort(-np.abs(dev_cu), kind="stable")[:n].tolist():
        ring1 = {g} | near[g]
        ring2 = set(ring1)
        for x in ring1:
            ring2 |= near[x]
        z = " / ".join(f"{100 * v:.0f}" for v in zone[g])
        lines.append(
            f"| {g + 1} | {dev_cu[g]:+.1f} | {dev_hh[g]:+.1f} | {z} | {100 * needed[g]:.0f} "
            f"| {to_core[g]:.1f} | {len(near[g])} "
            f"| {pooled(ring1):+.1f} | {len(ring2)}, {pooled(ring2):+.1f} |"
        )
    bins = [-np.inf, -20, -15, -10, 10, 15, 20, np.inf]
    counts = np.histogram(dev_cu, bins=bins)[0]
    labels = ["< −20", "−20…−15", "−15…−10", "±10", "10…15", "15…20", "> 20"]
    lines.append("")
    lines.append(
        "Grids by customers dev %: "
        + ", ".join(f"{a}: {c}" for a, c in zip(labels, counts, strict=True))
    )
    reach = grid_reach(px, py, assignment, k)
    lacking = needed > zone[:, 0] + 1e-9
    pure = zone[:, 0] >= 0.95
    lack = float(np.sum((needed - zone[:, 0])[lacking] * hh[lacking]) / hh.sum())
    far = float(np.median(to_core[lacking])) if lacking.any() else 0.0
    lo, hi = (dev_cu[pure].min(), dev_cu[pure].max()) if pure.any() else (0.0, 0.0)
    lines.append(
        f"Grids holding less core than they need for −{100 * SECONDARY_AIM:.0f}% at their "
        f"households: {int(lacking.sum())} (the core they lack: {100 * lack:.1f}% of all "
        f"households; their centres {far:.1f} km from the core's edge, median). Grids of "
        f"≥ 95% core: {int(pure.sum())}, customers {lo:+.1f}…{hi:+.1f}%. Longest grid (the "
        f"farthest two of its sites): {reach.max() / 1000:.1f} km; grids longer than 15 km: "
        f"{int((reach > 15_000).sum())}; median {np.median(reach) / 1000:.1f} km."
    )
    return lines


def format_target(n: int, k: int) -> str | None:
    target = TARGETS.get((n, k))
    return f"| {n:,} | {k} | *target* | {target} | | | |" if target else None


def instance_line(inst: Instance, geo: Geometry, k: int) -> str:
    target = inst.households.sum() / k
    biggest = inst.households.max() / target
    dup = inst.n - geo.n_cells
    return (
        f"| {inst.n:,} | {k} | {geo.n_cells:,} | {len(geo.edge_i):,} | {dup} "
        f"| {geo.seconds:.2f} | {target:,.0f} | {100 * biggest:.0f}% |"
    )


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="site counts, comma-separated")
    p.add_argument("--k", default="20,100,500", help="grid counts, paired with --sizes")
    p.add_argument("--methods", default="ours,metis,kmeans", help="|".join(METHODS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--compactness",
        type=float,
        default=0.5,
        help="our partitioner's knob: 0 = balance at any shape cost, 1 = compactness first",
    )
    p.add_argument("--churn", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="our partitioner's CPU-time limit per plan (default: none; its operation budget "
        "bounds the search and keeps the plan the same on any machine)",
    )
    p.add_argument(
        "--frontier", type=int, default=0, metavar="N", help="also run our N-point frontier"
    )
    p.add_argument(
        "--worst",
        type=int,
        default=0,
        metavar="N",
        help="with --frontier: the N grids furthest off on customers in the most balanced point",
    )
    p.add_argument(
        "--cells",
        choices=["auto", "ours", "own"],
        default="auto",
        help="whose cells/adjacency everyone is judged on (auto: ours when importable)",
    )
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    ks = [int(s) for s in args.k.split(",")]
    if len(ks) == 1:
        ks *= len(sizes)
    if len(ks) != len(sizes):
        p.error("--k needs one value, or one per size")
    args.pairs = list(zip(sizes, ks, strict=True))
    args.methods = [m.strip() for m in args.methods.split(",")]
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        p.error(f"unknown methods: {', '.join(sorted(unknown))}")
    return args


def source_fingerprint() -> str:
    """Which version of our partitioner ran: git commit, plus a hash of its sources (which
    may be uncommitted work in progress)."""
    package = Path(__file__).resolve().parent.parent / "wangge" / "territory" / "partition"
    digest = hashlib.sha1()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=package
    ).stdout.strip()
    return f"commit {head or '?'}, sources sha1 {digest.hexdigest()[:10]}"


def build_geometry(inst: Instance, which: str) -> Geometry:
    if which in ("auto", "ours"):
        try:
            return geometry_ours(inst)
        except ImportError:
            if which == "ours":
                raise
            log("  wangge.territory.partition.geometry not importable: using own cells")
    return geometry_own(inst)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = Settings(seed=args.seed, compactness=args.compactness, time_limit=args.time_limit)
    table: list[Row | str] = []  # rows, and the target lines between them
    instance_lines: list[str] = []
    frontier_lines: list[str] = []
    worst_lines: list[str] = []
    sources: set[str] = set()
    for n, k in args.pairs:
        log(f"{n} sites, K={k}")
        inst = county(n, seed=args.seed)
        changed = change(inst, 0.1, seed=args.seed + 1) if args.churn else None
        geo = build_geometry(inst, args.cells)
        sources.add(geo.source)
        log(f"  cells ({geo.source}): {geo.n_cells} cells, {geo.seconds:.2f} s")
        n_pieces, _ = connected_components(
            csr_matrix((np.ones(len(geo.edge_i)), (geo.edge_i, geo.edge_j)), (geo.n_cells,) * 2),
            directed=False,
        )
        if n_pieces > 1:
            log(f"  ! the adjacency has {n_pieces} components: no method can be contiguous")
        instance_lines.append(instance_line(inst, geo, k))
        for name in args.methods:
            table.append(bench_method(name, inst, changed, geo, k, settings))
        target = format_target(n, k)
        if target and "ours" in args.methods:
            table.append(target)
        if args.frontier:
            lines, why = bench_frontier(inst, geo, k, settings, args.frontier, args.worst)
            frontier_lines.extend(lines)
            if why:
                worst_lines += [*margin_lines(inst, geo, k), ""]
                worst_lines += [f"Worst grids of the most balanced point, {n:,} sites, K={k}:", ""]
                worst_lines += [WORST_HEADER, "|" + "---|" * 9, *why, ""]
            metis = [r for r in table if isinstance(r, Row) and r.method.startswith("METIS")]
            if metis and metis[-1].first_scores is not None and metis[-1].first is not None:
                a = metis[-1].first_scores
                frontier_lines.append(
                    f"| {n:,} | {k} | METIS | – | {metis[-1].first.seconds:.2f} | – "
                    f"| {100 * a.deviation['households']:.2f} "
                    f"| {100 * a.deviation['customers']:.2f} | {a.disconnected} "
                    f"| {a.compactness:.2f} |"
                )

    print(HEADER)
    print("|" + "---|" * 12)
    for row in table:
        print(row if isinstance(row, str) else format_row(row))
    print()
    print(
        "| sites | K | cells | adjacent pairs | duplicates merged | cells s | household target "
        "| largest site / target |"
    )
    print("|" + "---|" * 8)
    for line in instance_lines:
        print(line)
    print()
    if frontier_lines:
        print(FRONTIER_HEADER)
        print("|" + "---|" * 13)
        for line in frontier_lines:
            print(line)
        print()
    for line in worst_lines:
        print(line)
    if "ours" in args.methods or args.frontier:
        print(f"Our partitioner: {source_fingerprint()}.")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average {load} on {os.cpu_count()} CPUs (wall seconds count the neighbours too).")
    print(
        f"Cells and adjacency: {', '.join(sorted(sources))}; seed {args.seed}; "
        f"our compactness {args.compactness}; "
        f"churn: 10% of sites × lognormal(0, 0.3), ours warm-started, others re-run."
    )


if __name__ == "__main__":
    main()
