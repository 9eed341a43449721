"""Market-knowledge records: daily snapshots of the headline figures, so trends are history."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.org.models import Grid, Staff
from wangge.territory.models import Site, site_q, site_visible


def snapshot_q(scope: Scope, prefix: str = "") -> Q:
    """The county's figures are the market department's; a grid's are its team's; a
    person's are theirs and their grid manager's (agents: their own only)."""
    mine = Q(**{f"{prefix}level": "person", f"{prefix}staff_id": scope.staff_id})
    if scope.staff_id is None:
        mine = Q(pk__in=[])
    if scope.own_records_only:
        return mine
    grid = Q(**{f"{prefix}level": "grid", f"{prefix}grid_id__in": scope.grid_ids})
    team = Q(**{f"{prefix}level": "person", f"{prefix}grid_id__in": scope.managed_grid_ids})
    return mine | grid | team


class SnapshotQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return snapshot_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if obj.level == Snapshot.Level.PERSON and scope.staff_id == obj.staff_id:
            return scope.staff_id is not None
        if scope.own_records_only:
            return False
        if obj.level == Snapshot.Level.GRID:
            return obj.grid_id in scope.grid_ids
        return obj.level == Snapshot.Level.PERSON and obj.grid_id in scope.managed_grid_ids


class Snapshot(models.Model):
    """One measure's numerator and denominator on one day, for the county, a grid or a
    person (reach per customer owner; `grid` is the person's primary grid that day)."""

    class Level(models.TextChoices):
        COUNTY = "county", _("全县")
        GRID = "grid", _("网格")
        PERSON = "person", _("个人")

    day = models.DateField(_("日期"))
    measure = models.CharField(_("指标"), max_length=32)
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    numerator = models.PositiveBigIntegerField(_("分子"))
    denominator = models.PositiveBigIntegerField(_("分母"))
    taken_at = models.DateTimeField(_("计算时间"), default=clock.now)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        ordering = ["day", "measure", "id"]
        indexes = [
            # A trend reads one level's series of one measure, per grid or person.
            models.Index(fields=["level", "measure", "day"], name="insights_snap_level_idx"),
            models.Index(fields=["grid", "measure", "day"], name="insights_snap_grid_idx"),
            models.Index(fields=["staff", "measure", "day"], name="insights_snap_staff_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "measure"],
                condition=Q(level="county"),
                name="insights_snap_county_once",
            ),
            models.UniqueConstraint(
                fields=["day", "measure", "grid"],
                condition=Q(level="grid"),
                name="insights_snap_grid_once",
            ),
            models.UniqueConstraint(
                fields=["day", "measure", "staff"],
                condition=Q(level="person"),
                name="insights_snap_person_once",
            ),
            models.CheckConstraint(
                condition=Q(level="county", grid__isnull=True, staff__isnull=True)
                | Q(level="grid", grid__isnull=False, staff__isnull=True)
                | Q(level="person", staff__isnull=False),
                name="insights_snap_level_keys",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.numerator}/{self.denominator}"

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


# --- market potential, computed by the nightly job (the pages only read it) ----------------


class PotentialRun(models.Model):
    """One fit of the market potential model on the county's estates (the nightly job or
    `wangge potential --store`): the model, its held-out error beside the grid-average
    baseline, and when it was computed. Pages and the API read the latest; they never fit."""

    computed_at = models.DateTimeField(_("计算时间"), default=clock.now)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    estates = models.PositiveIntegerField(_("小区数"))
    fitted_on = models.PositiveIntegerField(_("拟合小区数"))
    intercept = models.FloatField(_("平均渗透率"))
    #: Per factor key: its mean, spread and coefficient (the model, for the record).
    model = models.JSONField(_("模型"), default=dict)
    held_out = models.PositiveIntegerField(_("留出检验小区数"), default=0)
    folds = models.PositiveSmallIntegerField(_("折数"), default=0)
    model_mae = models.FloatField(_("模型平均误差"), default=0)
    baseline_mae = models.FloatField(_("基线平均误差"), default=0)
    model_customers_mae = models.FloatField(_("模型平均误差（用户数）"), default=0)
    baseline_customers_mae = models.FloatField(_("基线平均误差（用户数）"), default=0)

    class Meta:
        verbose_name = _("市场潜力计算")
        verbose_name_plural = _("市场潜力计算")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} ({self.fitted_on})"


class SiteForecastQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, f"{prefix}site__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return site_visible(scope, obj.site)


class SiteForecast(models.Model):
    """An estate's forecast in one run: penetration, the customers it can bring in all
    (`potential`) and the factors behind it, largest first. Untapped potential is read as
    `potential` − the site's subscribers of the moment (never below 0)."""

    run = models.ForeignKey(
        PotentialRun, verbose_name=_("计算"), on_delete=models.CASCADE, related_name="sites"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("网格单元"), on_delete=models.CASCADE, related_name="+"
    )
    penetration = models.FloatField(_("预计渗透率"))
    potential = models.PositiveIntegerField(_("预计可发展用户数"))
    #: [[factor label, contribution to penetration], …], largest first.
    factors = models.JSONField(_("因素"), default=list)

    objects = SiteForecastQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区潜力预测")
        verbose_name_plural = _("小区潜力预测")
        constraints = [
            models.UniqueConstraint(fields=["run", "site"], name="insights_forecast_once"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.potential}"


def person_potential_q(scope: Scope, prefix: str = "") -> Q:
    """One's own share, and one's team's for a grid manager (the market department: all)."""
    mine = Q(**{f"{prefix}staff_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
    if scope.own_records_only:
        return mine
    return mine | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})


class PersonPotentialQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return person_potential_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.staff_id == scope.staff_id:
            return True
        return not scope.own_records_only and obj.grid_id in scope.managed_grid_ids


class PersonPotential(models.Model):
    """A grid's untapped potential split among its people in one run (人员潜力): a site's
    goes to whoever is assigned to survey it (a building: its estate's surveyor), else to
    the owners of its customers by how many each owns there; `staff` null is the part of
    the grid nobody holds yet."""

    class Basis(models.TextChoices):
        SURVEY = "survey", _("调查分工")
        OWNED = "owned", _("名下客户")
        NOBODY = "nobody", _("未分到人")

    run = models.ForeignKey(
        PotentialRun, verbose_name=_("计算"), on_delete=models.CASCADE, related_name="people"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    basis = models.CharField(_("依据"), max_length=8, choices=Basis.choices)
    untapped = models.PositiveIntegerField(_("待挖掘潜力"))
    sites = models.PositiveIntegerField(_("单元数"))

    objects = PersonPotentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员潜力")
        verbose_name_plural = _("人员潜力")
        indexes = [
            models.Index(fields=["run", "grid"], name="insights_person_pot_grid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "grid", "staff", "basis"], name="insights_person_pot_once"
            ),
            models.CheckConstraint(
                condition=Q(staff__isnull=True, basis="nobody")
                | Q(staff__isnull=False, basis__in=["survey", "owned"]),
                name="insights_person_pot_nobody",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.staff_id} {self.basis}: {self.untapped}"
