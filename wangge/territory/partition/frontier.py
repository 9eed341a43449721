"""The trade-off between compact grids and a balanced secondary attribute, as a few plans.

Where the secondary attribute's ratio to the primary differs by area (customer penetration
high in a town centre, low in the countryside), compact grids inherit their area's ratio, and
only grids that reach from dense areas into sparse ones balance both. How far to go is the
user's call, so `frontier` computes a few plans from the problem's own compactness setting
(the most compact point: the plan `partition` gives for that problem) down to 0 (balance at
any shape cost), each with its figures. Every point keeps the primary attribute in its aim
and every grid in one piece; they differ in compactness and in the secondary deviations.

The setting does not map monotonically onto the outcome (a cut chosen differently at the top
of the bisection changes everything below it), so a point can come out worse on both counts
than another; such points are marked `dominated` rather than hidden, and the figures are what
the plans measure, not what the setting promises.
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


def settings(top: float, n: int) -> list[float]:
    """n compactness settings from `top` down to 0, evenly spaced."""
    if n == 1:
        return [float(top)]
    return [float(top) * (1.0 - i / (n - 1)) for i in range(n)]


def frontier(problem: Problem, n: int = 5, progress: Progress | None = None) -> list[Point]:
    """n plans from the most compact (the problem's setting) to the most balanced."""
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
    points: list[Point] = []
    steps = settings(problem.compactness, int(n))
    for i, c in enumerate(steps):

        def tick(f: float, note: str, i: int = i) -> None:
            report((i + f) / len(steps), f"{i + 1}/{len(steps)} {note}")

        result = partition(dataclasses.replace(problem, cells=cells, compactness=c), tick)
        points.append(Point(setting=c, result=result))
    mark_dominated(points)
    report(1.0, "done")
    return points


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
