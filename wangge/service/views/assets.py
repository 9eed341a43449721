"""Asset register pages: the list with filters and its map layer (GeoJSON), an asset with
its inspections, registering and editing one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.forms import VersionedFormMixin
from wangge.core.params import int_param
from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm.views.common import allow, form_page
from wangge.org.models import Grid
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset
from wangge.service.permissions_assets import AssetAction
from wangge.service.services.assets import asset_create, asset_update
from wangge.territory.models import Site

#: The map draws at most this many assets (the filters narrow it; a county has fewer).
MAP_LIMIT = 3000


class AssetListView(ScopedListView):
    model = Asset
    required_action = AssetAction.VIEW
    template_name = "service/assets/list.html"

    def get_queryset(self) -> QuerySet[Asset]:
        filters = selectors.list_filters(self.request.GET)
        return selectors.asset_list(user=self.request.user, **filters)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["grids"] = Grid.objects.visible_to(user).filter(is_active=True)
        ctx["kinds"] = Asset.Kind.choices
        ctx["states"] = Asset.State.choices
        ctx["can_manage"] = can(user, AssetAction.MANAGE)
        ctx["can_import"] = can(user, AssetAction.IMPORT)
        ctx["map_limit"] = MAP_LIMIT
        return ctx


@login_required
@require_GET
def asset_geojson(request: HttpRequest) -> JsonResponse:
    """The map layer: the listed assets as points (the same filters and scope)."""
    allow(can(request.user, AssetAction.VIEW))
    qs = selectors.asset_list(user=request.user, **selectors.list_filters(request.GET))
    rows = qs.values_list("pk", "code", "kind", "state", "lon", "lat", "ports_total",
                          "ports_used", "site__name")[:MAP_LIMIT]  # fmt: skip
    kinds, states = dict(Asset.Kind.choices), dict(Asset.State.choices)
    # One reverse() for all: per feature it cost more than the rest of the feature.
    marker = 987654321
    link = reverse("service:asset_detail", args=[marker])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "code": code,
                "kind": kind,
                "kind_label": str(kinds.get(kind, kind)),
                "state": state,
                "state_label": str(states.get(state, state)),
                "free": max(total - used, 0),
                "site": site,
                "url": link.replace(str(marker), str(pk)),
            },
        }
        for pk, code, kind, state, lon, lat, total, used, site in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, AssetAction.VIEW))
    asset = selectors.asset_detail(user=request.user, pk=pk)
    return render(
        request,
        "service/assets/detail.html",
        {
            "asset": asset,
            "inspections": selectors.asset_inspections(user=request.user, asset=asset)[:30],
            "can_manage": asset.site.grid_id is not None
            and can(request.user, AssetAction.MANAGE, asset.site.grid_id),
        },
    )


class AssetForm(VersionedFormMixin, forms.ModelForm):
    site = forms.ModelChoiceField(label=gettext_lazy("小区/楼宇"), queryset=Site.objects.none())
    lon = forms.FloatField(
        label=gettext_lazy("经度"), required=False, min_value=-180, max_value=180,
        help_text=gettext_lazy("WGS-84；不填为小区位置"),
    )  # fmt: skip
    lat = forms.FloatField(label=gettext_lazy("纬度"), required=False, min_value=-90, max_value=90)

    class Meta:
        model = Asset
        fields = ("code", "kind", "site", "building", "lon", "lat", "ports_total", "ports_used",
                  "covered_households", "installed_on", "state", "note")  # fmt: skip
        widgets = {"installed_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The service validates (and audits); the form only parses.
        pass


def _managed_sites(request: HttpRequest) -> QuerySet[Site]:
    """Sites in the grids where the person may register assets."""
    grids = [g for g in Grid.objects.visible_to(request.user)]
    ids = [g.pk for g in grids if can(request.user, AssetAction.MANAGE, g.pk)]
    return Site.objects.visible_to(request.user).filter(grid_id__in=ids).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def asset_new(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, AssetAction.MANAGE))
    sites = _managed_sites(request)
    initial = {"site": int_param(request.GET, "site")}
    form = AssetForm(request.POST or None, sites=sites, initial=initial)

    def save(d: dict[str, Any]) -> Asset:
        d.pop("version", None)
        return asset_create(actor=request.user, **d)

    return form_page(
        request,
        form,
        title=_("登记网络资产"),
        save=save,
        done=lambda a: reverse("service:asset_detail", args=[a.pk]),
        cancel=reverse("service:asset_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = selectors.asset_detail(user=request.user, pk=pk)
    allow(
        asset.site.grid_id is not None and can(request.user, AssetAction.MANAGE, asset.site.grid_id)
    )
    form = AssetForm(request.POST or None, instance=asset, sites=_managed_sites(request))

    def save(d: dict[str, Any]) -> Asset:
        version = d.pop("version", None)
        if d.get("lon") is None or d.get("lat") is None:
            d["lon"], d["lat"] = asset.lon, asset.lat
        fresh = Asset.objects.select_related("site").get(pk=pk)
        return asset_update(actor=request.user, asset=fresh, data=d, version=version)

    return form_page(
        request,
        form,
        title=_("修改网络资产：%(code)s") % {"code": asset.code},
        save=save,
        done=lambda a: reverse("service:asset_detail", args=[a.pk]),
        cancel=reverse("service:asset_detail", args=[pk]),
    )


urls: list[URLPattern] = [
    path("assets/", AssetListView.as_view(), name="asset_list"),
    path("assets/new/", asset_new, name="asset_create"),
    path("assets/map.geojson", asset_geojson, name="asset_geojson"),
    path("assets/<int:pk>/", asset_detail, name="asset_detail"),
    path("assets/<int:pk>/edit/", asset_edit, name="asset_edit"),
]
