"""Excel import/export of sites: estates (the seed's survey fields) and buildings.

Scope: the market department (and the system) may write any site; a grid manager only
sites that lie, by point-in-polygon in the active plan, in a grid they manage, and only
existing sites already in such a grid. A row that would land elsewhere is refused in
validation, so the dry run shows it.

Writes are bulk (one `bulk_create`/`bulk_update` per batch, one audit entry per site via
`bulk_audit`) because `services.site_create` writes each site with several queries: fine
for a form, minutes for 100,000 rows. Where a site goes is not decided here: the territory
services' `Placer` says it (the active plan's grid containing the point; a building inside
an estate goes with its estate) and `sites_place` records it, carrying a moved estate's
buildings along, exactly as a form edit does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core.access import is_person
from wangge.core.audit import snapshot
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, WriteItem, register
from wangge.core.imports.bulk import bulk_audit, bulk_update_changed
from wangge.core.imports.spec import RowErrors
from wangge.core.models import AuditEntry
from wangge.core.params import flag_param, int_param
from wangge.core.permissions import can
from wangge.org.models import Staff
from wangge.territory.messages import CUSTOMERS_HELP
from wangge.territory.models import AGE_SHARE_FIELDS, GridPlan, Site, age_shares_error
from wangge.territory.permissions import Action as TerritoryAction
from wangge.territory.services import (
    OUTSIDE,
    Placement,
    Placer,
    sites_moved_announce,
    sites_place,
)

_COUNT: dict[str, Any] = {"min_value": 0, "max_value": 2_147_483_647}
_LON: dict[str, Any] = {"min_value": -180, "max_value": 180, "decimal_places": 6}
_LAT: dict[str, Any] = {"min_value": -90, "max_value": 90, "decimal_places": 6}
#: Where a new or moved site goes, and the column that decided it (where errors point).
Placed = tuple[Placement, str]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class SiteSpec(ImportSpec):
    """What estates and buildings share: codes, coordinates, counts, placement, scope."""

    model = Site
    site_kind: ClassVar[str]
    natural_key = ("code",)
    search_fields = ("name", "code", "address")
    export_action = TerritoryAction.VIEW_SITES
    chunk_size = 2000
    #: 现有用户数 is counted from the customer register (`Site.customers`): a survey sheet
    #: that carries it imports the rest, and the report says why that column was left out.
    derived_headers = dict.fromkeys(
        ("现有用户数", "现有用户", "用户数", "在网用户数"), CUSTOMERS_HELP
    )

    # --- scope --------------------------------------------------------------------------

    def base_queryset(self) -> QuerySet[Site]:
        return Site.objects.filter(kind=self.site_kind)

    def existing_queryset(self) -> QuerySet[Site]:
        return Site.objects.all()  # codes are unique across kinds: a building's code is taken

    def can_import(self, user: Any) -> bool:
        """The market department, and grid managers for the sites of their grids."""
        return can(user, TerritoryAction.EDIT_SITES)

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        return {o.pk for o in objs if can(user, TerritoryAction.EDIT_SITES, o)}

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The site list page's filters: q, grid, outside."""
        qs, used = super().filter_queryset(user, params)
        if grid := int_param(params, "grid"):
            qs, used["grid"] = qs.filter(grid_id=grid), str(grid)
        if flag_param(params, "outside"):
            qs, used["outside"] = qs.filter(grid__isnull=True), "1"
        return qs, used

    # --- placement ----------------------------------------------------------------------

    def _placer(self, ctx: ImportContext) -> Placer:
        if "placer" not in ctx.cache:
            ctx.cache["placer"] = Placer.active()
            ctx.cache["placement"] = {}
        placer: Placer = ctx.cache["placer"]
        return placer

    def _moved(self, draft: RowDraft) -> bool:
        site = draft.existing
        if site is None:
            return True
        return any(
            k in draft.values and float(draft.values[k]) != getattr(site, k) for k in ("lon", "lat")
        )

    def fixed_placement(self, draft: RowDraft, ctx: ImportContext) -> Placed | None:
        """A placement that does not depend on the point (buildings in an estate)."""
        return None

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        placer = self._placer(ctx)
        placement: dict[int, Placed] = ctx.cache["placement"]
        rows, lons, lats = [], [], []
        for d in drafts:
            fixed = self.fixed_placement(d, ctx)
            if fixed is not None:
                placement[d.row] = fixed
                continue
            if not self._moved(d):
                continue
            lon = d.values.get("lon", getattr(d.existing, "lon", None))
            lat = d.values.get("lat", getattr(d.existing, "lat", None))
            if lon is None or lat is None:
                continue
            rows.append(d.row)
            lons.append(float(lon))
            lats.append(float(lat))
        for row, placed in zip(rows, placer.at(lons, lats), strict=True):
            placement[row] = (placed, "lon")

    # --- rows ---------------------------------------------------------------------------

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        site: Site | None = ctx.existing
        errors: RowErrors = []
        if site is not None and site.kind != self.site_kind:
            other = Site.Kind(site.kind).label
            return {}, [("code", _("编码已被另一种网格单元（%(kind)s）使用") % {"kind": other})]
        cleaned = dict(values)
        for key in ("lon", "lat"):
            if key in values:
                cleaned[key] = float(values[key])
        if "verified_on" in cleaned:
            day = cleaned.pop("verified_on")
            if day > clock.today():
                errors.append(("verified_on", _("核实日期不能晚于今天")))
            elif site is None or _later(site.verified_at, day):
                cleaned["_verified_on"] = day  # a verification only ever moves forward
        shares = [cleaned.get(f, getattr(site, f, None)) for f in AGE_SHARE_FIELDS]
        if message := age_shares_error(*shares):
            errors.append((next(f for f in reversed(AGE_SHARE_FIELDS) if f in values), message))
        if site is None and self.site_kind == Site.Kind.PREMISES and "premises_kind" not in values:
            errors.append(("premises_kind", _("新建时必须填写")))
        errors += self._coordinates(cleaned, site, ctx.failed)
        if not ctx.failed & {"households", "covered_households"}:
            errors += self._counts(cleaned, site)
        placed: Placed | None = ctx.cache["placement"].get(ctx.row)
        if placed is not None:
            placement, column = placed
            cleaned["_placement"] = placement
            if not can(user, TerritoryAction.EDIT_SITES, placement):
                errors.append((column, _("位置不在您负责的网格内")))
        return cleaned, errors

    def _coordinates(
        self, cleaned: dict[str, Any], site: Site | None, failed: set[str]
    ) -> RowErrors:
        lon = cleaned.get("lon", getattr(site, "lon", None))
        # Everywhere in China longitude (73–135) exceeds latitude (18–54); a latitude of 111
        # fails its range check, and the longitude column says why.
        if lon is not None and 18 <= lon <= 54 and "lat" in failed:
            return [("lon", _("经度和纬度可能填反了"))]
        if site is None:
            missing: RowErrors = [
                (k, _("新建时必须填写")) for k in ("lon", "lat") if k not in cleaned
            ]
            if missing:
                return missing
        lat = cleaned.get("lat", getattr(site, "lat", None))
        if lon is not None and lat is not None and 18 <= lon <= 54 and 73 <= lat <= 135:
            return [("lon", _("经度和纬度可能填反了"))]
        return []

    def _counts(self, cleaned: dict[str, Any], site: Site | None) -> RowErrors:
        households = cleaned.get("households", site.households if site else 0)
        covered = cleaned.get("covered_households", site.covered_households if site else 0)
        customers = site.customers if site else 0
        if covered > households:
            key = "covered_households" if "covered_households" in cleaned else "households"
            return [
                (
                    key,
                    _("覆盖户数（%(c)s）不能超过总户数（%(h)s）") % {"c": covered, "h": households},
                )
            ]
        if self.site_kind != Site.Kind.PREMISES and customers > households:
            return [("households", _("总户数不能少于现有用户数（%(n)s）") % {"n": customers})]
        return []

    def export_row(self, obj: Any) -> dict[str, Any]:
        row = super().export_row(obj)
        if "verified_on" in row:
            row["verified_on"] = clock.local_date(obj.verified_at) if obj.verified_at else None
        return row

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        out = super().diff(obj, cleaned)
        if "_verified_on" in cleaned:
            before = clock.local_date(obj.verified_at) if obj.verified_at else None
            out.append(("verified_on", before, cleaned["_verified_on"]))
        return out

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        item = WriteItem(0, cleaned, existing, "create" if existing is None else "update")
        self.save_many(user, [item])
        return item.obj, existing is None

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        creates = [i for i in items if i.existing is None]
        updates = [i for i in items if i.existing is not None]
        placed: dict[int, Placement] = {}
        new_sites = []
        by = _staff_of(user) if any("_verified_on" in i.cleaned for i in items) else None
        for item in creates:
            grid_id = item.cleaned.get("_placement", OUTSIDE).grid_id
            item.obj = Site(kind=self.site_kind, grid_id=grid_id, **_fields(item.cleaned, by))
            new_sites.append(item.obj)
        Site.objects.bulk_create(new_sites, batch_size=1000)
        for item in creates:
            placed[item.obj.pk] = item.cleaned.get("_placement", OUTSIDE)
        changes, changed_fields = [], []
        moves: list[tuple[int, int | None, int | None]] = []
        for item in updates:
            site = item.obj = item.existing
            before = snapshot(site)
            names = set()
            for name, value in _fields(item.cleaned, by).items():
                if getattr(site, name) != value:
                    setattr(site, name, value)
                    names.add(name)
            if "_placement" in item.cleaned:
                placed[site.pk] = item.cleaned["_placement"]
                if site.grid_id != placed[site.pk].grid_id:
                    moves.append((site.pk, site.grid_id, placed[site.pk].grid_id))
                    site.grid_id = placed[site.pk].grid_id
                    names.add("grid")
            changes.append((site, before, snapshot(site)))
            changed_fields.append((site, names))
        bulk_update_changed(Site, changed_fields)
        sites_moved_announce(moves)  # on commit; buildings that follow are announced too
        if placed:
            sites_place(actor=user, plan=GridPlan.objects.active(), placed=placed)
        bulk_audit(
            actor=user,
            action=AuditEntry.Action.CREATE,
            changes=((s, None, snapshot(s)) for s in new_sites),
        )
        bulk_audit(actor=user, action=AuditEntry.Action.UPDATE, changes=changes)


def _fields(cleaned: Mapping[str, Any], by: Any = None) -> dict[str, Any]:
    """Model fields of a cleaned row (keys starting with _ are the spec's own notes), with
    the verification a 最近核实日期 stands for: by the importing person, on that day."""
    fields = {k: v for k, v in cleaned.items() if not k.startswith("_")}
    if (day := cleaned.get("_verified_on")) is not None:
        fields["verified_at"] = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        fields["verified_by"] = by
    return fields


def _later(at: dt.datetime | None, day: dt.date) -> bool:
    """Whether a verification on `day` is more recent than the one at `at`."""
    return at is None or clock.local_date(at) < day


def _staff_of(user: Any) -> Any:
    if not is_person(user):
        return None
    return Staff.objects.filter(user_id=user.pk).first()


_SHARE: dict[str, Any] = {"decimal_places": 4}
#: What every surveyed kind ends with: the day someone confirmed the row on the ground.
VERIFIED_COLUMN = Column(
    "verified_on", "最近核实日期", "date", example="2025-10-10", aliases=("核实日期", "核实时间"),
    help=gettext_lazy("现场核实过才填：记为那天由导入人核实；不填则不改核实记录"),
)  # fmt: skip
#: The estate survey's residents' profile and computers (seed §五(四)1).
SURVEY_COLUMNS = (
    Column("pc_owners", "拥有电脑人数", "int", example="约300户",
           aliases=("电脑拥有人数", "电脑用户数", "拥有电脑户数"), **_COUNT),
    Column("owners_young_share", "业主35岁以下占比", "percent", example="30%",
           aliases=("35岁以下业主占比", "青年业主占比"), **_SHARE),
    Column("owners_middle_share", "业主35-60岁占比", "percent", example="50%",
           aliases=("业主35–60岁占比", "35-60岁业主占比", "中年业主占比"), **_SHARE),
    Column("owners_senior_share", "业主60岁以上占比", "percent", example="20%",
           aliases=("60岁以上业主占比", "老年业主占比"), **_SHARE),
    Column("tenant_share", "租户占比", "percent", example="15%",
           aliases=("租户比例", "出租户占比"), **_SHARE),
    Column("residents_note", "住户特征", max_length=200, example="多为本地教师家庭",
           aliases=("小区住户分类及特征", "住户分类及特征")),
)  # fmt: skip


class EstateSpec(SiteSpec):
    kind = "estates"
    label = gettext_lazy("小区")
    site_kind = Site.Kind.ESTATE
    columns = (
        Column("code", "编码", required=True, max_length=32, example="XQ0001",
               aliases=("小区编码", "单元编码")),
        Column("name", "小区名称", required=True, max_length=100, example="东湖花园",
               aliases=("小区", "名称")),
        Column("address", "详细地址", max_length=200, example="两市塘街道东湖路 18 号",
               aliases=("小区准确地址", "小区地址", "地址")),
        Column("households", "总户数", "int", example="480",
               aliases=("小区总户数", "户数"), **_COUNT),
        Column("delivery_date", "交房时间", "date", example="2019-06-30",
               aliases=("交付使用时间", "交付时间", "交房日期")),
        Column("occupancy_rate", "入住率", "percent", example="85%", decimal_places=4),
        Column("property_company", "物业公司", max_length=100, example="邵东宏达物业管理有限公司",
               aliases=("物业",)),
        Column("property_contact", "物业联系人", max_length=50, example="王经理"),
        Column("property_phone", "物业联系电话", "phone", example="0739-2712345",
               aliases=("物业电话", "物业联系方式")),
        Column("lon", "经度", "decimal", example="111.7435", aliases=("lon", "lng", "longitude"),
               help=gettext_lazy("WGS-84；新建时必填"), **_LON),
        Column("lat", "纬度", "decimal", example="27.2581", aliases=("lat", "latitude"),
               help=gettext_lazy("WGS-84；新建时必填"), **_LAT),
        Column("covered_households", "覆盖户数", "int", example="450",
               aliases=("网络覆盖户数",), **_COUNT),
        Column("free_ports", "空闲端口", "int", example="36", aliases=("空闲端口数",), **_COUNT),
        *SURVEY_COLUMNS,
        VERIFIED_COLUMN,
    )  # fmt: skip


class BuildingSpec(SiteSpec):
    kind = "buildings"
    label = gettext_lazy("楼宇")
    site_kind = Site.Kind.BUILDING
    columns = (
        Column("code", "编码", required=True, max_length=32, example="XQ0001-01",
               aliases=("楼宇编码", "单元编码")),
        Column("name", "楼宇名称", required=True, max_length=100, example="东湖花园 1 栋",
               aliases=("楼宇", "楼栋", "名称")),
        Column("estate", "所属小区", "ref", max_length=32, example="XQ0001",
               aliases=("小区编码",), help=gettext_lazy("小区编码；不在小区内的楼宇不填")),
        Column("address", "详细地址", max_length=200, example="两市塘街道东湖路 18 号 1 栋",
               aliases=("地址",)),
        Column("lon", "经度", "decimal", example="111.7436", aliases=("lon", "lng", "longitude"),
               help=gettext_lazy("WGS-84；不填则用所属小区的位置"), **_LON),
        Column("lat", "纬度", "decimal", example="27.2582", aliases=("lat", "latitude"),
               help=gettext_lazy("WGS-84；不填则用所属小区的位置"), **_LAT),
        Column("households", "总户数", "int", example="96", aliases=("户数",), **_COUNT),
        Column("covered_households", "覆盖户数", "int", example="90",
               aliases=("网络覆盖户数",), **_COUNT),
        Column("free_ports", "空闲端口", "int", example="8", aliases=("空闲端口数",), **_COUNT),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Site]:
        return super().existing_queryset().select_related("estate")

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("estate")

    def export_row(self, obj: Any) -> dict[str, Any]:
        row = super().export_row(obj)
        row["estate"] = obj.estate.code if obj.estate else ""
        return row

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        codes = {d.values["estate"] for d in drafts if "estate" in d.values}
        estates = {e.code: e for e in Site.objects.filter(kind=Site.Kind.ESTATE, code__in=codes)}
        ctx.cache["estates"] = estates
        ctx.cache["estate_placements"] = self._placer(ctx).of_estates(estates.values())
        super().prepare(user, drafts, ctx)

    def fixed_placement(self, draft: RowDraft, ctx: ImportContext) -> Placed | None:
        code = draft.values.get("estate")
        site = draft.existing
        if code is None or (site is not None and site.estate_id and site.estate.code == code):
            return None  # no estate, or the same one: placed by its point, or kept
        estate = ctx.cache["estates"].get(code)
        if estate is None:
            return None
        return ctx.cache["estate_placements"][estate.pk], "estate"

    def _moved(self, draft: RowDraft) -> bool:
        site = draft.existing
        if site is not None and site.estate_id:
            return False  # a building in an estate stays in its estate's grid
        return super()._moved(draft)

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        values = dict(values)
        if "estate" in values:
            estate = ctx.cache["estates"].get(values["estate"])
            if estate is None:
                errors.append(("estate", _("没有这个小区编码")))
            else:
                values["estate"] = estate
                for key in ("lon", "lat"):  # a building without its own point takes the estate's
                    if key not in values and ctx.existing is None:
                        values[key] = getattr(estate, key)
        cleaned, more = super().clean_row(user, values, ctx)
        return cleaned, errors + more

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        out = super().diff(obj, {k: v for k, v in cleaned.items() if k != "estate"})
        estate = cleaned.get("estate")
        if estate is not None and estate.pk != obj.estate_id:
            out.append(("estate", obj.estate.code if obj.estate else "", estate.code))
        return out


class PremisesSpec(SiteSpec):
    """Schools, enterprises, government and other organisations (单位) as grid units; the
    organisation as a customer (集团客户 and its survey) is the crm's `organizations`."""

    kind = "premises"
    label = gettext_lazy("单位")
    site_kind = Site.Kind.PREMISES
    columns = (
        Column("code", "编码", required=True, max_length=32, example="DW0001",
               aliases=("单位编码", "单元编码")),
        Column("name", "单位名称", required=True, max_length=100, example="邵东市第一中学",
               aliases=("单位", "名称", "学校名称", "企业名称")),
        Column("premises_kind", "单位类型", "choice", choices=Site.PremisesKind.choices,
               example="学校", aliases=("类型", "单位性质"),
               help=gettext_lazy("学校、企业、政府机关或其他；新建时必填")),
        Column("address", "详细地址", max_length=200, example="两市塘街道建设路 1 号",
               aliases=("地址", "单位地址")),
        Column("lon", "经度", "decimal", example="111.7440", aliases=("lon", "lng", "longitude"),
               help=gettext_lazy("WGS-84；新建时必填"), **_LON),
        Column("lat", "纬度", "decimal", example="27.2590", aliases=("lat", "latitude"),
               help=gettext_lazy("WGS-84；新建时必填"), **_LAT),
        Column("pc_owners", "拥有电脑人数", "int", example="120台",
               aliases=("电脑数", "单位现有电脑数"), **_COUNT),
        Column("covered_households", "覆盖户数", "int", example="0",
               aliases=("网络覆盖户数",), **_COUNT),
        Column("free_ports", "空闲端口", "int", example="8", aliases=("空闲端口数",), **_COUNT),
        VERIFIED_COLUMN,
    )  # fmt: skip


register(EstateSpec())
register(BuildingSpec())
register(PremisesSpec())
