"""The operator's products and tariff plans, and the competitors (友商) we watch."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.crm.models.scopes import CatalogueQuerySet

#: Money is yuan with fen: two places, never a float.
MONEY = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class ProductKind(models.TextChoices):
    BROADBAND = "broadband", _("宽带")
    HD = "hd", _("高清")
    DIGITAL_TV = "digital_tv", _("数字电视")


class Product(models.Model):
    """A product line we sell (产品): broadband, HD TV, digital TV."""

    code = models.CharField(_("产品编码"), max_length=32, unique=True)
    name = models.CharField(_("产品名称"), max_length=64)
    kind = models.CharField(_("产品类别"), max_length=16, choices=ProductKind.choices)
    is_active = models.BooleanField(_("在售"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class TariffPlan(models.Model):
    """A tariff plan (资费套餐) of a product, with its list price per month."""

    product = models.ForeignKey(
        Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="plans"
    )
    code = models.CharField(_("套餐编码"), max_length=32, unique=True)
    name = models.CharField(_("套餐名称"), max_length=100)
    bandwidth_mbps = models.PositiveIntegerField(_("带宽（Mbps）"), null=True, blank=True)
    monthly_price = models.DecimalField(_("资费（元/月）"), **MONEY)  # type: ignore[arg-type]
    term_months = models.PositiveSmallIntegerField(
        _("合约期（月）"), default=0, help_text=_("0 表示不限合约期。")
    )
    is_active = models.BooleanField(_("在售"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("资费套餐")
        verbose_name_plural = _("资费套餐")
        ordering = ["product_id", "monthly_price", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_price__gte=0),
                name="crm_plan_price_not_negative",
                violation_error_message=_("资费不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.monthly_price} 元/月）"


#: The national operators every county competes with, as (code, name, short name). The
#: crm migration adds them; `services.competitors_ensure_national` restores them.
NATIONAL_OPERATORS = (
    ("telecom", "中国电信", "电信"),
    ("unicom", "中国联通", "联通"),
    ("mobile", "中国移动", "移动"),
)


class Competitor(models.Model):
    """Another operator in the county: China Telecom, China Unicom, China Mobile, …"""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    short_name = models.CharField(_("简称"), max_length=16)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("竞争对手")
        verbose_name_plural = _("竞争对手")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
