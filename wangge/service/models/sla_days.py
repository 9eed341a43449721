"""The SLA dashboard's summary: met work orders per grid, kind and due day.

The dashboard counts, for the orders whose deadline fell in a span, those met (on time or
late) and those still unmet past their deadline (late). The met ones are settled facts, kept
here by the order services on every move that meets, or cancels a met, order
(`services.sla_days`); the unmet-and-late ones change with the clock alone, so the dashboard
reads them live (few: an operator's overdue queue). A nightly job rebuilds the table from
the orders, which also takes in rows written in bulk outside the services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.org.models import Grid

__all__ = ["SlaDay"]


class SlaDay(models.Model):
    day = models.DateField(_("时限日期"))
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("工单类型"), max_length=16)
    met = models.IntegerField(_("已达成"), default=0)
    on_time = models.IntegerField(_("按时达成"), default=0)

    class Meta:
        verbose_name = _("工单时限日汇总")
        verbose_name_plural = _("工单时限日汇总")
        constraints = [
            models.UniqueConstraint(fields=["day", "grid", "kind"], name="svc_sla_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grid_id} {self.kind}: {self.on_time}/{self.met}"
