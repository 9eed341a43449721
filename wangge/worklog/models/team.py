"""The team's basics (§四(四), §五(二)): meetings with attendance and action items, the
problem board (工作难题研讨), training, and planned rotations (轮岗).

A meeting, a problem and a training belong to a grid (a training may be county-wide, with
no grid): the grid's team sees them; agents see only the meetings and trainings they
attended. Rotations change org memberships, which is the market department's business.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.org.models import Grid, Staff
from wangge.org.roles import GRID_ROLES


def meeting_q(scope: Scope, prefix: str = "") -> Q:
    attended = Attendance.objects.filter(staff_id=scope.staff_id or 0).values("meeting_id")
    mine = Q(**{f"{prefix}id__in": attended})
    if scope.own_records_only:
        return mine
    return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | mine


class MeetingQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return meeting_q(scope, prefix)


class Meeting(Versioned):
    class Kind(models.TextChoices):
        MORNING = "morning", _("晨会")
        WEEKLY = "weekly", _("周例会")
        MONTHLY = "monthly", _("月度会")

    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices)
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("日期"))
    title = models.CharField(_("主题"), max_length=100, validators=[visible_text])
    minutes = models.TextField(_("会议纪要"), max_length=5000, blank=True)
    chair = models.ForeignKey(
        Staff,
        verbose_name=_("主持人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["grid", "-on"], name="worklog_meeting_grid_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%Y-%m-%d} {self.title}"


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances"
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("参会人"), on_delete=models.CASCADE, related_name="+"
    )
    present = models.BooleanField(_("出席"), default=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["staff__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "staff"], name="worklog_attend_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.staff.name}"


class ActionItemQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return meeting_q(scope, f"{prefix}meeting__") | Q(
            **{f"{prefix}owner_id": scope.staff_id or 0}
        )


class ActionItem(models.Model):
    """A task a meeting gave someone, due on a day (it shows in their today view)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="actions"
    )
    text = models.CharField(_("事项"), max_length=200, validators=[visible_text])
    owner = models.ForeignKey(
        Staff, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议待办")
        verbose_name_plural = _("会议待办")
        ordering = ["due", "id"]
        indexes = [
            models.Index(
                fields=["owner", "due"],
                condition=Q(done_at__isnull=True),
                name="worklog_action_open_idx",
            )
        ]

    def __str__(self) -> str:
        return self.text


class ProblemQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        if scope.own_records_only:
            return Q(**{f"{prefix}raised_by_id": scope.staff_id or 0})
        return Q(**{f"{prefix}grid_id__in": scope.grid_ids})


class Problem(ConstraintFields, Versioned):
    """A hard problem of the grid's work (工作难题): raised, discussed at a meeting, resolved."""

    class Status(models.TextChoices):
        RAISED = "raised", _("已提出")
        DISCUSSED = "discussed", _("已研讨")
        RESOLVED = "resolved", _("已解决")

    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("难题"), max_length=100, validators=[visible_text])
    detail = models.TextField(_("情况说明"), max_length=2000, blank=True)
    raised_by = models.ForeignKey(
        Staff, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("提出时间"), default=clock.now)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RAISED
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("研讨会议"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
    )
    resolution = models.TextField(_("解决办法"), max_length=2000, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {"worklog_problem_resolved": "resolution"}
    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作难题")
        verbose_name_plural = _("工作难题")
        ordering = ["status", "-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="worklog_problem_resolved",
                violation_error_message=_("解决的难题须写明解决办法。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class TrainingQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        attended = TrainingAttendance.objects.filter(staff_id=scope.staff_id or 0).values(
            "training_id"
        )
        mine = Q(**{f"{prefix}id__in": attended})
        if scope.own_records_only:
            return mine
        return (
            Q(**{f"{prefix}grid__isnull": True})
            | Q(**{f"{prefix}grid_id__in": scope.grid_ids})
            | mine
        )


class Training(Versioned):
    topic = models.CharField(_("培训主题"), max_length=100, validators=[visible_text])
    trainer = models.CharField(_("讲师"), max_length=32, validators=[visible_text])
    on = models.DateField(_("日期"))
    #: None: county-wide (the market department's training).
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("说明"), max_length=2000, blank=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.topic}"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(
        Training, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendances"
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("成绩"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["staff__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["training", "staff"], name="worklog_trained_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="worklog_training_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training} {self.staff.name}"


class RotationPlanQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}staff_id": scope.staff_id or 0}) | Q(
            **{f"{prefix}grid_id__in": scope.managed_grid_ids}
        )


class RotationPlan(Versioned):
    """A planned move (轮岗): on `effective_on` the person serves `grid` as `role`, which
    becomes their primary grid; the scheduled job applies it through org's services."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待生效")
        APPLIED = "applied", _("已生效")
        CANCELLED = "cancelled", _("已取消")
        FAILED = "failed", _("未能生效")

    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.CASCADE, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("新网格"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        _("网格内角色"), max_length=32, choices=[(r.value, r.label) for r in GRID_ROLES]
    )
    effective_on = models.DateField(_("生效日期"))
    #: Leave the previous primary grid (a rotation), or keep it as a second grid.
    leave_previous = models.BooleanField(_("离开原主网格"), default=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    applied_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    error = models.CharField(_("未生效原因"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RotationPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("轮岗计划")
        verbose_name_plural = _("轮岗计划")
        ordering = ["effective_on", "id"]
        indexes = [
            models.Index(
                fields=["effective_on"],
                condition=Q(status="planned"),
                name="worklog_rotation_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} → {self.grid.code} {self.effective_on:%Y-%m-%d}"
