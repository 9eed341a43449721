"""The operator's asset lists in Excel: the import and export kind `assets`.

One row an asset, keyed by its asset number (资产编号), so a list sent again updates its
rows. A row names the site (小区/楼宇编码) the asset stands at; without a position it
stands at the site's. Who: the market department anywhere, a grid manager in their grids
(`AssetAction.IMPORT`); every row is checked before anything is written, and the writes go
through the asset services in the importer's name, the site capacity refreshed once per
chunk. 空闲端口 is derived (total − used): a sheet carrying it is told so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.access import scope_for
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, WriteItem, register
from wangge.core.imports.spec import RowErrors, WriteError, validation_messages
from wangge.core.permissions import can
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset
from wangge.service.permissions_assets import AssetAction
from wangge.service.services.assets import asset_create, asset_update
from wangge.service.services.assets_capacity import site_capacity_refresh
from wangge.territory.models import Site

_COUNT: dict[str, Any] = {"min_value": 0, "max_value": 2_147_483_647}
#: What a row may set besides the site (a reference).
FIELDS = ("kind", "building", "lon", "lat", "ports_total", "ports_used", "covered_households",
          "installed_on", "state", "note")  # fmt: skip


def _may_write(user: Any, grid_id: int | None) -> bool:
    if scope_for(user).everything:
        return True
    return grid_id is not None and can(user, AssetAction.IMPORT, grid_id)


class AssetSpec(ImportSpec):
    kind = "assets"
    label = gettext_lazy("网络资产")
    model = Asset
    natural_key = ("code",)
    import_action = AssetAction.IMPORT
    export_action = AssetAction.VIEW
    search_fields = ("code", "site__name")
    chunk_size = 1000
    derived_headers = dict.fromkeys(
        ("空闲端口", "空闲端口数"), gettext_lazy("空闲端口由端口总数减已用端口得出，不导入")
    )
    columns = (
        Column("code", "资产编号", required=True, max_length=40, example="SW-XQ0001-01",
               aliases=("资产编码", "设备编号")),
        Column("kind", "资产类型", "choice", choices=Asset.Kind.choices, example="楼栋交换机",
               required_on_create=True, aliases=("设备类型", "类型")),
        Column("site", "小区/楼宇编码", "ref", max_length=32, example="XQ-0001",
               required_on_create=True, aliases=("小区编码", "楼宇编码", "网格单元编码")),
        Column("building", "楼栋/位置", max_length=64, example="3栋1单元", aliases=("安装位置",)),
        Column("lon", "经度", "decimal", example="111.7432", min_value=-180, max_value=180,
               decimal_places=6, help=gettext_lazy("WGS-84；不填为小区位置")),
        Column("lat", "纬度", "decimal", example="27.2391", min_value=-90, max_value=90,
               decimal_places=6),
        Column("ports_total", "端口总数", "int", example="24", aliases=("端口数",), **_COUNT),
        Column("ports_used", "已用端口", "int", example="18", aliases=("已用端口数",), **_COUNT),
        Column("covered_households", "覆盖户数", "int", example="48", **_COUNT),
        Column("installed_on", "安装日期", "date", example="2024-05-20",
               aliases=("投运日期",)),
        Column("state", "状态", "choice", choices=Asset.State.choices, example="在用"),
        Column("note", "备注", max_length=200, example=""),
    )  # fmt: skip

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The list page's filters, through its selector: the export is what was listed."""
        filters = selectors.list_filters(params)
        applied = {k: str(v) for k, v in filters.items() if v not in (None, "", False)}
        return selectors.asset_list(user=user, **filters), applied

    def base_queryset(self) -> QuerySet[Any]:
        return Asset.objects.all()

    def existing_queryset(self) -> QuerySet[Any]:
        return Asset.objects.select_related("site")

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        return {o.pk for o in objs if _may_write(user, o.site.grid_id)}

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        codes = {d.values["site"] for d in drafts if "site" in d.values}
        sites = Site.objects.visible_to(user).filter(code__in=codes)
        ctx.cache["sites"] = {
            s.code: s for s in sites.only("id", "code", "grid_id", "lon", "lat", "households")
        }

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        asset: Asset | None = ctx.existing
        errors: RowErrors = []
        cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in FIELDS}
        for key in ("lon", "lat"):
            if key in cleaned:
                cleaned[key] = float(cleaned[key])
        if "site" in values:
            site = ctx.cache["sites"].get(values["site"])
            if site is None:
                errors.append(("site", _("没有这个小区/楼宇编码")))
            elif not _may_write(user, site.grid_id):
                errors.append(("site", _("不在您管理的网格内")))
            else:
                cleaned["site"] = site
        elif asset is None and "site" not in ctx.failed:
            errors.append(("site", _("新资产必须填写小区/楼宇编码")))
        if asset is None and "kind" not in values and "kind" not in ctx.failed:
            errors.append(("kind", _("新资产必须填写资产类型")))
        if ("lon" in cleaned) != ("lat" in cleaned):
            errors.append(("lat" if "lon" in cleaned else "lon", _("经度和纬度须同时填写")))
        total = cleaned.get("ports_total", asset.ports_total if asset else 0)
        used = cleaned.get("ports_used", asset.ports_used if asset else 0)
        if used > total and not ctx.failed & {"ports_total", "ports_used"}:
            errors.append(("ports_used", _("已用端口不能超过端口总数。")))
        if asset is None:
            cleaned["code"] = values["code"]
        return cleaned, errors

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        data = dict(cleaned)
        if existing is None:
            site = data.pop("site")
            if not _may_write(user, site.grid_id):
                raise PermissionDenied
            return asset_create(actor=user, site=site, refresh=False, **data), True
        data.pop("code", None)
        return (
            asset_update(
                actor=user, asset=existing, data=data, version=existing.version, refresh=False
            ),
            False,
        )

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        touched: set[int] = set()
        for item in items:
            if item.existing is not None:
                touched.add(item.existing.site_id)
            try:
                item.obj, _created = self.save(user, item.cleaned, item.existing)
            except ValidationError as exc:
                raise WriteError(item.row, "；".join(validation_messages(exc))) from exc
            touched.add(item.obj.site_id)
        site_capacity_refresh(site_ids=touched)

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("site").order_by("code")

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "kind": obj.kind,
            "site": obj.site.code,
            "building": obj.building,
            "lon": obj.lon,
            "lat": obj.lat,
            "ports_total": obj.ports_total,
            "ports_used": obj.ports_used,
            "covered_households": obj.covered_households,
            "installed_on": obj.installed_on,
            "state": obj.state,
            "note": obj.note,
        }


register(AssetSpec())
