"""Grid plans (versions of the division): list, automatic partition, activation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Status

from wangge.core.api import ApiRouter, Id, with_errors
from wangge.core.permissions import require
from wangge.territory import auto, selectors, services
from wangge.territory.api.schemas import ActivateIn, AutoPlanIn, FeatureCollection, PlanOut
from wangge.territory.models import GridPlan
from wangge.territory.permissions import Action as TerritoryAction

router = ApiRouter()


@router.get("/territory/plans", response=with_errors({200: list[PlanOut]}))
def plan_list(request: HttpRequest) -> Any:
    return selectors.plan_list(user=request.user)[:200]


# Declared before /plans/{plan_id}: ninja matches paths in order, and "auto" is not an id.
@router.post(
    "/territory/plans/auto",
    response=with_errors({201: PlanOut}),
    summary="Queue an automatic partition into a draft plan",
)
def plan_auto(request: HttpRequest, payload: AutoPlanIn) -> Status[GridPlan]:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = auto.plan_auto_create(
        actor=request.user,
        name=payload.name,
        k=payload.k,
        attributes=list(payload.attributes),
        tolerance=payload.tolerance,
        secondary_tolerance=payload.secondary_tolerance,
        compactness=payload.compactness,
        stable=payload.stable,
        locked_codes=list(payload.locked_codes),
    )
    plan.refresh_from_db()
    return Status(201, plan)


@router.get("/territory/plans/{plan_id}", response=with_errors({200: PlanOut}))
def plan_detail(request: HttpRequest, plan_id: Path[Id]) -> GridPlan:
    # PlanOut reads the summary through selectors.plan_summary: planners only.
    return selectors.plan_detail(user=request.user, pk=plan_id)


@router.get("/territory/plans/{plan_id}/geojson", response=with_errors({200: FeatureCollection}))
def plan_geojson(request: HttpRequest, plan_id: Path[Id]) -> dict[str, Any]:
    plan = selectors.plan_detail(user=request.user, pk=plan_id)
    return selectors.plan_geojson(user=request.user, plan=plan)


@router.post("/territory/plans/{plan_id}/activate", response=with_errors({200: PlanOut}))
def plan_activate(request: HttpRequest, plan_id: Path[Id], payload: ActivateIn) -> GridPlan:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = get_object_or_404(GridPlan.objects.visible_to(request.user), pk=plan_id)
    return services.plan_activate(
        actor=request.user, plan=plan, effective_from=payload.effective_from
    )
