"""Sites (the units grids are made of) and versioned grid plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.org.models import Grid, Region, validate_boundary
from wangge.territory.attributes import workload
from wangge.territory.freshness import resurvey_cutoff

_SHARE: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 4,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}
#: The age bands of the residents' profile (小区住户分类及特征), as fractions of the owners.
AGE_SHARE_FIELDS = ("owners_young_share", "owners_middle_share", "owners_senior_share")
#: The estate survey's fields beyond the seed's first list (forms, imports and the API edit them).
SURVEY_FIELDS = ("pc_owners", *AGE_SHARE_FIELDS, "tenant_share", "residents_note")


def site_q(scope: Scope, prefix: str = "") -> Q:
    """Sites are seen by their grid's team; agents work from their own accounts, not from
    the grid's sites. `prefix` composes the rule for records that belong to a site."""
    if scope.own_records_only:
        return Q(pk__in=[])
    return Q(**{f"{prefix}grid_id__in": scope.grid_ids})


def site_visible(scope: Scope, site: Any) -> bool:
    """`site_q` for one loaded site, without a query."""
    return SiteQuerySet.visible(scope, site)


class SiteQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return not scope.own_records_only and obj.grid_id in scope.grid_ids


class Site(ConstraintFields, Versioned, models.Model):
    """A unit placed in a grid (网格单元): a residential estate, a building, or premises.

    `grid` is the grid of the active plan, kept in step by plan activation so that scoping
    and lists need no join through plans; past attribution lives in `SiteAssignment`.

    `customers` (现有用户数, read by balancing, plan comparison and the map) has one source
    of truth: once the crm holds any customer at the site, it is the number of those
    customers who are ours (relationship existing or new), kept current by the crm's
    services in the same transaction as the customer write (`crm.services.
    site_counts_refresh`, which bulk imports call once per chunk). No form, API or
    import writes it (`services.SITE_FIELDS`): a typed figure would disagree with the
    customers listed at the site. A site the crm knows nothing of counts 0 (the demo
    loader's own figures excepted).
    """

    class Kind(models.TextChoices):
        ESTATE = "estate", _("小区")
        BUILDING = "building", _("楼宇")
        PREMISES = "premises", _("单位")

    class PremisesKind(models.TextChoices):
        SCHOOL = "school", _("学校")
        ENTERPRISE = "enterprise", _("企业")
        GOVERNMENT = "government", _("政府机关")
        OTHER = "other", _("其他")

    code = models.CharField(_("编码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100, validators=[visible_text])
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    lat = models.FloatField(_("纬度"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    region = models.ForeignKey(
        Region,
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sites",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sites",
    )
    estate = models.ForeignKey(
        "self",
        verbose_name=_("所属小区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="buildings",
        limit_choices_to={"kind": "estate"},
    )
    households = models.PositiveIntegerField(_("总户数"), default=0)
    covered_households = models.PositiveIntegerField(_("覆盖户数"), default=0)
    free_ports = models.PositiveIntegerField(_("空闲端口"), default=0)
    customers = models.PositiveIntegerField(_("现有用户数"), default=0)
    # Survey fields of an estate (seed §五): 交房时间, 入住率, 物业公司及联系人.
    delivery_date = models.DateField(_("交房时间"), null=True, blank=True)
    occupancy_rate = models.DecimalField(
        _("入住率"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)
    property_contact = models.CharField(_("物业联系人"), max_length=50, blank=True)
    property_phone = models.CharField(_("物业联系电话"), max_length=32, blank=True)
    premises_kind = models.CharField(
        _("单位类型"), max_length=16, choices=PremisesKind.choices, blank=True
    )
    # The estate survey the seed asks for (§五(四)1): who lives there, how many have a
    # computer, and when someone last confirmed it all on the ground (like crm records).
    pc_owners = models.PositiveIntegerField(_("拥有电脑人数"), null=True, blank=True)
    owners_young_share = models.DecimalField(_("业主35岁以下占比"), **_SHARE)
    owners_middle_share = models.DecimalField(_("业主35-60岁占比"), **_SHARE)
    owners_senior_share = models.DecimalField(_("业主60岁以上占比"), **_SHARE)
    tenant_share = models.DecimalField(_("租户占比"), **_SHARE)
    residents_note = models.CharField(_("住户特征"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    constraint_fields: ClassVar[dict[str, str]] = {
        "site_covered_not_above_households": "covered_households",
        "site_customers_not_above_households": "households",
    }
    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格单元")
        verbose_name_plural = _("网格单元")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["grid", "kind"]),
            models.Index(fields=["grid", "verified_at"], name="site_grid_verified_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(covered_households__lte=F("households")),
                name="site_covered_not_above_households",
                violation_error_message=_("覆盖户数不能超过总户数。"),
            ),
            models.CheckConstraint(
                condition=Q(customers__lte=F("households")) | Q(kind="premises"),
                name="site_customers_not_above_households",
                violation_error_message=_("现有用户数不能超过总户数。"),
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="site_lonlat_range",
            ),
            models.CheckConstraint(
                condition=Q(occupancy_rate__isnull=True)
                | Q(occupancy_rate__gte=0, occupancy_rate__lte=1),
                name="site_occupancy_rate_range",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0, f"{f}__lte": 1}),
                    name=f"site_{f}_range",
                )
                for f in (*AGE_SHARE_FIELDS, "tenant_share")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        super().clean()
        if message := age_shares_error(*(getattr(self, f) for f in AGE_SHARE_FIELDS)):
            raise ValidationError({"owners_senior_share": message})

    @property
    def needs_resurvey(self) -> bool:
        """Never verified, or verified longer ago than the re-survey period (待复核)."""
        return self.verified_at is None or self.verified_at < resurvey_cutoff()

    @property
    def workload(self) -> float:
        return workload(self.households, self.customers)


def age_shares_error(*shares: Any) -> str | None:
    """The owners' age bands are parts of one whole: together at most 100 %."""
    total = sum((s for s in shares if s is not None), start=Decimal(0))
    if total > 1:
        return str(_("各年龄段占比之和不能超过 100%。"))
    return None


class GridPlanQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        # Drafts are the market department's working material; others see what is in force.
        if scope.own_records_only:
            return Q(pk__in=[])
        return Q(**{f"{prefix}status__in": [GridPlan.Status.ACTIVE, GridPlan.Status.RETIRED]})

    def active(self) -> GridPlan | None:
        return self.filter(status=GridPlan.Status.ACTIVE).first()

    def in_force_on(self, day: dt.date) -> GridPlan | None:
        return (
            self.exclude(status=GridPlan.Status.DRAFT)
            .filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
            .order_by("-effective_from", "-id")
            .first()
        )


class GridPlan(models.Model):
    """A versioned set of grids (网格方案). One is active; retired ones keep past attribution."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("生效中")
        RETIRED = "retired", _("已停用")

    class Source(models.TextChoices):
        MANUAL = "manual", _("手工")
        IMPORT = "import", _("导入")
        AUTO = "auto", _("自动划分")
        CURRENT = "current", _("现行网格")

    name = models.CharField(_("方案名称"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("基于方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_to = models.DateField(_("停用日期"), null=True, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    progress = models.FloatField(_("进度"), default=1.0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    failed = models.TextField(_("失败原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    objects = GridPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格方案")
        verbose_name_plural = _("网格方案")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="active"),
                name="plan_one_active",
                violation_error_message=_("同一时间只能有一个生效的方案。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=False, effective_to__gte=F("effective_from")),
                name="plan_effective_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="plan_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def running(self) -> bool:
        return self.progress < 1 and not self.failed

    @property
    def editable(self) -> bool:
        """Only a draft changes: a plan in force or retired is the record of what was."""
        return self.status == self.Status.DRAFT


class PlanGrid(models.Model):
    """One grid as a plan draws it. `grid` links to the organisation's grid it becomes."""

    plan = models.ForeignKey(
        GridPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="grids"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_grids",
    )
    code = models.CharField(_("网格编码"), max_length=32)
    name = models.CharField(_("网格名称"), max_length=64)
    region = models.ForeignKey(
        Region,
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    boundary = models.JSONField(_("边界"), null=True, blank=True, validators=[validate_boundary])
    totals = models.JSONField(_("合计"), default=dict, blank=True)
    compactness = models.FloatField(_("紧凑度"), null=True, blank=True)
    locked = models.BooleanField(_("锁定"), default=False)

    class Meta:
        verbose_name = _("方案网格")
        verbose_name_plural = _("方案网格")
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_grid_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SiteAssignment(models.Model):
    """Which grid of a plan holds a site. `plan_grid` null: the site lies outside every grid."""

    plan = models.ForeignKey(
        GridPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="assignments"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("网格单元"), on_delete=models.CASCADE, related_name="assignments"
    )
    plan_grid = models.ForeignKey(
        PlanGrid,
        verbose_name=_("方案网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    locked = models.BooleanField(_("锁定"), default=False)

    class Meta:
        verbose_name = _("单元归属")
        verbose_name_plural = _("单元归属")
        constraints = [
            models.UniqueConstraint(fields=["plan", "site"], name="assignment_once_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} → {self.plan_grid_id}"


class ServiceArea(models.Model):
    """The operator's service area (usually the county outline). Gaps are measured inside it."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    boundary = models.JSONField(_("边界"), validators=[validate_boundary])
    source = models.CharField(_("数据来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务区域")
        verbose_name_plural = _("服务区域")

    def __str__(self) -> str:
        return self.name


#: What a team visits and surveys one by one: estates and premises (a building is part of its
#: estate's survey).
SURVEYED_KINDS = (Site.Kind.ESTATE, Site.Kind.PREMISES)


class SurveyAssignmentQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, f"{prefix}site__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return site_visible(scope, obj.site)


class SurveyAssignment(models.Model):
    """Who visits a site to survey it (分工逐一拜访): the grid manager splits the grid's
    estates and premises (schools, enterprises, government…) among the team, one person
    per site. Done is the site's own verification (`Site.verified_at`) within the period."""

    site = models.OneToOneField(
        Site, verbose_name=_("网格单元"), on_delete=models.CASCADE, related_name="survey"
    )
    assignee = models.ForeignKey(
        "org.Staff",
        verbose_name=_("调查人"),
        on_delete=models.CASCADE,
        related_name="survey_assignments",
    )
    assigned_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("分派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    assigned_at = models.DateTimeField(_("分派时间"), default=clock.now)

    objects = SurveyAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("调查分工")
        verbose_name_plural = _("调查分工")
        ordering = ["assignee_id", "site_id"]

    def __str__(self) -> str:
        return f"{self.site_id} → {self.assignee_id}"
