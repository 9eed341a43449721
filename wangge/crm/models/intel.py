"""Competitor intelligence per site (小区竞争对手信息), kept over time."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.constraints import ConstraintFields
from wangge.crm.models.base import Verified
from wangge.crm.models.catalogue import MONEY, Competitor
from wangge.crm.models.scopes import IntelQuerySet, OfferQuerySet


class Quality(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("差")
    UNKNOWN = "unknown", _("不详")


class Relationship(models.TextChoices):
    CLOSE = "close", _("密切")
    NORMAL = "normal", _("一般")
    POOR = "poor", _("较差")
    UNKNOWN = "unknown", _("不详")


class CompetitorIntel(ConstraintFields, Verified):
    """What we know about one competitor in one site: when it arrived, how well it installs
    and serves, how it stands with the property company. One row per site and competitor;
    its changes are kept by the audit log, its tariff offers by `CompetitorOffer` dates."""

    site = models.ForeignKey(
        "territory.Site",
        verbose_name=_("网格单元"),
        on_delete=models.CASCADE,
        related_name="competitor_intel",
    )
    competitor = models.ForeignKey(
        Competitor, verbose_name=_("竞争对手"), on_delete=models.PROTECT, related_name="intel"
    )
    launched_on = models.DateField(_("进入时间"), null=True, blank=True)
    customers_estimate = models.PositiveIntegerField(_("估计用户数"), null=True, blank=True)
    install_quality = models.CharField(
        _("安装质量"), max_length=16, choices=Quality.choices, default=Quality.UNKNOWN
    )
    after_sales_quality = models.CharField(
        _("售后服务"), max_length=16, choices=Quality.choices, default=Quality.UNKNOWN
    )
    property_relationship = models.CharField(
        _("与物业关系"), max_length=16, choices=Relationship.choices, default=Relationship.UNKNOWN
    )
    # Their network resources in the site (the seed's 网络资源情况), beside their tariffs.
    covered_households = models.PositiveIntegerField(_("覆盖户数"), null=True, blank=True)
    ports = models.PositiveIntegerField(_("端口数"), null=True, blank=True)
    network = models.CharField(
        _("网络资源"),
        max_length=100,
        blank=True,
        help_text=_("接入方式与设备，如：光纤入户、楼道交换机。"),
    )
    note = models.TextField(_("备注"), blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "crm_intel_once_per_site": "competitor",
    }
    objects = IntelQuerySet.as_manager()

    class Meta:
        verbose_name = _("竞争情报")
        verbose_name_plural = _("竞争情报")
        ordering = ["site_id", "competitor_id"]
        indexes = [models.Index(fields=["verified_at"], name="crm_intel_verified_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "competitor"],
                name="crm_intel_once_per_site",
                violation_error_message=_("该单元已有这个竞争对手的情报，请直接更新。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competitor} @ {self.site.name}"


class CompetitorOffer(ConstraintFields, models.Model):
    """A competitor's tariff plan as offered in a site, from when it was seen until it ended.

    Ended offers stay: they are the price history of the site.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("元/月")
        YEAR = "year", _("元/年")
        ONCE = "once", _("元/次")

    class Kind(models.TextChoices):
        BROADBAND = "broadband", _("宽带")
        TV = "tv", _("电视")
        BUNDLE = "bundle", _("融合套餐")

    intel = models.ForeignKey(
        CompetitorIntel, verbose_name=_("竞争情报"), on_delete=models.CASCADE, related_name="offers"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.BROADBAND)
    plan_name = models.CharField(_("套餐名称"), max_length=100)
    bandwidth_mbps = models.PositiveIntegerField(_("带宽（Mbps）"), null=True, blank=True)
    price = models.DecimalField(_("资费（元）"), **MONEY)  # type: ignore[arg-type]
    period = models.CharField(
        _("计费周期"), max_length=8, choices=Period.choices, default=Period.MONTH
    )
    promotion = models.CharField(_("促销优惠"), max_length=200, blank=True)
    seen_on = models.DateField(_("发现日期"), default=clock.today)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "crm_offer_price_not_negative": "price",
        "crm_offer_end_after_seen": "ended_on",
    }
    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("竞争对手资费")
        verbose_name_plural = _("竞争对手资费")
        ordering = ["intel_id", "-seen_on", "-id"]
        indexes = [models.Index(fields=["intel", "ended_on"], name="crm_offer_current_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="crm_offer_price_not_negative",
                violation_error_message=_("资费不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("seen_on")),
                name="crm_offer_end_after_seen",
                violation_error_message=_("结束日期不能早于发现日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_name} {self.price} {self.get_period_display()}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None or self.ended_on >= clock.today()

    @property
    def monthly_equivalent(self) -> Decimal | None:
        """The price per month, to set beside our plans; none for one-off charges."""
        if self.period == self.Period.MONTH:
            return self.price
        if self.period == self.Period.YEAR:
            return (self.price / 12).quantize(Decimal("0.01"))
        return None
