"""Why grids on the real 邵东 outline score low on Polsby-Popper, and a fair measure beside it.

    .venv/bin/python bench/compactness.py                  # demo seed, K=30, ~30 s
    .venv/bin/python bench/compactness.py --k 60 --seed 20261126
    .venv/bin/python bench/compactness.py --warm-sweep      # + warm start vs scratch, ~1 min

Pure (no database): the demo's sites (`wangge.demo.sites.generate_sites`) and outline
(`wangge.demo.county.outline`), partitioned here exactly as the auto plan does (households
primary, customers secondary, default tolerances and compactness), plus the demo's current
grids (`wangge.demo.county.generate`, what the demo loads as the active plan). The same
sites partitioned inside a plain rectangle and inside the outline's convex hull separate
the outline's share of the low score from the sites' (clustered towns, empty mountains).

Per plan, means over grids:
* PP: Polsby-Popper 4πA/P² of each grid, metres (what the plan page shows today);
* PP·smooth: PP after simplifying each grid's outline by 200 m (Douglas-Peucker), so a
  ragged border (the county's digitised outline, the staircase of dissolved Voronoi cells)
  no longer counts;
* ceiling: PP of the grid's convex hull clipped to the outline (best PP reachable there);
* fill: grid area / area of that clipped hull (`wangge.territory.compactness`, the fair
  measure the plan page shows beside PP);
* border: share of the grid perimeter on the outline;
* empty: share of the grid's area farther than 1 km from any of its sites.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from shapely.geometry import shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `wangge` without install
from wangge.demo.county import DEFAULT_SEED, generate, outline
from wangge.demo.sites import generate_sites
from wangge.territory import compactness
from wangge.territory.partition import Problem, partition
from wangge.territory.partition.geometry import Projection

SMOOTH_M = 200.0
EMPTY_M = 1000.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _metres(geoms: list[shapely.Geometry], proj: Projection) -> list[shapely.Geometry]:
    return [
        shapely.transform(g, lambda c: np.column_stack(proj.forward(c[:, 0], c[:, 1])))
        for g in geoms
    ]


def row(
    label: str,
    grids: list[shapely.Geometry],
    area: shapely.Geometry,
    site_xy: np.ndarray,
    site_grid: np.ndarray,
) -> str:
    m = compactness.measure_all(grids, area)
    lon0, lat0 = area.centroid.x, area.centroid.y
    proj = Projection(lon0, lat0)
    gm = _metres(grids, proj)
    smooth = [compactness._pp(g.simplify(SMOOTH_M)) for g in gm]
    sx, sy = proj.forward(site_xy[:, 0], site_xy[:, 1])
    empty = []
    for i, g in enumerate(gm):
        mine = site_grid == i
        near = shapely.union_all(
            shapely.buffer(shapely.points(sx[mine], sy[mine]), EMPTY_M, quad_segs=8)
        )
        empty.append(1 - shapely.intersection(g, near).area / g.area if g.area else 0.0)
    pp = np.array([c.polsby_popper for c in m])
    return (
        f"| {label} | {len(grids)} | {pp.mean():.2f} (min {pp.min():.2f}) "
        f"| {np.mean(smooth):.2f} | {np.mean([c.pp_ceiling for c in m]):.2f} "
        f"| {np.mean([c.pp_relative for c in m]):.2f} "
        f"| {np.mean([c.hull_fill for c in m]):.2f} (min {min(c.hull_fill for c in m):.2f}) "
        f"| {np.mean([c.outline_share for c in m]):.0%} | {np.mean(empty):.0%} |"
    )


def churn(before: np.ndarray, after: np.ndarray, k: int) -> float:
    """Share of sites whose grid changed, after matching labels (a relabelling is no churn)."""
    overlap = np.zeros((k, k))
    ok = (before >= 0) & (after >= 0)
    np.add.at(overlap, (before[ok], after[ok]), 1)
    r, c = linear_sum_assignment(overlap, maximize=True)
    return float(1 - overlap[r, c].sum() / len(before))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--k", type=int, default=30, help="grids (the demo's current plan has 30)")
    ap.add_argument(
        "--warm-sweep",
        action="store_true",
        help="also: warm start versus from scratch on bases increasingly far from balance",
    )
    args = ap.parse_args()
    area = outline()
    specs = [s for s in generate_sites(args.seed) if not s.estate]
    xy = np.array([(s.lon, s.lat) for s in specs])
    hh = np.array([s.households for s in specs], dtype=float)
    cu = np.array([s.customers for s in specs], dtype=float)
    log(f"{len(specs)} units, outline {shapely.get_num_coordinates(area)} vertices")
    county = generate(args.seed, grids=args.k)
    current = [shape(g.boundary) for g in county.grids]
    where = np.full(len(specs), -1)
    for i, g in enumerate(current):
        where[shapely.contains_xy(g, xy[:, 0], xy[:, 1]) & (where < 0)] = i
    tot = np.bincount(where[where >= 0], weights=hh[where >= 0], minlength=args.k)
    dev = np.abs(tot / tot.mean() - 1).max()
    print(f"demo seed {args.seed}: {len(specs)} units, K={args.k}; current grids ±{dev:.0%} hh\n")
    print(
        "| plan | households ± | customers ± | churn | PP mean | PP·smooth 200 m | ceiling "
        "| PP/ceiling | fill | border | empty >1 km |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| demo current grids (Voronoi of seeds) | {dev:.0%} | – | – |"
          + row("", current, area, xy, where).split("|", 3)[3])  # fmt: skip
    both = {"households": hh, "customers": cu}
    runs = [
        ("auto, stable (warm start from current)", both, area, where, 0.5),
        ("auto, from scratch", both, area, None, 0.5),
        ("auto, from scratch, households only", {"households": hh}, area, None, 0.5),
        ("auto, from scratch, compactness 1", both, area, None, 1.0),
        ("auto, from scratch, outline → its convex hull", both, area.convex_hull, None, 0.5),
        ("auto, from scratch, outline → bounding box", both, shapely.box(*area.bounds), None, 0.5),
    ]
    for label, weights, outl, initial, comp in runs:
        t = time.perf_counter()
        r = partition(
            Problem(
                ids=[s.code for s in specs],
                lon=xy[:, 0],
                lat=xy[:, 1],
                weights=weights,
                k=args.k,
                outline=outl,
                initial=initial,
                compactness=comp,
            )
        )
        log(f"{label}: {time.perf_counter() - t:.1f} s")
        tot = np.bincount(r.assignment, weights=cu, minlength=args.k)
        cdev = np.abs(tot / tot.mean() - 1).max()
        head = (
            f"| {label} | {r.max_deviation['households']:.1%} | {cdev:.0%} "
            f"| {churn(where, r.assignment, args.k):.0%} |"
        )
        print(head + row("", list(r.polygons), outl, xy, r.assignment).split("|", 3)[3])
    if args.warm_sweep:
        warm_sweep([s.code for s in specs], xy, hh, cu, area, args.k)


def warm_sweep(
    ids: list[str], xy: np.ndarray, hh: np.ndarray, cu: np.ndarray, area: shapely.Geometry, k: int
) -> None:
    """A balanced plan whose households then change (10% of sites, or every grid by a factor
    lognormal(0, σ)): re-balance it from itself (the auto plan's "fewest changes") or from
    scratch."""

    def run(weights: np.ndarray, initial: np.ndarray | None) -> Any:
        return partition(
            Problem(
                ids=ids,
                lon=xy[:, 0],
                lat=xy[:, 1],
                weights={"households": weights, "customers": cu},
                k=k,
                outline=area,
                initial=initial,
            )
        )

    base = run(hh, None).assignment
    print("\n| change | base households ± | warm: churn · PP · fill | scratch: churn · PP · fill |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(1)
    few = rng.choice(len(hh), len(hh) // 10, replace=False)
    some_sites = hh.copy()
    some_sites[few] *= rng.lognormal(0, 0.5, len(few))
    changes = [("10% of sites ×lognormal(0, 0.5)", some_sites)]
    for sigma in (0.2, 0.35, 0.5, 0.7, 1.0):
        factor = np.random.default_rng(7).lognormal(0, sigma, k)
        changes.append((f"each grid ×lognormal(0, {sigma})", hh * factor[base]))
    for label, w in changes:
        tot = np.bincount(base, weights=w, minlength=k)
        cells = []
        for initial in (base, None):
            r = run(w, initial)
            fill = np.mean([m.hull_fill for m in compactness.measure_all(list(r.polygons), area)])
            cells.append(
                f"{churn(base, r.assignment, k):.0%} · {np.mean(r.compactness):.2f} · {fill:.2f}"
            )
        dev = np.abs(tot / tot.mean() - 1).max()
        print(f"| {label} | {dev:.0%} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
