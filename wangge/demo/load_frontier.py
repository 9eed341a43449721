"""Demo: one automatic plan with its frontier computed, so the plan page shows the chart.

Six grids and three plans keep it to about two CPU seconds on the demo county (most of it the
units' cells, which the partitioner caches). It is computed here, inline, rather than left to
the worker: `make demo` shows it at once, and the queued task finds it done and returns.
"""

from __future__ import annotations

from wangge.core.access import SYSTEM
from wangge.territory import frontier
from wangge.territory.models import GridPlan

NAME = "方案前沿示例（6 个网格）"
GRIDS = 6
POINTS = 3


def load_frontier(seed: int) -> dict[str, int]:
    plan = frontier.plan_frontier_create(
        actor=SYSTEM,
        points=POINTS,
        name=NAME,
        k=GRIDS,
        attributes=["households", "customers"],
        tolerance=0.05,
        secondary_tolerance=0.10,
        compactness=0.5,
        stable=False,
    )
    frontier.plan_frontier_run(plan.pk)
    plan = GridPlan.objects.get(pk=plan.pk)
    return {"frontier_points": len(frontier.frontier_points(plan))}
