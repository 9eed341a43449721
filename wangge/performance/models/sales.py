"""Sales records (销售记录): one per sold unit, the base every commission, completion rate
and award is computed from. Created from won opportunities and from billing's Excel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.crm.models import Customer, Product, Subscription, TariffPlan
from wangge.org.models import Grid, Staff


class BusinessLine(models.TextChoices):
    BROADBAND = "broadband", _("宽带")
    HD = "hd", _("高清")
    DIGITAL_TV = "digital_tv", _("数字电视")
    OTHER = "other", _("其他")


class SalesRecordQuerySet(ScopedQuerySet):
    """Pay is private: a person sees their own sales, a manager those of the grids they
    manage, the market department all; agents their own only."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        mine = Q(**{f"{prefix}seller_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
        if scope.own_records_only:
            return mine
        return mine | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.seller_id == scope.staff_id:
            return True
        return not scope.own_records_only and obj.grid_id in scope.managed_grid_ids


class SalesRecord(models.Model):
    """One sold unit. `reference` is billing's reference (业务流水号), or the sales order's
    code for a sale won in wangge; an import upserts by it."""

    class Channel(models.TextChoices):
        STAFF = "staff", _("员工")
        AGENT = "agent", _("代理商")

    class Source(models.TextChoices):
        OPPORTUNITY = "opportunity", _("商机成交")
        IMPORT = "import", _("计费导入")

    reference = models.CharField(_("销售流水号"), max_length=64, unique=True)
    sold_on = models.DateField(_("销售日期"))
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="sales_records"
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("订购"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_records",
    )
    account_no = models.CharField(_("业务账号"), max_length=32, blank=True)
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    plan = models.ForeignKey(
        TariffPlan, verbose_name=_("资费套餐"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    business_line = models.CharField(_("业务线"), max_length=16, choices=BusinessLine.choices)
    #: The customer's product sale amount (元, fen exact): the 17% cap is taken of it.
    amount = models.DecimalField(
        _("销售金额（元）"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    seller = models.ForeignKey(
        Staff, verbose_name=_("销售人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="sales_records",
    )  # fmt: skip
    channel = models.CharField(
        _("渠道"), max_length=8, choices=Channel.choices, default=Channel.STAFF
    )
    #: The grid at the time of sale: a later re-division does not move past sales.
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    #: The account was cancelled: within the claw-back period the commission is taken back.
    cancelled_on = models.DateField(_("销户日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=clock.now)

    objects = SalesRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("销售记录")
        verbose_name_plural = _("销售记录")
        ordering = ["-sold_on", "-id"]
        indexes = [
            models.Index(fields=["sold_on", "business_line"], name="perf_sale_day_line_idx"),
            models.Index(fields=["seller", "sold_on"], name="perf_sale_seller_idx"),
            models.Index(fields=["grid", "sold_on"], name="perf_sale_grid_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="perf_sale_amount_not_negative",
                violation_error_message=_("销售金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(cancelled_on__gte=models.F("sold_on")),
                name="perf_sale_cancelled_after_sale",
                violation_error_message=_("销户日期不能早于销售日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.amount} 元"
