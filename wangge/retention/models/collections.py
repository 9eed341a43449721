"""Renewals and arrears as grid work (续费、欠费催缴): tasks and the payments that close them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.crm.models import Customer, Subscription
from wangge.crm.models.catalogue import MONEY
from wangge.org.models import Grid, Staff
from wangge.retention.scopes import OwnedWorkQuerySet, PaymentQuerySet


class CollectionTask(ConstraintFields, Versioned):
    """Ask one customer to renew an expiring subscription or to pay what it owes.

    A task belongs to a `cycle`: the expiry date it renews, or the month of the arrears, so
    the nightly generation makes one task per subscription and cycle however often it runs,
    and a refusal is not asked again until the next cycle. A promise to pay on a date
    closes the task and opens a follow-up (`parent`) due that day.
    """

    class Kind(models.TextChoices):
        RENEWAL = "renewal", _("续费")
        ARREARS = "arrears", _("欠费催缴")

    class Status(models.TextChoices):
        OPEN = "open", _("待催缴")
        PAID = "paid", _("已缴费")
        PROMISED = "promised", _("承诺缴费")
        REFUSED = "refused", _("拒绝")
        UNREACHABLE = "unreachable", _("联系不上")

    #: The outcomes a person records (paid also arrives from billing's payments).
    OUTCOMES: ClassVar[tuple[str, ...]] = ("paid", "promised", "refused", "unreachable")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("订购"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        Staff, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    cycle = models.DateField(_("周期"))
    due_on = models.DateField(_("应缴日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)  # type: ignore[arg-type]
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    promised_on = models.DateField(_("承诺缴费日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    note = models.CharField(_("情况记录"), max_length=500, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("原任务"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="follow_ups",
    )  # fmt: skip
    payment = models.ForeignKey(
        "retention.Payment", verbose_name=_("缴费记录"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="tasks",
    )  # fmt: skip
    created_on = models.DateField(_("生成日期"), default=clock.today)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "retention_task_cycle_unique": "cycle",
        "retention_task_promise_dated": "promised_on",
        "retention_task_refusal_reason": "reason",
    }
    objects = OwnedWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("催缴任务")
        verbose_name_plural = _("催缴任务")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="retention_task_owner_idx"),
            models.Index(fields=["grid", "status", "due_on"], name="retention_task_grid_idx"),
            models.Index(fields=["subscription", "status"], name="retention_task_sub_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "kind", "cycle"],
                condition=Q(parent__isnull=True),
                name="retention_task_cycle_unique",
                violation_error_message=_("这条订购在本周期已有催缴任务。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="promised") | Q(promised_on__isnull=False),
                name="retention_task_promise_dated",
                violation_error_message=_("承诺缴费须填写承诺日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(reason=""),
                name="retention_task_refusal_reason",
                violation_error_message=_("拒绝须填写原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Payment(models.Model):
    """A payment as billing reported it (import kind `payments`), keyed by its reference."""

    reference = models.CharField(_("缴费流水号"), max_length=64, unique=True)
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("订购"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("缴费金额（元）"), **MONEY)  # type: ignore[arg-type]
    paid_on = models.DateField(_("缴费日期"))
    created_at = models.DateTimeField(_("导入时间"), default=clock.now)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="retention_payment_amount_positive",
                violation_error_message=_("缴费金额必须大于零。"),
            )
        ]

    def __str__(self) -> str:
        return self.reference
