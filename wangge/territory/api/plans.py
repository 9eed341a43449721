"""Grid plans (versions of the division): list, automatic partition, activation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Status, UploadedFile

from wangge.core.api import ERRORS, ApiRouter, Id, with_errors
from wangge.core.permissions import require
from wangge.territory import auto, kml, selectors, services
from wangge.territory.api.schemas import (
    ActivateIn,
    AutoPlanIn,
    FeatureCollection,
    FrontierOut,
    FrontierQuery,
    KmlExportQuery,
    KmlImportIn,
    PlanOut,
)
from wangge.territory.models import GridPlan, Site
from wangge.territory.permissions import Action as TerritoryAction

#: Larger uploads are refused before they are read: a county's plan with its sites is a few MB.
MAX_KML_UPLOAD_BYTES = 20 * 1024 * 1024
KML_TYPE = "application/vnd.google-earth.kml+xml"
KMZ_TYPE = "application/vnd.google-earth.kmz"

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


@router.post(
    "/territory/plans/import/kml",
    response=with_errors({201: PlanOut}),
    summary="Import a KML or KMZ file of grids as a draft plan",
)
def plan_import_kml(
    request: HttpRequest, payload: Form[KmlImportIn], file: File[UploadedFile | None] = None
) -> Status[GridPlan]:
    """Multipart: `file` (.kml or .kmz) with `name` and `crs`. Checked like the page's import:
    a file that is not KML, or whose grids cannot be used, is refused (400) with the reason,
    and nothing is written."""
    require(request.user, TerritoryAction.EDIT_PLANS)
    # An empty upload reaches Django as no file at all: both are the same refusal (400).
    if file is None or not file.size:
        raise ValidationError({"file": _("请上传 KML 或 KMZ 文件。")})
    if file.size > MAX_KML_UPLOAD_BYTES:
        raise ValidationError({"file": _("文件太大（上限 20 MB）。")})
    plan = services.plan_import_kml(
        actor=request.user, name=payload.name, data=file.read(), crs=payload.crs
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


@router.get(
    "/territory/plans/{plan_id}/kml",
    response=ERRORS,
    summary="The plan as KML (or KMZ): the grids the user may read, optionally their sites",
    openapi_extra={
        "responses": {
            "200": {
                "description": "KML 2.2 (KMZ with kmz=true)",
                "content": {
                    KML_TYPE: {"schema": {"type": "string"}},
                    KMZ_TYPE: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def plan_kml(request: HttpRequest, plan_id: Path[Id], query: Query[KmlExportQuery]) -> Any:
    plan = selectors.plan_detail(user=request.user, pk=plan_id)
    sites = Site.objects.visible_to(request.user) if query.sites else None
    body = services.plan_export_kml(
        plan, grid_ids=selectors.plan_grid_ids(user=request.user), sites=sites
    )
    if query.kmz:
        response = HttpResponse(kml.kmz(body), content_type=KMZ_TYPE)
        response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.kmz"'
    else:
        response = HttpResponse(body, content_type=KML_TYPE)
        response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.kml"'
    return response


@router.get(
    "/territory/plans/{plan_id}/frontier",
    response=with_errors({200: FrontierOut}),
    summary="The plan's frontier: every point's figures; one point's assignment on request",
)
def plan_frontier(
    request: HttpRequest, plan_id: Path[Id], query: Query[FrontierQuery]
) -> dict[str, Any]:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = selectors.plan_detail(user=request.user, pk=plan_id)
    data = selectors.plan_summary(user=request.user, plan=plan).get("frontier") or {}
    out: dict[str, Any] = {
        "attributes": data.get("attributes") or [],
        "chosen": data.get("chosen"),
        "points": [pt | {"index": n} for n, pt in enumerate(data.get("points") or [])],
        "point": None,
    }
    if query.point is not None:
        out["point"] = selectors.frontier_point(user=request.user, plan=plan, index=query.point)
        if out["point"] is None:
            raise Http404("no such frontier point")
    return out
