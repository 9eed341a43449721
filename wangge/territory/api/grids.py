"""The active grids as GeoJSON."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.core.api import ApiRouter, with_errors
from wangge.core.permissions import require
from wangge.org.permissions import Action
from wangge.territory import selectors
from wangge.territory.api.schemas import FeatureCollection

router = ApiRouter()


@router.get(
    "/territory/grids.geojson",
    response=with_errors({200: FeatureCollection}),
    summary="Active grids (GeoJSON) with their totals",
)
def active_grids(request: HttpRequest) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    return selectors.active_plan_features(user=request.user)
