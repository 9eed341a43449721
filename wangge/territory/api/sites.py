"""Sites: the grid units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.org.models import Staff
from wangge.territory import selectors, services
from wangge.territory.api.schemas import (
    GridParam,
    SiteFilter,
    SiteIn,
    SiteOut,
    SitePage,
    SitePatch,
    SurveyAssignIn,
    SurveyAssignOut,
    SurveyOut,
)
from wangge.territory.models import AGE_SHARE_FIELDS, Site
from wangge.territory.permissions import Action as TerritoryAction

router = ApiRouter()


@router.get("/territory/sites", response=with_errors({200: SitePage}))
def site_list(request: HttpRequest, filters: Query[SiteFilter]) -> dict[str, Any]:
    require(request.user, TerritoryAction.VIEW_SITES)
    qs = selectors.site_list(
        user=request.user,
        q=filters.q,
        kind=filters.kind,
        grid_id=filters.grid,
        outside=filters.outside,
    )
    return paginate(qs, filters)


@router.get("/territory/sites/{site_id}", response=with_errors({200: SiteOut}))
def site_detail(request: HttpRequest, site_id: Path[Id]) -> Site:
    require(request.user, TerritoryAction.VIEW_SITES)
    return get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)


_SHARES = ("occupancy_rate", *AGE_SHARE_FIELDS, "tenant_share")


def _site_fields(user: Any, data: dict[str, Any], site: Site | None = None) -> dict[str, Any]:
    """The body as the service's fields: shares as decimals, the estate as a site the user
    sees (one they cannot is a 400 naming `estate_id`)."""
    out = dict(data)
    for key in _SHARES:
        if out.get(key) is not None:
            out[key] = Decimal(str(round(out[key], 4)))
    if "estate_id" in out:
        estate_id = out.pop("estate_id")
        if estate_id is None:
            out["estate"] = None
        elif site is not None and site.estate_id == estate_id:
            out["estate"] = site.estate
        else:
            estate = (
                Site.objects.visible_to(user).filter(pk=estate_id, kind=Site.Kind.ESTATE).first()
            )
            if estate is None:
                raise ValidationError({"estate_id": _("没有这个小区。")})
            out["estate"] = estate
    return out


def _editable(user: Any, site_id: int) -> Site:
    require(user, TerritoryAction.VIEW_SITES)
    site = get_object_or_404(Site.objects.visible_to(user), pk=site_id)
    require(user, TerritoryAction.EDIT_SITES, site)
    return site


@router.post("/territory/sites", response=with_errors({201: SiteOut}))
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Site]:
    """An estate, building or premises (school, enterprise, government, other): the market
    department anywhere, a grid manager inside their grids."""
    user = request.user
    require(user, TerritoryAction.VIEW_SITES)
    require(user, TerritoryAction.EDIT_SITES)
    data = payload.model_dump()
    verified = data.pop("verified")
    fields = _site_fields(user, data)
    if fields["kind"] == Site.Kind.PREMISES and not fields["premises_kind"]:
        # Older records may lack it; a new one says what it is (the form and imports agree).
        raise ValidationError({"premises_kind": _("新建时必须填写")})
    estate = fields.get("estate")
    for key in ("lon", "lat"):
        if fields[key] is None:
            if estate is None:
                raise ValidationError({key: _("新建时必须填写")})
            fields[key] = getattr(estate, key)
    site = services.site_create(actor=user, verified=verified, **fields)
    return Status(201, site)


@router.patch("/territory/sites/{site_id}", response=with_errors({200: SiteOut}))
def site_update(request: HttpRequest, site_id: Path[Id], payload: SitePatch) -> Site:
    user = request.user
    site = _editable(user, site_id)
    data = payload.model_dump(exclude_unset=True)
    verified = data.pop("verified", False)
    version = data.pop("version", None)
    fields = _site_fields(user, data, site)
    # Only what changes: resending the same point must not place the site again.
    fields = {k: v for k, v in fields.items() if getattr(site, k) != v}
    return services.site_update(
        actor=user, site=site, data=fields, verified=verified, version=version
    )


@router.post(
    "/territory/sites/{site_id}/verify",
    response=with_errors({200: SiteOut}),
    summary="Confirm a site's survey unchanged",
)
def site_verify(request: HttpRequest, site_id: Path[Id]) -> Site:
    user = request.user
    return services.site_verify(actor=user, site=_editable(user, site_id))


# --- survey assignment (分工逐一拜访) ---------------------------------------------------------


@router.get("/territory/surveys", response=with_errors({200: SurveyOut}))
def survey_progress(request: HttpRequest, grid: Query[GridParam]) -> dict[str, Any]:
    """Of the estates and premises assigned, how many were surveyed (verified) within the
    re-survey period: per grid (with those nobody has yet) and per person."""
    user = request.user
    require(user, TerritoryAction.VIEW_SITES)
    grids, people = selectors.survey_progress(
        user=user, grid_ids=[grid.grid] if grid.grid else None
    )
    return {
        "since": selectors.survey_since(),
        "grids": [
            {"id": g.key, "name": g.label, "assigned": g.assigned, "surveyed": g.surveyed,
             "unassigned": g.unassigned}
            for g in grids
        ],
        "people": [
            {"id": p.key, "name": p.label, "assigned": p.assigned, "surveyed": p.surveyed,
             "unassigned": 0}
            for p in people
        ],
    }  # fmt: skip


@router.post("/territory/surveys", response=with_errors({200: SurveyAssignOut}))
def survey_assign(request: HttpRequest, payload: SurveyAssignIn) -> dict[str, int]:
    """Hand the sites to a person of their grid (`assignee_id` null: take them back)."""
    user = request.user
    require(user, TerritoryAction.VIEW_SITES)
    require(user, TerritoryAction.EDIT_SITES)
    ids = set(payload.site_ids)
    sites = list(Site.objects.visible_to(user).filter(pk__in=ids))
    if len(sites) != len(ids):
        raise ValidationError({"site_ids": _("有网格单元不存在或您无权分派。")})
    assignee = None
    if payload.assignee_id is not None:
        assignee = Staff.objects.visible_to(user).filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee_id": _("没有这个员工。")})
    return {"changed": services.survey_assign(actor=user, sites=sites, assignee=assignee)}
