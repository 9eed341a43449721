"""Indicators and targets (指标与目标): the company's annual target per indicator, decomposed
to grids, to named persons (实名制) and to their months; a virtual team's own set besides.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.models import Versioned
from wangge.org.models import Grid, Staff, Team
from wangge.performance.models.sales import BusinessLine

TARGET_MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Indicator(Versioned):
    """What a target counts: sales records of a business line (a count or their amount),
    or renewals paid (from the retention app's renewal tasks)."""

    class Unit(models.TextChoices):
        COUNT = "count", _("户数")
        MONEY = "money", _("金额（元）")

    class Source(models.TextChoices):
        SALES = "sales", _("销售记录")
        RENEWALS = "renewals", _("续费")

    code = models.SlugField(_("指标编码"), max_length=32, unique=True)
    name = models.CharField(_("指标名称"), max_length=64)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    source = models.CharField(_("实绩来源"), max_length=16, choices=Source.choices)
    business_line = models.CharField(
        _("业务线"), max_length=16, choices=BusinessLine.choices, blank=True
    )
    #: Weight in the performance score (绩效得分); the seed weighs broadband revenue and volume.
    score_weight = models.DecimalField(
        _("绩效权重"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    #: The indicator 成长之星 measures (sales completion).
    is_sales = models.BooleanField(_("销售完成率指标"), default=False)
    sort = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def places(self) -> int:
        """Decomposition unit: whole customers, or fen."""
        return 2 if self.unit == self.Unit.MONEY else 0


class TargetQuerySet(ScopedQuerySet):
    """A person sees their own targets; a grid manager their grids' (grid and persons); a
    virtual team's leader the team's; the market department all (company level included)."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        me = scope.staff_id or 0
        mine = Q(**{f"{prefix}staff_id": me}) | Q(**{f"{prefix}team__leader_id": me})
        if scope.own_records_only:
            return Q(**{f"{prefix}staff_id": me})
        return mine | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.staff_id == scope.staff_id:
            return True
        if scope.own_records_only:
            return False
        if obj.grid_id is not None and obj.grid_id in scope.managed_grid_ids:
            return True
        return bool(obj.team_id and scope.staff_id and obj.team.leader_id == scope.staff_id)


class Target(models.Model):
    """One figure of a decomposition: an indicator's target for a year (month 0) or one
    month, at company, grid, virtual-team or person level.

    A person's target under a virtual team (`team` set) is their second set (the team's),
    beside their department's (`team` empty); `grid` on a person's row is the grid it was
    decomposed from, which is whose manager edits it.
    """

    class Level(models.TextChoices):
        COMPANY = "company", _("公司")
        GRID = "grid", _("网格")
        TEAM = "team", _("虚拟团队")
        PERSON = "person", _("个人")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    #: 0 for the whole year, 1–12 for a month.
    month = models.PositiveSmallIntegerField(
        _("月份"), default=0, validators=[MaxValueValidator(12)]
    )
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("员工"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.DecimalField(
        _("目标值"), validators=[MinValueValidator(Decimal(0))], **TARGET_MONEY
    )

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["indicator__sort", "year", "level", "grid_id", "staff_id", "month"]
        indexes = [
            models.Index(fields=["indicator", "year", "level"], name="perf_target_level_idx"),
            models.Index(fields=["staff", "year"], name="perf_target_staff_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="perf_target_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(level="company", grid__isnull=True, team__isnull=True, staff__isnull=True)
                    | Q(level="grid", grid__isnull=False, team__isnull=True, staff__isnull=True)
                    | Q(level="team", team__isnull=False, staff__isnull=True)
                    | Q(level="person", staff__isnull=False)
                ),
                name="perf_target_level_fields",
                violation_error_message=_("目标的层级与网格、团队、员工不一致。"),
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "month"],
                condition=Q(level="company"),
                name="perf_target_company_once",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "month", "grid"],
                condition=Q(level="grid"),
                name="perf_target_grid_once",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "month", "team"],
                condition=Q(level="team"),
                name="perf_target_team_once",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "month", "staff"],
                condition=Q(level="person", team__isnull=True),
                name="perf_target_person_once",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "month", "staff", "team"],
                condition=Q(level="person", team__isnull=False),
                name="perf_target_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year}-{self.month:02d} {self.level} {self.value}"


class TeamWeights(Versioned):
    """How a virtual team's members are scored: their department part and the team part
    (seed 步骤二2). A team without a row uses the defaults."""

    DEFAULT_DEPARTMENT = Decimal("0.60")
    DEFAULT_TEAM = Decimal("0.40")

    team = models.OneToOneField(
        Team, verbose_name=_("虚拟团队"), on_delete=models.CASCADE, related_name="+"
    )
    department_weight = models.DecimalField(
        _("部门考核权重"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_DEPARTMENT,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    team_weight = models.DecimalField(
        _("团队考核权重"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_TEAM,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )

    class Meta:
        verbose_name = _("虚拟团队考核权重")
        verbose_name_plural = _("虚拟团队考核权重")
        constraints = [
            models.CheckConstraint(
                condition=Q(department_weight__gte=0, team_weight__gte=0),
                name="perf_team_weights_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.department_weight}/{self.team_weight}"
