"""The figures map: grids coloured by any measure, drilled into a grid's sites with layers
(sites, assets, open work, visits). The data travel in the page (json_script): the map works
offline with the outlines the database holds; a tile layer is optional (`insights.tiles`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.params import choice_param, int_param
from wangge.core.permissions import can
from wangge.insights import figures, selectors, tiles
from wangge.insights.figures import MEASURES, Ratio
from wangge.insights.permissions import Action
from wangge.org.models import Grid
from wangge.sales.models import Visit
from wangge.service.models import Asset, WorkOrder
from wangge.service.models.workorders import OPEN_STATES
from wangge.territory.models import ServiceArea, Site

#: Points per layer sent to the phone; a grid with more shows the latest/first ones.
LAYER_LIMIT = 3000
VISIT_DAYS = 30


def _ratio(r: Ratio) -> dict[str, Any]:
    return {"n": r.numerator, "d": r.denominator, "v": r.value}


def grid_values(user: Any, measure: str) -> tuple[dt.date | None, dict[int, Ratio]]:
    """Each visible grid's ratio on the latest snapshot (computed live without one)."""
    on = selectors.latest_day(user)
    if on is not None:
        rows = selectors.ranking(user=user, measure=measure, on=on)
        if rows:
            return on, {r.key: r.ratio for r in rows}
    on = clock.today()
    live = figures.compute(on).grids.get(measure, {})
    ids = {g.pk for g in selectors.grids_of(user)}
    return on, {g: r for g, r in live.items() if g in ids}


def _grid_features(user: Any, measure: str) -> tuple[dt.date | None, dict[str, Any]]:
    on, values = grid_values(user, measure)
    feats = []
    for g in selectors.grids_of(user):
        if not g.boundary:
            continue
        r = values.get(g.pk, figures.ZERO)
        feats.append(
            {
                "type": "Feature",
                "geometry": g.boundary,
                "properties": {
                    "id": g.pk,
                    "code": g.code,
                    "name": g.name,
                    "url": f"{reverse('insights:map')}?measure={measure}&grid={g.pk}",
                    "dashboard": reverse("insights:grid", args=[g.pk]),
                    **_ratio(r),
                },
            }
        )
    return on, {"type": "FeatureCollection", "features": feats}


def _sites(user: Any, grid: Grid, measure: str) -> list[dict[str, Any]]:
    sites = list(
        Site.objects.visible_to(user)
        .filter(grid=grid)
        .order_by("code")
        .values("pk", "code", "name", "kind", "lon", "lat")[:LAYER_LIMIT]
    )
    values = figures.site_figures(clock.today(), [s["pk"] for s in sites])
    out = []
    for s in sites:
        row = values.get(s["pk"], {})
        out.append(
            {
                "id": s["pk"],
                "code": s["code"],
                "name": s["name"],
                "lat": s["lat"],
                "lon": s["lon"],
                "url": reverse("territory:site_detail", args=[s["pk"]]),
                **_ratio(row.get(measure, figures.ZERO)),
                "all": {k: _ratio(r) for k, r in row.items()},
            }
        )
    return out


def _layers(user: Any, grid: Grid) -> dict[str, list[list[Any]]]:
    """[lat, lon, label] per point of each layer, scoped to the user."""
    assets = (
        Asset.objects.visible_to(user)
        .filter(grid=grid)
        .order_by("pk")
        .values_list("lat", "lon", "code", "kind")[:LAYER_LIMIT]
    )
    orders = (
        WorkOrder.objects.visible_to(user)
        .filter(grid=grid, state__in=OPEN_STATES)
        .order_by("due_at")
        .values_list("site__lat", "site__lon", "code", "kind")[:LAYER_LIMIT]
    )
    since = clock.now() - dt.timedelta(days=VISIT_DAYS)
    visits = (
        Visit.objects.visible_to(user)
        .filter(grid=grid, at__gte=since)
        .order_by("-at")
        .values_list("lat", "lon", "site__lat", "site__lon", "outcome")[:LAYER_LIMIT]
    )
    return {
        "assets": [[a, o, f"{c or ''} {k}"] for a, o, c, k in assets],
        "orders": [[a, o, f"{c or ''} {k}"] for a, o, c, k in orders if a is not None],
        "visits": [
            [la if la is not None else sla, lo if lo is not None else slo, out]
            for la, lo, sla, slo, out in visits
            if (la is not None or sla is not None)
        ],
    }


def _outline() -> Any:
    area = ServiceArea.objects.order_by("id").first()
    return area.boundary if area else None


@login_required
def figures_map(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, Action.VIEW):
        raise PermissionDenied
    measure = choice_param(request.GET, "measure", list(MEASURES)) or figures.REACHED.key
    grid_id = int_param(request.GET, "grid")
    grid = None
    if grid_id is not None:
        grid = selectors.grid_visible(user, grid_id)
        if grid is None:
            raise PermissionDenied
    on, grids = _grid_features(user, measure)
    data: dict[str, Any] = {
        "measure": measure,
        "label": str(MEASURES[measure].label),
        "outline": _outline(),
        "grids": grids,
        "grid": grid.pk if grid else None,
        "sites": _sites(user, grid, measure) if grid else [],
        "layers": _layers(user, grid) if grid else {},
        "measures": {k: str(m.label) for k, m in MEASURES.items()},
        "text": {
            "sites": _("单元"),
            "assets": _("网络资产"),
            "orders": _("未完成工单"),
            "visits": _("近 30 天拜访"),
            "legend": _("图例"),
            "open": _("打开"),
            "dashboard": _("指标看板"),
            "none": _("无数据"),
        },
    }
    tile_layer = tiles.layer()
    if tile_layer:
        data["tiles"] = tile_layer
        if tile_layer["crs"] == "gcj02":
            tiles.to_gcj02(data)
    return render(
        request,
        "insights/map.html",
        {
            "data": data,
            "grid": grid,
            "measure": measure,
            "measures": list(MEASURES.values()),
            "on": on,
            "definition": MEASURES[measure].definition,
        },
    )


urls: list[URLPattern] = [path("map/", figures_map, name="map")]
