"""The trade-off between compact grids and a balanced secondary attribute, as a few plans.

Where the secondary attribute's ratio to the primary differs by area (customer penetration
high in a town centre, low in the countryside), compact grids inherit their area's ratio, and
only grids that reach from dense areas into sparse ones balance both. How far to go is the
user's call, so `frontier` computes a few plans from the problem's own compactness setting
(the most compact point: the plan `partition` gives for that problem) down to 0 (balance at
any shape cost), each with its figures. Every point keeps the primary attribute in its aim
and every grid in one piece; they differ in compactness and in the secondary deviations.

The settings are spaced adaptively: the two ends first, then, again and again, the middle of
the two neighbouring settings whose plans differ most (in compactness and secondary deviation,
each scaled by its range over the plans so far), so the points spread along the trade-off
instead of crowding where the setting changes little. The setting does not map monotonically
onto the outcome (a cut chosen differently at the top of the bisection changes everything
below it), so a plan can come out worse on both counts than another; such plans are left out,
and fewer than n points come back. The figures are what the plans measure, not what the
setting promises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import geometry
from .core import partition
from .types import Problem, Result

MAX_POINTS = 10
Progress = Callable[[float, str], None]


MIN_STEP = 1e-3  # settings closer than this are not split further


@dataclass
class Point:
    setting: float  # the compactness setting this plan was computed with
    result: Result
    dominated: bool = False  # another point is at least as compact and as balanced

    @property
    def mean_compactness(self) -> float:
        pp = self.result.compactness
        return float(pp.mean()) if len(pp) else 0.0

    def secondary_deviation(self) -> float:
        """The worst deviation over the attributes after the primary."""
        devs = list(self.result.max_deviation.values())[1:]
        return max(devs) if devs else 0.0


def next_setting(points: list[Point]) -> float | None:
    """The middle of the two neighbouring settings whose plans differ most, or None when every
    gap is too narrow to split."""
    pts = sorted(points, key=lambda p: -p.setting)
    figures = np.array([(p.mean_compactness, p.secondary_deviation()) for p in pts])
    span = figures.max(axis=0) - figures.min(axis=0)
    scaled = figures / np.where(span > 0, span, 1.0)
    best, gap = None, -1.0
    for a, b, fa, fb in zip(pts, pts[1:], scaled, scaled[1:], strict=False):
        if a.setting - b.setting < 2 * MIN_STEP:
            continue
        d = float(np.hypot(*(fa - fb)))
        if d > gap:
            best, gap = 0.5 * (a.setting + b.setting), d
    return best


def frontier(problem: Problem, n: int = 5, progress: Progress | None = None) -> list[Point]:
    """Up to n plans from the most compact (the problem's setting) to the most balanced, none
    dominated by another, most compact first."""
    if int(n) != n or not 1 <= n <= MAX_POINTS:
        raise ValueError(f"the number of frontier points must be between 1 and {MAX_POINTS}")
    if len(problem.weights) < 2:
        raise ValueError("the frontier needs a second attribute to balance")
    report = progress or (lambda f, note: None)
    cells = problem.cells or geometry.build_cells_cached(
        np.asarray(problem.lon, dtype=np.float64),
        np.asarray(problem.lat, dtype=np.float64),
        problem.outline,
        tuple(problem.barriers),
    )
    n = int(n)
    top = float(problem.compactness)
    points: list[Point] = []
    setting: float | None = top
    while setting is not None and len(points) < n:
        i = len(points)

        def tick(f: float, note: str, i: int = i) -> None:
            report((i + f) / n, f"{i + 1}/{n} {note}")

        result = partition(dataclasses.replace(problem, cells=cells, compactness=setting), tick)
        points.append(Point(setting=setting, result=result))
        if len(points) == 1:
            setting = 0.0 if top >= 2 * MIN_STEP else None
        else:
            setting = next_setting(points)
    mark_dominated(points)
    report(1.0, "done")
    return sorted((p for p in points if not p.dominated), key=lambda p: -p.setting)


def mark_dominated(points: list[Point]) -> None:
    """A point is dominated when another is no less compact and no less balanced on the
    secondary attributes, and better on one of them."""
    figures = [(p.mean_compactness, p.secondary_deviation()) for p in points]
    for p, (pp, dev) in zip(points, figures, strict=True):
        p.dominated = any(
            q_pp >= pp and q_dev <= dev and (q_pp > pp or q_dev < dev) for q_pp, q_dev in figures
        )


def grid_polygons(problem: Problem, assignment: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """Polygons (WGS-84) and Polsby-Popper per grid of a plan computed earlier, so a chosen
    point need not be computed again (its cells come from the cache when the sites are the
    same)."""
    cells = problem.cells or geometry.build_cells_cached(
        np.asarray(problem.lon, dtype=np.float64),
        np.asarray(problem.lat, dtype=np.float64),
        problem.outline,
        tuple(problem.barriers),
    )
    assignment = np.asarray(assignment, dtype=np.int64)
    if assignment.shape != (len(cells.site_cell),):
        raise ValueError("the plan has a different number of sites")
    label = np.zeros(cells.n, dtype=np.int64)
    label[cells.site_cell] = assignment
    metric = geometry.dissolve(cells, label, int(problem.k))
    pp = geometry.polsby_popper(cells, metric)
    return [cells.projection.to_wgs84(g) for g in metric], pp
