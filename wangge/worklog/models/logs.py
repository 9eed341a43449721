"""The daily work log (工作日志), its daily review, and the leave that excuses a day.

A log belongs to its author and to the grid the author worked in when they started it (the
primary grid then), so the grid's manager keeps reviewing it after a rotation moves the
author. The activity lines are a snapshot taken at each submission: the log says what the
system knew of the day when the author vouched for it, not what it knows later.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.org.models import Grid, Staff
from wangge.org.roles import Role

#: Who files a log every working day (§三.2(4)): the grid's field people.
LOG_ROLES: tuple[str, ...] = (Role.ACCOUNT_MARKETER, Role.SALES_MARKETER, Role.TECHNICIAN)


def log_q(scope: Scope, prefix: str = "") -> Q:
    """Own logs; a manager also those of the grids they manage (not the whole team's view
    a marketer has of customers: a log is a personal report to one's manager)."""
    return Q(**{f"{prefix}author_id": scope.staff_id or 0}) | Q(
        **{f"{prefix}grid_id__in": scope.managed_grid_ids}
    )


class WorkLogQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return log_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.author_id == scope.staff_id:
            return True
        return obj.grid_id in scope.managed_grid_ids


class WorkLog(ConstraintFields, Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审阅")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    #: States in which the author may still change the text.
    EDITABLE: ClassVar[tuple[str, ...]] = ("draft", "returned")

    author = models.ForeignKey(
        Staff, verbose_name=_("填写人"), on_delete=models.PROTECT, related_name="work_logs"
    )
    day = models.DateField(_("日期"))
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    #: [{"source": title, "text": line, "url": link}], snapshot of `day_activity_for`.
    activity = models.JSONField(_("当日工作记录"), default=list, blank=True)
    findings = models.TextField(_("成果与信息"), max_length=2000, blank=True)
    problems = models.TextField(_("遇到的问题"), max_length=2000, blank=True)
    plan = models.TextField(_("明日计划"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    #: The first submission: lateness is judged on it (a revision after a return is not late).
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    resubmitted_at = models.DateTimeField(_("最近提交"), null=True, blank=True)
    late = models.BooleanField(_("迟交"), default=False)
    score = models.PositiveSmallIntegerField(
        _("评分"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    reviewed_at = models.DateTimeField(_("首次审阅时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        Staff,
        verbose_name=_("审阅人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    return_comment = models.CharField(_("退回意见"), max_length=500, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "worklog_one_per_day": "day",
        "worklog_score_range": "score",
    }
    objects = WorkLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        ordering = ["-day", "author__employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "day"],
                name="worklog_one_per_day",
                violation_error_message=_("这一天已有日志，请编辑原日志。"),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="worklog_score_range",
                violation_error_message=_("评分为 1 到 5 分。"),
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "status", "day"], name="worklog_grid_status_idx"),
            models.Index(fields=["day"], name="worklog_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author.name} {self.day:%Y-%m-%d}"

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE


class LogReviewQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return log_q(scope, f"{prefix}log__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return WorkLogQuerySet.visible(scope, obj.log)


class LogReview(models.Model):
    """One review of a log (the history: a log returned twice has three)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("通过")
        RETURN = "return", _("退回")

    log = models.ForeignKey(
        WorkLog, verbose_name=_("工作日志"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        Staff, verbose_name=_("审阅人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("审阅时间"), default=clock.now)
    decision = models.CharField(_("审阅结果"), max_length=16, choices=Decision.choices)
    score = models.PositiveSmallIntegerField(
        _("评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("审阅意见"), max_length=500, blank=True)

    objects = LogReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("日志审阅")
        verbose_name_plural = _("日志审阅")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.log} {self.get_decision_display()}"


class LeaveQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}staff_id": scope.staff_id or 0}) | Q(
            **{f"{prefix}staff__memberships__grid_id__in": scope.managed_grid_ids}
        )


class Leave(models.Model):
    """A person's recorded leave: no log is expected on these days."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.CASCADE, related_name="leaves"
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    note = models.CharField(_("事由"), max_length=200, blank=True)

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="worklog_leave_order",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"
