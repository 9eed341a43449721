"""Network assets (网络资产) at sites, their inspection schedules and inspections (巡检).

An asset stands at a site (小区/楼宇/单位) and is seen by the site's grid team, like the
site itself; agents see none. It carries its site's grid (`Asset.grid`, kept by the asset
services and by the site's moves, `site_moved`) so that a grid's list and map read the
grid's assets in code order from one index instead of every site of the grid. An inspection
belongs to the grid the asset was in when the task was made (`grid`), so a plan's coverage
per grid stays answerable after a re-division, and to the technician it was assigned to.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.org.models import Grid, Staff
from wangge.territory.models import Site, site_q

__all__ = ["Asset", "Inspection", "InspectionSchedule"]


class AssetQuerySet(ScopedQuerySet):
    """The site's grid team sees its assets (agents none): the territory's site rule, read
    on the asset's copy of its site's grid (`Asset.grid`)."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return not scope.own_records_only and obj.grid_id in scope.grid_ids


class Asset(ConstraintFields, Versioned, models.Model):
    """One piece of the network (seed §三.2(5)): ducts and lines, optical receivers, ONUs,
    building switches, fibre and pipe equipment, by the operator's asset number."""

    class Kind(models.TextChoices):
        DUCT = "duct", _("管线")
        OPTICAL_RECEIVER = "optical_receiver", _("光接收机")
        ONU = "onu", _("ONU")
        BUILDING_SWITCH = "building_switch", _("楼栋交换机")
        SPLITTER = "splitter", _("分光器")
        ODF = "odf", _("光纤配线架（ODF）")
        PIPE = "pipe", _("管道设备")

    class State(models.TextChoices):
        IN_SERVICE = "in_service", _("在用")
        FAULTY = "faulty", _("故障")
        RETIRED = "retired", _("退网")

    #: Kinds whose free ports take a new subscriber (what selling and balancing count).
    #: ODF ports are patch positions and a duct has none: they are not capacity to sell.
    SUBSCRIBER_PORT_KINDS: ClassVar[tuple[str, ...]] = ("onu", "building_switch", "splitter")

    code = models.CharField(
        _("资产编号"),
        max_length=40,
        unique=True,
        # The number is the asset's address (`/api/service/assets/{code}`): no slash.
        validators=[visible_text, RegexValidator(r"^[^/]+$", _("资产编号不能含有“/”。"))],
    )
    kind = models.CharField(_("资产类型"), max_length=20, choices=Kind.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("小区/楼宇"), on_delete=models.PROTECT, related_name="+"
    )
    #: The site's grid, copied: written with the asset's site by the asset services and
    #: followed when the site changes grid (`site_moved`); the nightly recount mends what
    #: a bulk write past the services left behind (`asset_grids_refresh`). Scope, lists,
    #: filters and the map read it, so a grid's page is one index range in code order.
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the (grid, code) index below leads with it
    )
    building = models.CharField(_("楼栋/位置"), max_length=64, blank=True)
    lon = models.FloatField(_("经度"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    lat = models.FloatField(_("纬度"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    ports_total = models.PositiveIntegerField(_("端口总数"), default=0)
    ports_used = models.PositiveIntegerField(_("已用端口"), default=0)
    covered_households = models.PositiveIntegerField(_("覆盖户数"), default=0)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.IN_SERVICE
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    #: Written by the inspection services: the day of the last inspection done.
    last_inspected_on = models.DateField(_("最近巡检"), null=True, blank=True, editable=False)

    constraint_fields: ClassVar[dict[str, str]] = {"asset_used_not_above_total": "ports_used"}
    objects = AssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("网络资产")
        verbose_name_plural = _("网络资产")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["site", "kind"], name="service_asset_site_kind"),
            # A kind's list in code order (a state or free-ports filter reads on from it):
            # with (kind, state, code) SQLite sorted every asset of the kind instead.
            models.Index(fields=["kind", "code"], name="service_asset_kind_code"),
            # A grid's list and map (scope or filter on the grid), in code order, cut at
            # the page without a sort; with a kind filter, the grid's assets of that kind.
            models.Index(fields=["grid", "code"], name="service_asset_grid_code"),
            models.Index(fields=["grid", "kind", "state"], name="service_asset_grid_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ports_used__lte=F("ports_total")),
                name="asset_used_not_above_total",
                violation_error_message=_("已用端口不能超过端口总数。"),
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="asset_lonlat_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()}"

    @property
    def ports_free(self) -> int:
        return max(self.ports_total - self.ports_used, 0)


class ScheduleQuerySet(ScopedQuerySet):
    """The county-wide schedules and those of the person's grids (agents none)."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        if scope.own_records_only:
            return Q(pk__in=[])
        return Q(**{f"{prefix}grid__isnull": True}) | Q(**{f"{prefix}grid_id__in": scope.grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return not scope.own_records_only and (obj.grid_id is None or obj.grid_id in scope.grid_ids)


class InspectionSchedule(Versioned, models.Model):
    """How often one kind of asset is inspected (building switches monthly, ducts
    quarterly), county-wide (`grid` empty) or in one grid, which then overrides the
    county-wide schedule of that kind there."""

    class Unit(models.TextChoices):
        DAY = "day", _("天")
        MONTH = "month", _("月")

    kind = models.CharField(_("资产类型"), max_length=20, choices=Asset.Kind.choices)
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.CASCADE
    )
    every = models.PositiveSmallIntegerField(
        _("周期"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    unit = models.CharField(_("周期单位"), max_length=8, choices=Unit.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡检计划")
        verbose_name_plural = _("巡检计划")
        ordering = ["kind", "grid__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(grid__isnull=True),
                name="schedule_one_countywide_per_kind",
                violation_error_message=_("该资产类型已有全县巡检计划。"),
            ),
            models.UniqueConstraint(
                fields=["kind", "grid"],
                condition=Q(grid__isnull=False),
                name="schedule_one_per_kind_and_grid",
                violation_error_message=_("该网格已有这类资产的巡检计划。"),
            ),
            models.CheckConstraint(
                condition=Q(every__gte=1, every__lte=366), name="schedule_every_range"
            ),
        ]

    def __str__(self) -> str:
        where = self.grid.name if self.grid is not None else _("全县")
        return f"{self.get_kind_display()} · {where} · {self.every}{self.get_unit_display()}"


class InspectionQuerySet(ScopedQuerySet):
    """The grid's team sees its inspections, the assignee always; agents none."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        mine = Q(**{f"{prefix}assignee_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
        if scope.own_records_only:
            return mine
        return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | mine

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.assignee_id == scope.staff_id:
            return True
        return not scope.own_records_only and obj.grid_id in scope.grid_ids


class Inspection(Versioned, models.Model):
    """One inspection task of one asset, made by the schedule when the asset falls due and
    done on site: check-in with the phone's position, a photo, ok or a defect."""

    class Finding(models.TextChoices):
        OK = "ok", _("正常")
        DEFECT = "defect", _("有缺陷")

    class Severity(models.TextChoices):
        MINOR = "minor", _("轻微")
        MAJOR = "major", _("严重")
        CRITICAL = "critical", _("紧急")

    class Flag(models.TextChoices):
        TOO_FAR = "too_far", _("距离过远")
        POOR_ACCURACY = "poor_accuracy", _("定位精度差")
        NO_POSITION = "no_position", _("无定位")

    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.CASCADE, related_name="inspections"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT)
    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("巡检人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    schedule = models.ForeignKey(
        InspectionSchedule,
        verbose_name=_("巡检计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_on = models.DateField(_("生成日期"), default=clock.today)
    due_on = models.DateField(_("应巡检日期"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_on = models.DateField(_("巡检日期"), null=True, blank=True)
    done_by = models.ForeignKey(
        Staff,
        verbose_name=_("实际巡检人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finding = models.CharField(_("巡检结果"), max_length=8, choices=Finding.choices, blank=True)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    photo = models.BinaryField(_("照片"), null=True, blank=True)
    photo_type = models.CharField(_("照片格式"), max_length=32, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance_m = models.FloatField(_("距资产（米）"), null=True, blank=True)
    verified = models.BooleanField(_("签到有效"), default=False)
    flags = models.JSONField(_("签到问题"), default=list, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡检")
        verbose_name_plural = _("巡检")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "done_on", "due_on"], name="service_insp_assignee"),
            # The lists of open tasks in their order (county, grid), read without a sort.
            models.Index(
                fields=["due_on", "id"],
                condition=Q(done_on__isnull=True),
                name="service_insp_open_due",
            ),
            models.Index(
                fields=["grid", "due_on", "id"],
                condition=Q(done_on__isnull=True),
                name="service_insp_open_grid",
            ),
            # Coverage counts a month's tasks per grid from the index alone: the county's
            # from the month's range, a manager's from their grid's.
            models.Index(fields=["due_on", "grid", "done_on"], name="service_insp_coverage"),
            models.Index(fields=["grid", "due_on", "done_on"], name="service_insp_grid_cover"),
        ]
        constraints = [
            # One open task per asset: what makes the daily generation idempotent.
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(done_on__isnull=True),
                name="inspection_one_open_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True, finding="")
                | Q(done_on__isnull=False, finding__in=["ok", "defect"]),
                name="inspection_done_has_finding",
            ),
            models.CheckConstraint(
                condition=~Q(finding="defect") | ~Q(severity=""),
                name="inspection_defect_has_severity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset.code} · {self.due_on:%Y-%m-%d}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def on_time(self) -> bool | None:
        if self.done_on is None:
            return None
        return self.done_on <= self.due_on

    def overdue(self, today: Any = None) -> bool:
        return self.done_on is None and self.due_on < (today or clock.today())
