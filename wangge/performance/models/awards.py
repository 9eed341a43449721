"""Awards (奖项): 成长之星, 超越团队 and 创业之星, their rules and each award given."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.models import Versioned
from wangge.org.models import Staff, Team


class AwardKind(models.TextChoices):
    GROWTH_STAR = "growth_star", _("成长之星")
    SURPASS_TEAM = "surpass_team", _("超越团队")
    PIONEER_STAR = "pioneer_star", _("创业之星")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("月度")
    QUARTERLY = "quarterly", _("季度")


class AwardRule(Versioned):
    """How one award is given: its cadence, threshold (成长之星, percent of the sales
    target), measure and number of winners (超越团队), scorecard (创业之星) and amount."""

    class Measure(models.TextChoices):
        COMPLETION = "completion", _("完成率")
        GROWTH = "growth", _("环比增长")

    kind = models.CharField(_("奖项"), max_length=16, choices=AwardKind.choices, unique=True)
    cadence = models.CharField(
        _("评选周期"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    threshold_percent = models.DecimalField(
        _("完成率门槛（%）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(120),
        validators=[MinValueValidator(Decimal(0))],
    )
    measure = models.CharField(
        _("团队排名依据"), max_length=16, choices=Measure.choices, default=Measure.COMPLETION
    )
    top_n = models.PositiveSmallIntegerField(
        _("获奖名额"), default=3, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    amount = models.DecimalField(
        _("奖金（元）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    #: 创业之星's scorecard: [{"code", "weight", "full_at", "lower_is_better"}], weights in points.
    criteria = models.JSONField(_("评分标准"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("奖项规则")
        verbose_name_plural = _("奖项规则")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AwardQuerySet(ScopedQuerySet):
    """Everyone sees the awards (they are announced); scoping still applies to agents, who
    see their own only."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        if scope.own_records_only:
            return Q(**{f"{prefix}staff_id": scope.staff_id or 0})
        return Q()

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.own_records_only:
            return scope.staff_id is not None and obj.staff_id == scope.staff_id
        return True


class Award(models.Model):
    """One award for a period, to a person or a team. 成长之星 and 超越团队 are granted
    from the figures; 创业之星 is nominated with its scorecard and decided by the committee."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已提名")
        AWARDED = "awarded", _("已获奖")
        REJECTED = "rejected", _("未通过")

    kind = models.CharField(_("奖项"), max_length=16, choices=AwardKind.choices)
    period = models.CharField(_("周期"), max_length=7)  # YYYY-MM or YYYY-Qn
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("获奖人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("获奖团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    #: The figure it was given for: completion %, the team's measure, or scorecard points.
    figure = models.DecimalField(_("成绩"), max_digits=10, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)
    amount = models.DecimalField(
        _("奖金（元）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    details = models.JSONField(_("评分明细"), default=dict, blank=True)
    note = models.CharField(_("提名理由"), max_length=500, blank=True)
    nominated_by = models.ForeignKey(
        Staff,
        verbose_name=_("提名人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_on = models.DateField(_("评定日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("获奖记录")
        verbose_name_plural = _("获奖记录")
        ordering = ["-period", "kind", "rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False, team__isnull=True)
                | Q(staff__isnull=True, team__isnull=False),
                name="perf_award_person_or_team",
                violation_error_message=_("奖项颁给一个人或一个团队。"),
            ),
            models.UniqueConstraint(
                fields=["kind", "period", "staff"],
                condition=Q(staff__isnull=False),
                name="perf_award_person_once",
                violation_error_message=_("此人本周期已有该奖项。"),
            ),
            models.UniqueConstraint(
                fields=["kind", "period", "team"],
                condition=Q(team__isnull=False),
                name="perf_award_team_once",
                violation_error_message=_("该团队本周期已有该奖项。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"
