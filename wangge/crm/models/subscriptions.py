"""What each customer subscribes to: the basis of renewal (续费) and collection (催缴) lists."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.crm.models.catalogue import MONEY, TariffPlan
from wangge.crm.models.customers import Customer
from wangge.crm.models.scopes import CustomerChildQuerySet


class Subscription(ConstraintFields, Versioned):
    """One customer's plan: from when, until when, at what monthly fee, and what is owed.

    `monthly_fee` is what this customer actually pays (discounts, bundles), which may differ
    from the plan's list price. No expiry date means it runs month to month.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("在用")
        SUSPENDED = "suspended", _("暂停")
        EXPIRED = "expired", _("已到期")
        CANCELLED = "cancelled", _("已拆机")
        #: Sold, not installed yet: the install work order activates it (from that day).
        PENDING = "pending", _("待装机")

    #: Statuses in which the customer still has the service (and can renew or owe).
    LIVE_STATUSES = (Status.ACTIVE, Status.SUSPENDED)

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        # History of what a customer had is kept: a customer with subscriptions stays.
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    plan = models.ForeignKey(
        TariffPlan,
        verbose_name=_("资费套餐"),
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    account_no = models.CharField(_("业务账号"), max_length=32, blank=True)
    started_on = models.DateField(_("开通日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    monthly_fee = models.DecimalField(_("月费（元）"), **MONEY)  # type: ignore[arg-type]
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    arrears = models.DecimalField(_("欠费金额（元）"), default=Decimal("0.00"), **MONEY)  # type: ignore[arg-type]
    #: The grid of the customer's site, stored so that a grid team's renewal and arrears
    #: lists read one index instead of looking up each line's customer and site (a grid
    #: manager's 30-day renewal list at 1M customers: 360 ms CPU through the joins).
    #: Derived, never typed: kept by the crm (`services.subscription_grids_refresh`: on
    #: create, when customers move site, when a site moves grid). Only a planner's aid
    #: beside the scope, which still reads the customer's site: a stale value can hide a
    #: line from a grid's list, never show one to someone who may not see it.
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        # The (grid, expires_on) index below serves every lookup by grid.
        db_index=False,
    )

    constraint_fields: ClassVar[dict[str, str]] = {
        "crm_sub_account_unique": "account_no",
        "crm_sub_fee_not_negative": "monthly_fee",
        "crm_sub_arrears_not_negative": "arrears",
        "crm_sub_expiry_after_start": "expires_on",
    }
    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("订购")
        verbose_name_plural = _("订购")
        ordering = ["customer_id", "-started_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="crm_sub_customer_status_idx"),
            # The list's order (and a customer's own subscriptions): pages without sorting.
            models.Index(fields=["customer", "-started_on", "-id"], name="crm_sub_list_order_idx"),
            # Renewal lists: live subscriptions by expiry date.
            models.Index(fields=["status", "expires_on"], name="crm_sub_expiry_idx"),
            # The renewal list in its order, so a page stops at its last row instead of
            # sorting the whole window (the status index above gives each live status its
            # own range, which SQLite cannot read in one order; a partial index on the live
            # statuses is not used with the statuses as bound parameters).
            models.Index(fields=["expires_on", "id"], name="crm_sub_renewal_idx"),
            # A grid team's renewal list (and its count) by the stored grid, in its order,
            # and its other half, their own customers' lines within the window.
            models.Index(fields=["grid", "expires_on"], name="crm_sub_grid_expiry_idx"),
            models.Index(fields=["customer", "expires_on"], name="crm_sub_customer_expiry_idx"),
            # Collection lists: only the few rows that owe anything.
            models.Index(
                fields=["arrears"], condition=Q(arrears__gt=0), name="crm_sub_arrears_idx"
            ),
            # A grid team's arrears list and count, by the stored grid.
            models.Index(fields=["grid", "arrears"], name="crm_sub_grid_arrears_idx"),
        ]
        constraints = [
            # The account number is how the billing system and import sheets name a line.
            models.UniqueConstraint(
                fields=["account_no"],
                condition=~Q(account_no=""),
                name="crm_sub_account_unique",
                violation_error_message=_("业务账号已被另一条订购使用。"),
            ),
            models.CheckConstraint(
                condition=Q(monthly_fee__gte=0),
                name="crm_sub_fee_not_negative",
                violation_error_message=_("月费不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(arrears__gte=0),
                name="crm_sub_arrears_not_negative",
                violation_error_message=_("欠费金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("started_on")),
                name="crm_sub_expiry_after_start",
                violation_error_message=_("到期日期不能早于开通日期。"),
            ),
        ]

    def __str__(self) -> str:
        # Read in timelines and the audit log: name the line as people do, by its account
        # (bulk imports attach `plan` so this costs no query per record).
        if self.account_no:
            return f"{self.account_no} · {self.plan.name}"
        return f"{self.plan.name} · {self.started_on:%Y-%m-%d}"
