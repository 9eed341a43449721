"""Team sales (团队销售): campaigns for an estate, an organisation or an area."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core.constraints import ConstraintFields
from wangge.core.validators import visible_text
from wangge.crm.models import Customer
from wangge.org.models import Grid, Staff
from wangge.sales.models.scopes import GridTeamQuerySet
from wangge.territory.models import Site


class Campaign(ConstraintFields, models.Model):
    """A team effort with a period and a target: a roadshow in an estate (小区路演), a
    holiday special, an organisation's staff, an area sweep. Results are the opportunities
    linked to it and what they brought."""

    class Kind(models.TextChoices):
        ROADSHOW = "roadshow", _("小区路演")
        HOLIDAY = "holiday", _("节日促销")
        ORGANIZATION = "organization", _("集团单位营销")
        AREA = "area", _("片区扫楼")

    name = models.CharField(_("活动名称"), max_length=100, validators=[visible_text])
    kind = models.CharField(_("活动类型"), max_length=16, choices=Kind.choices)
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="campaigns"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("小区/楼宇"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("集团客户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target_count = models.PositiveIntegerField(_("目标成交数"), default=0)
    members = models.ManyToManyField(Staff, verbose_name=_("参加人员"), related_name="campaigns")
    note = models.TextField(_("说明"), blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {"sales_campaign_period": "ends_on"}
    objects = GridTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("营销活动")
        verbose_name_plural = _("营销活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="sales_campaign_period",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name
