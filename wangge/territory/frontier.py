"""The plan frontier: a few automatic plans from compact to balanced, one chosen as the draft.

`plan_frontier_create` queues the computation like an automatic plan (the same form and
checks); the worker stores each point's figures and assignment in the draft's summary, and
the plan page shows them as a chart and a table. `plan_frontier_pick` turns one point into
the draft's grids, without computing it again. The frontier starts afresh rather than from
the current plan: a warm start would hold every point near today's grids, which is the
opposite of showing what balance costs. Pinned grids still hold their sites.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.audit import audit_record
from wangge.core.models import AuditEntry
from wangge.territory.auto import _progress, _warm_start, _write_result, plan_auto_create
from wangge.territory.models import GridPlan, PlanGrid
from wangge.territory.services import require_plan_editor, service_area_geometry, unit_arrays

log = logging.getLogger(__name__)

DEFAULT_POINTS = 5


def plan_frontier_create(*, actor: Any, points: int = DEFAULT_POINTS, **params: Any) -> GridPlan:
    """Queue the frontier; `params` are those of `plan_auto_create` (validated the same way)."""
    if len(params.get("attributes") or []) < 2:
        raise ValidationError({"secondary": _("方案前沿需要至少一个其他均衡指标。")})
    if not 2 <= points <= 10:
        raise ValidationError(_("方案前沿的方案数必须在 2 到 10 之间。"))
    return plan_auto_create(actor=actor, frontier=points, **params)


def plan_frontier_run(plan_id: int) -> None:
    """The task body: compute the points and keep their figures and assignments."""
    plan = GridPlan.objects.get(pk=plan_id)
    if not plan.running:
        return
    p = plan.params
    try:
        from wangge.territory.partition import Problem, frontier

        sites = unit_arrays()
        base = plan.based_on
        base_grids: list[PlanGrid] = list(base.grids.order_by("code")) if base else []
        _initial, locked = _warm_start(base, base_grids, sites["id"], p)
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
            compactness=float(p["compactness"]),
            seed=0,
        )
        points = frontier(problem, int(p["frontier"]), progress=_progress(plan_id))
    except Exception as exc:
        log.exception("frontier of plan %s failed", plan_id)
        GridPlan.objects.filter(pk=plan_id).update(failed=str(exc)[:2000])
        return
    GridPlan.objects.filter(pk=plan_id).update(
        summary={
            "frontier": {
                "site_ids": sites["id"].tolist(),
                "attributes": list(p["attributes"]),
                "points": [_point(pt) for pt in points],
            }
        },
        progress=1.0,
        progress_note="",
    )


def _point(pt: Any) -> dict[str, Any]:
    r = pt.result
    return {
        "setting": round(float(pt.setting), 4),
        "dominated": bool(pt.dominated),
        "max_deviation": {a: float(v) for a, v in r.max_deviation.items()},
        "compactness_mean": float(np.mean(r.compactness)) if len(r.compactness) else 0.0,
        "compactness_min": float(np.min(r.compactness)) if len(r.compactness) else 0.0,
        "disconnected": list(map(int, r.disconnected)),
        "seconds": round(float(r.seconds), 2),
        "issues": [
            {"code": i.code, "message": i.message, "attribute": i.attribute, "grid": i.grid}
            for i in r.issues
        ],
        "assignment": r.assignment.tolist(),
    }


def frontier_points(plan: GridPlan) -> list[dict[str, Any]]:
    """The points to choose from (figures only), or [] when there is nothing to choose."""
    data = (plan.summary or {}).get("frontier") or {}
    if not data.get("points") or data.get("chosen") is not None:
        return []
    return [
        {k: v for k, v in pt.items() if k != "assignment"} | {"index": n}
        for n, pt in enumerate(data["points"])
    ]


def plan_frontier_pick(*, actor: Any, plan: GridPlan, index: int) -> GridPlan:
    """Make point `index` of the plan's frontier its grids (the draft), once."""
    require_plan_editor(actor)
    from wangge.territory.partition import Issue, Problem, Result, grid_polygons

    with transaction.atomic():
        plan = GridPlan.objects.select_for_update().get(pk=plan.pk)
        data = (plan.summary or {}).get("frontier") or {}
        if not plan.editable or plan.running or data.get("chosen") is not None:
            raise ValidationError(_("这个方案已经选定，不能再从方案前沿中选择。"))
        points = data.get("points") or []
        if not 0 <= index < len(points):
            raise ValidationError(_("请选择方案前沿中的一个方案。"))
        chosen = points[index]
        sites = unit_arrays()
        stored = np.asarray(data["site_ids"], dtype=np.int64)
        if len(stored) != len(sites["id"]) or (np.sort(stored) != sites["id"]).any():
            raise ValidationError(_("单元在计算之后有变化，请重新生成方案前沿。"))
        by_id = dict(zip(stored.tolist(), chosen["assignment"], strict=True))
        assignment = np.array([by_id[s] for s in sites["id"].tolist()], dtype=np.int64)
        k = int(plan.params["k"])
        problem = Problem(
            ids=[str(i) for i in sites["id"].tolist()],
            lon=sites["lon"],
            lat=sites["lat"],
            weights={a: sites[a] for a in data["attributes"]},
            k=k,
            outline=service_area_geometry(),
        )
        polygons, pp = grid_polygons(problem, assignment)
        result = Result(
            assignment=assignment,
            polygons=polygons,
            totals={},
            deviation={},
            max_deviation=chosen["max_deviation"],
            compactness=pp,
            disconnected=chosen["disconnected"],
            moved=0,
            issues=[
                Issue(
                    code=i["code"], message=i["message"], attribute=i["attribute"], grid=i["grid"]
                )
                for i in chosen["issues"]
            ],
            seconds=chosen["seconds"],
        )
        base = plan.based_on
        base_grids = list(base.grids.order_by("code")) if base else []
        _write_result(plan, base_grids, sites["id"], result)
        plan.refresh_from_db()
        kept = [{k: v for k, v in pt.items() if k != "assignment"} for pt in points]
        plan.summary = {**plan.summary, "frontier": {"points": kept, "chosen": index}}
        plan.save(update_fields=["summary"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=plan,
            before=None,
            after={"frontier_point": index + 1, "setting": chosen["setting"]},
        )
    return plan


def frontier_context(plan: GridPlan, *, editor: bool) -> dict[str, Any]:
    """What the plan page needs to show the frontier: table rows, columns and chart data."""
    from wangge.territory.attributes import BALANCE_ATTRIBUTES

    points = frontier_points(plan) if editor else []
    if not points:
        return {"frontier": []}
    names = list(plan.summary["frontier"]["attributes"])
    secondary = names[1:]
    return {
        "frontier": points,
        "can_pick": editor,
        "frontier_attributes": [{"key": a, "label": BALANCE_ATTRIBUTES.get(a, a)} for a in names],
        "frontier_chart": {
            "points": [
                {
                    "index": p["index"],
                    "compactness": round(p["compactness_mean"], 3),
                    "deviation": round(100 * max(p["max_deviation"][a] for a in secondary), 2),
                    "dominated": p["dominated"],
                }
                for p in points
            ],
            "labels": {
                "x": _("平均紧凑度（越大越紧凑）"),
                "y": _("其他指标最大偏差"),
                "point": _("方案"),
            },
        },
    }
