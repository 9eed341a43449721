"""Grid-division endpoints: the active grids as GeoJSON, sites, plans. Scoped like the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from wangge.core.access import require, user_can
from wangge.core.api import MAX_ID, QUERY_TEXT_PATTERN, BodyIn, Id, integer, text, with_errors
from wangge.org.models import Grid
from wangge.org.permissions import Action
from wangge.territory import auto, selectors, services
from wangge.territory.models import GridPlan, Site

router = Router(tags=["territory"])

Attribute = Literal["households", "customers", "covered_households", "free_ports", "workload"]


class SiteOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    address: str
    lon: float
    lat: float
    grid_id: int | None
    estate_id: int | None
    households: int
    covered_households: int
    free_ports: int
    customers: int


class SitePage(Schema):
    count: int
    items: list[SiteOut]


class SiteFilter(Schema):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    kind: Literal["", "estate", "building", "premises"] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    outside: bool = False
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class PlanOut(Schema):
    id: int
    name: str
    status: str
    source: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    progress: float
    failed: str
    params: dict[str, Any]
    summary: dict[str, Any]


class AutoPlanIn(BodyIn):
    name: text(100, 1)  # type: ignore[valid-type]
    k: integer(1, 5000)  # type: ignore[valid-type]
    attributes: list[Attribute] = Field(min_length=1, max_length=5)
    tolerance: float = Field(0.05, ge=0.005, le=0.5)
    secondary_tolerance: float = Field(0.10, ge=0.005, le=0.5)
    compactness: float = Field(0.5, ge=0, le=1)
    stable: bool = True
    locked_codes: list[text(32, 1)] = Field(default_factory=list, max_length=5000)  # type: ignore[valid-type]


class ActivateIn(BodyIn):
    # JSON has no date type: the ISO string must be parsed, which strict mode would refuse.
    effective_from: dt.date = Field(strict=False)


class FeatureCollection(Schema):
    type: str
    features: list[dict[str, Any]]


def _visible_grid_ids(request: HttpRequest) -> set[int] | None:
    if user_can(request.user, Action.MANAGE_ORG):
        return None
    return set(Grid.objects.visible_to(request.user).values_list("id", flat=True))


@router.get(
    "/territory/grids.geojson",
    response=with_errors({200: FeatureCollection}),
    summary="Active grids (GeoJSON) with their totals",
)
def active_grids(request: HttpRequest) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    return selectors.active_plan_features(user=request.user)


@router.get("/territory/sites", response=with_errors({200: SitePage}))
def site_list(request: HttpRequest, filters: Query[SiteFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    qs = selectors.site_list(
        user=request.user,
        q=filters.q,
        kind=filters.kind,
        grid_id=filters.grid,
        outside=filters.outside,
    )
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.get("/territory/sites/{site_id}", response=with_errors({200: SiteOut}))
def site_detail(request: HttpRequest, site_id: Path[Id]) -> Site:
    require(request.user, Action.VIEW_ORG)
    return get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)


@router.get("/territory/plans", response=with_errors({200: list[PlanOut]}))
def plan_list(request: HttpRequest) -> Any:
    require(request.user, Action.VIEW_ORG)
    return selectors.plan_list(user=request.user)[:200]


# Declared before /plans/{plan_id}: ninja matches paths in order, and "auto" is not an id.
@router.post(
    "/territory/plans/auto",
    response=with_errors({201: PlanOut}),
    summary="Queue an automatic partition into a draft plan",
)
def plan_auto(request: HttpRequest, payload: AutoPlanIn) -> Status[GridPlan]:
    require(request.user, Action.MANAGE_ORG)
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
    require(request.user, Action.VIEW_ORG)
    return get_object_or_404(GridPlan.objects.visible_to(request.user), pk=plan_id)


@router.get("/territory/plans/{plan_id}/geojson", response=with_errors({200: FeatureCollection}))
def plan_geojson(request: HttpRequest, plan_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    plan = get_object_or_404(GridPlan.objects.visible_to(request.user), pk=plan_id)
    return selectors.plan_feature_collection(plan, grid_ids=_visible_grid_ids(request))


@router.post("/territory/plans/{plan_id}/activate", response=with_errors({200: PlanOut}))
def plan_activate(request: HttpRequest, plan_id: Path[Id], payload: ActivateIn) -> GridPlan:
    require(request.user, Action.MANAGE_ORG)
    plan = get_object_or_404(GridPlan.objects.visible_to(request.user), pk=plan_id)
    return services.plan_activate(
        actor=request.user, plan=plan, effective_from=payload.effective_from
    )
