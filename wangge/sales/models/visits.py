"""Cold visits (陌生拜访): door and phone contacts, with a judged check-in for door visits."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.constraints import ConstraintFields
from wangge.crm.models import Customer
from wangge.org.models import Grid, Staff
from wangge.sales.models.scopes import VisitQuerySet
from wangge.territory.models import Site


class Visit(ConstraintFields, models.Model):
    """A door (上门) or phone (电话) visit to a customer or a site.

    A door visit carries the phone's position when the browser gave one; the server judged
    it (`core.checkin`) and kept the verdict: `verified`, the distance to the site and the
    reasons when not verified. An unverified visit is still a visit: it is saved and shown
    to the manager as flagged. A phone visit has no position to judge and is never flagged.
    """

    class Kind(models.TextChoices):
        DOOR = "door", _("上门")
        PHONE = "phone", _("电话")
        #: A manager's visit to an agent's outlet (渠道督导): judged like a door visit.
        SUPERVISION = "supervision", _("渠道督导")

    #: Kinds made in person, whose check-in is judged (and flagged when not verified).
    LOCATED: ClassVar[tuple[str, ...]] = ("door", "supervision")

    class Outcome(models.TextChoices):
        INTERESTED = "interested", _("有意向")
        FOLLOW_UP = "follow_up", _("需再跟进")
        NOT_INTERESTED = "not_interested", _("无意向")
        NOT_HOME = "not_home", _("未遇到人")
        REFUSED = "refused", _("拒绝沟通")
        SERVED = "served", _("已办理")

    class Flag(models.TextChoices):
        TOO_FAR = "too_far", _("距离过远")
        POOR_ACCURACY = "poor_accuracy", _("定位精度差")
        STALE_FIX = "stale_fix", _("定位过期")
        NO_POSITION = "no_position", _("无定位")

    kind = models.CharField(_("拜访方式"), max_length=16, choices=Kind.choices)
    staff = models.ForeignKey(
        Staff, verbose_name=_("拜访人"), on_delete=models.PROTECT, related_name="visits"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("小区/楼宇/单位"), on_delete=models.PROTECT, related_name="+"
    )
    #: The grid the visit was made in (the site's then), so managers keep seeing their
    #: team's visits after a re-division moves the site.
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        Staff,
        verbose_name=_("督导的代理商"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
    )
    at = models.DateTimeField(_("拜访时间"), default=clock.now)
    outcome = models.CharField(_("拜访结果"), max_length=16, choices=Outcome.choices)
    note = models.CharField(_("情况记录"), max_length=500, blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("商机"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )

    lat = models.FloatField(
        _("纬度"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    lon = models.FloatField(
        _("经度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    accuracy_m = models.FloatField(
        _("定位精度（米）"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    position_at = models.DateTimeField(_("定位时间"), null=True, blank=True)
    distance_m = models.FloatField(_("距离（米）"), null=True, blank=True)
    verified = models.BooleanField(_("签到有效"), default=False)
    flags = models.JSONField(_("签到问题"), default=list, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "sales_visit_position_pair": "lat",
        "sales_visit_agent_iff_supervision": "agent",
    }
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("拜访")
        verbose_name_plural = _("拜访")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["staff", "-at"], name="sales_visit_staff_idx"),
            models.Index(fields=["grid", "-at"], name="sales_visit_grid_idx"),
            models.Index(fields=["customer", "-at"], name="sales_visit_customer_idx"),
            models.Index(fields=["agent", "-at"], name="sales_visit_agent_idx"),
            # The manager's flagged check-ins.
            models.Index(
                fields=["grid", "-at"],
                condition=Q(kind__in=["door", "supervision"], verified=False),  # LOCATED
                name="sales_visit_flagged_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False),
                name="sales_visit_position_pair",
                violation_error_message=_("经纬度必须同时提供。"),
            ),
            models.CheckConstraint(
                condition=Q(kind="supervision", agent__isnull=False)
                | (~Q(kind="supervision") & Q(agent__isnull=True)),
                name="sales_visit_agent_iff_supervision",
                violation_error_message=_("渠道督导须指定代理商；其他拜访不填代理商。"),
            ),
        ]

    def __str__(self) -> str:
        whom = self.customer.name if self.customer else self.site.name
        return f"{self.get_kind_display()} · {whom} · {clock.local_date(self.at)}"

    def flag_labels(self) -> list[str]:
        labels = dict(self.Flag.choices)
        return [str(labels.get(f, f)) for f in self.flags]


class DayPlan(models.Model):
    """A person's planned visits for one day, in walking order (`sales.route`)."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("拜访人"), on_delete=models.CASCADE, related_name="day_plans"
    )
    day = models.DateField(_("日期"))
    sites: models.ManyToManyField[Site, DayPlanStop] = models.ManyToManyField(
        Site, verbose_name=_("计划拜访"), through="DayPlanStop", related_name="+"
    )

    class Meta:
        verbose_name = _("拜访计划")
        verbose_name_plural = _("拜访计划")
        constraints = [
            models.UniqueConstraint(fields=["staff", "day"], name="sales_dayplan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.day}"


class DayPlanStop(models.Model):
    plan = models.ForeignKey(DayPlan, on_delete=models.CASCADE, related_name="stops")
    site = models.ForeignKey(Site, verbose_name=_("小区/楼宇/单位"), on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "site"], name="sales_stop_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.position}"
