"""Market-knowledge records: daily snapshots of the headline figures, so trends are history."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.org.models import Grid, Staff


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
