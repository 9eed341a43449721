"""Cross-cutting records: the audit log, the export log, import and export jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet


class AuditEntry(models.Model):
    """One write by one actor: what the object looked like before and after.

    Entries are never edited. The actor's name is copied so the log still reads
    correctly after the account is removed.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_repr = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def changes(self) -> list[tuple[str, Any, Any]]:
        """Fields whose value differs, as (field, before, after)."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ExportLog(models.Model):
    """One export: who took which rows out of the system, with which filter."""

    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: Copied like `AuditEntry.actor_repr`; "system" for the command line without `--as`.
    user_repr = models.CharField(_("导出人名称"), max_length=150, blank=True)
    kind = models.CharField(_("数据类型"), max_length=32)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"))

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_repr} {self.kind} ({self.rows})"


class ImportJobQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        # A job holds a whole uploaded file: only its uploader (and the market department,
        # whose scope is everything) may see it.
        return Q(**{f"{prefix}user_id": scope.user_id})


class ImportJob(models.Model):
    """An uploaded file on its way in: kept server-side from preview to commit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("待确认")
        COMMITTING = "committing", _("写入中")
        DONE = "done", _("已导入")
        #: Validated with nothing to write: every row unchanged or in error.
        NOTHING = "nothing", _("无需写入")
        FAILED = "failed", _("失败")

    created_at = models.DateTimeField(_("上传时间"), default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("数据类型"), max_length=32)
    filename = models.CharField(_("文件名"), max_length=200)
    data = models.BinaryField(_("文件内容"))
    rows_estimate = models.PositiveIntegerField(_("估计行数"), default=0)
    strict = models.BooleanField(_("严格模式"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("进度"), default=0.0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    report = models.JSONField(_("结果"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="import_job_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in {
            self.Status.QUEUED,
            self.Status.VALIDATING,
            self.Status.COMMITTING,
        }


class ExportJobQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        # The same rule as an import job's: a finished job holds a whole list.
        return Q(**{f"{prefix}user_id": scope.user_id})


class ExportJob(models.Model):
    """A list too long to write inside a request, written by the task worker and kept
    for its requester to download."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    created_at = models.DateTimeField(_("申请时间"), default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("数据类型"), max_length=32)
    #: The list page's query string, applied again in the worker with the user's scope then.
    params = models.JSONField(_("筛选参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("进度"), default=0.0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    filename = models.CharField(_("文件名"), max_length=200)
    data = models.BinaryField(_("文件内容"), default=b"")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="export_job_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class JobRun(models.Model):
    """One due run of a scheduled job (`wangge.core.schedule`): queued once per due time,
    which the unique constraint guarantees across schedulers."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    name = models.CharField(_("任务"), max_length=64)
    due_at = models.DateTimeField(_("应运行时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    queued_at = models.DateTimeField(_("排队时间"), default=clock.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        ordering = ["-due_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "due_at"], name="job_run_once_per_due_time")
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.due_at:%Y-%m-%d %H:%M}"


class Versioned(models.Model):
    """A record people edit from two screens at once: each saved change bumps `version`.

    An editor sends back the version they loaded (the API's `version`, the form's hidden
    field); `core.services.audited_update` refuses a stale one (`StaleVersion`: 409 in the
    API, a message on the form) instead of silently overwriting the other person's edit.
    Bulk writes bump it too (`core.imports.bulk.bulk_update_changed`).
    """

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class CalendarDay(models.Model):
    """The operator's correction of the official working calendar (`core.workdays`): a
    holiday or a 调休 working weekend the `chinese-calendar` package does not know yet."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"))
    name = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class NotificationQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}recipient_id": scope.user_id})

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one person in the app (`core.notify`): an alert, an item due, a digest.

    `key` makes a repeated alert (a job that runs every night) land once per person.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件人"),
    )
    kind = models.CharField(_("类别"), max_length=48)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(_("去重键"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notify_inbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"],
                condition=~Q(key=""),
                name="notify_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title
