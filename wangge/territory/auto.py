"""Automatic partition of the service area into a draft plan, run in the background."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.services import audited_create
from wangge.org.models import Grid
from wangge.territory import geometry
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import GridPlan, PlanGrid, Site
from wangge.territory.services import (
    acting_user,
    plan_refresh_totals,
    require_plan_editor,
    service_area_geometry,
    unit_arrays,
    write_assignments,
)

log = logging.getLogger(__name__)

MIN_TOLERANCE, MAX_TOLERANCE = 0.005, 0.5


def plan_auto_create(
    *,
    actor: Any,
    name: str,
    k: int,
    attributes: list[str],
    tolerance: float = 0.05,
    secondary_tolerance: float = 0.10,
    compactness: float = 0.5,
    stable: bool = True,
    locked_codes: list[str] | None = None,
    frontier: int = 0,
) -> GridPlan:
    """Queue an automatic partition; the draft shows its progress until the worker is done.

    With `frontier` (a number of points), the worker computes that many plans for the user to
    choose from instead (see `territory.frontier`)."""
    require_plan_editor(actor)
    errors: dict[str, str] = {}
    if not attributes or any(a not in BALANCE_ATTRIBUTES for a in attributes):
        errors["attributes"] = _("请选择要均衡的指标。")
    n_sites = Site.objects.filter(estate__isnull=True).count()
    if not 1 <= k <= max(n_sites, 1):
        errors["k"] = _("网格数必须在 1 到单元数（%(n)s）之间。") % {"n": n_sites}
    for field, value in (("tolerance", tolerance), ("secondary_tolerance", secondary_tolerance)):
        if not MIN_TOLERANCE <= value <= MAX_TOLERANCE:
            errors[field] = _("容差必须在 0.5% 到 50% 之间。")
    if not 0 <= compactness <= 1:
        errors["compactness"] = _("紧凑度权重必须在 0 到 1 之间。")
    if errors:
        raise ValidationError(errors)
    active = GridPlan.objects.active()
    with transaction.atomic():
        plan = audited_create(
            actor=actor,
            instance=GridPlan(
                name=name,
                source=GridPlan.Source.AUTO,
                based_on=active if stable else None,
                created_by=acting_user(actor),
                progress=0.0,
                progress_note=_("排队中"),
                params={
                    "k": k,
                    "attributes": attributes,
                    "tolerance": tolerance,
                    "secondary_tolerance": secondary_tolerance,
                    "compactness": compactness,
                    "stable": stable,
                    "locked_codes": locked_codes or [],
                    **({"frontier": frontier} if frontier else {}),
                },
            ),
        )
        from wangge.territory.tasks import run_frontier, run_partition

        plan_id = plan.pk
        task = run_frontier if frontier else run_partition
        transaction.on_commit(lambda: task.enqueue(plan_id))
    return plan


def _progress(plan_id: int) -> Any:
    last = [0.0]

    def report(fraction: float, note: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.3 and fraction < 1:
            return  # the page polls every second; more writes only contend with it
        last[0] = now
        GridPlan.objects.filter(pk=plan_id).update(
            progress=min(max(fraction, 0.0), 0.99), progress_note=note[:200]
        )

    return report


def plan_auto_run(plan_id: int) -> None:
    """The task body: partition, then write the draft's grids and assignments in one go."""
    plan = GridPlan.objects.get(pk=plan_id)
    if not plan.running:
        return  # already done (a task delivered twice must not write the grids twice)
    p = plan.params
    try:
        from wangge.territory.partition import Problem, partition

        sites = unit_arrays()
        base = plan.based_on
        base_grids: list[PlanGrid] = list(base.grids.order_by("code")) if base else []
        initial, locked = _warm_start(base, base_grids, sites["id"], p)
        problem = Problem(
            ids=[str(i) for i in sites["id"].tolist()],
            lon=sites["lon"],
            lat=sites["lat"],
            weights={a: sites[a] for a in p["attributes"]},
            k=int(p["k"]),
            tolerance=float(p["tolerance"]),
            secondary_tolerance=float(p["secondary_tolerance"]),
            outline=service_area_geometry(),
            locked=locked or None,
            initial=initial,
            compactness=float(p["compactness"]),
            seed=0,
        )
        result = partition(problem, progress=_progress(plan_id))
    except Exception as exc:
        log.exception("partition of plan %s failed", plan_id)
        GridPlan.objects.filter(pk=plan_id).update(failed=str(exc)[:2000])
        return
    _write_result(plan, base_grids, sites["id"], result)


def _warm_start(
    base: GridPlan | None, base_grids: list[PlanGrid], site_ids: np.ndarray, p: dict[str, Any]
) -> tuple[np.ndarray | None, dict[int, int]]:
    """The current plan as a starting point (for stability) when it has the same K."""
    if base is None or len(base_grids) != int(p["k"]):
        return None, {}
    pos = {g.pk: n for n, g in enumerate(base_grids)}
    current = dict(base.assignments.values_list("site_id", "plan_grid_id"))
    initial = np.array(
        [pos.get(current.get(int(s), -1) or -1, -1) for s in site_ids.tolist()], dtype=np.int64
    )
    locked_pos = {n for n, g in enumerate(base_grids) if g.code in set(p.get("locked_codes", []))}
    locked = {i: int(g) for i, g in enumerate(initial.tolist()) if g in locked_pos}
    return initial, locked


@transaction.atomic
def _write_result(
    plan: GridPlan, base_grids: list[PlanGrid], site_ids: np.ndarray, result: Any
) -> None:
    k = len(result.polygons)
    names = _name_grids(plan.based_on, base_grids, site_ids, result.assignment, k)
    rows = []
    for i in range(k):
        code, name, base = names[i]
        rows.append(
            PlanGrid(
                plan=plan,
                grid=base.grid if base else None,
                region=base.region if base else None,
                code=code,
                name=name,
                boundary=geometry.rounded(result.polygons[i]) if result.polygons[i] else None,
            )
        )
    grids = PlanGrid.objects.bulk_create(rows)
    write_assignments(
        plan, site_ids, [grids[int(g)] if g >= 0 else None for g in result.assignment.tolist()]
    )
    plan.summary = {
        "partition": {
            "max_deviation": {a: float(v) for a, v in result.max_deviation.items()},
            "disconnected": list(map(int, result.disconnected)),
            "compactness_mean": float(np.mean(result.compactness)) if k else 0.0,
            "compactness_min": float(np.min(result.compactness)) if k else 0.0,
            "moved": int(result.moved),
            "seconds": round(float(result.seconds), 2),
            "issues": [
                {
                    "code": i.code,
                    "message": i.message,
                    "attribute": i.attribute,
                    "site_ids": list(i.site_ids)[:50],
                    "grid": i.grid,
                    "where": i.where,
                }
                for i in result.issues
            ],
        }
    }
    plan.progress = 1.0
    plan.progress_note = ""
    plan.save(update_fields=["summary", "progress", "progress_note"])
    plan_refresh_totals(plan)


def _name_grids(
    base: GridPlan | None,
    base_grids: list[PlanGrid],
    site_ids: np.ndarray,
    assignment: np.ndarray,
    k: int,
) -> list[tuple[str, str, PlanGrid | None]]:
    """Carry the current grids' codes and names over to the new grids most like them.

    New grid i takes the code of the current grid sharing most sites with it (a maximum
    matching, so no code is used twice); the rest get fresh codes no grid has ever had, so
    activating a plan never hands an unrelated area to an existing grid's team.
    """
    from scipy.optimize import linear_sum_assignment

    names: list[tuple[str, str, PlanGrid | None]] = [("", "", None)] * k
    if base is not None and base_grids:
        pos = {g.pk: n for n, g in enumerate(base_grids)}
        current = dict(base.assignments.values_list("site_id", "plan_grid_id"))
        old = np.array([pos.get(current.get(int(s)) or -1, -1) for s in site_ids.tolist()])
        ok = (old >= 0) & (assignment >= 0)
        overlap = np.zeros((k, len(base_grids)))
        np.add.at(overlap, (assignment[ok], old[ok]), 1)
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if overlap[r, c] > 0:
                names[r] = (base_grids[c].code, base_grids[c].name, base_grids[c])
    taken = {n[0] for n in names} | set(Grid.objects.values_list("code", flat=True))
    taken |= set(PlanGrid.objects.values_list("code", flat=True))
    n = 1
    for i in range(k):
        if names[i][0]:
            continue
        while f"WG-{n:03d}" in taken:
            n += 1
        code = f"WG-{n:03d}"
        taken.add(code)
        names[i] = (code, _("网格 %(n)s") % {"n": n}, None)
    return names
