"""Sites: the grid units."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.territory import selectors
from wangge.territory.api.schemas import SiteFilter, SiteOut, SitePage
from wangge.territory.models import Site
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
