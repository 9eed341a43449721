"""Commission (佣金): policies, the monthly settlement, a statement per person, adjustments.

A policy is versioned by its effective dates: for one key (business line, product, channel,
seller's role) two versions never overlap. Statements are pay, and pay is private: a person
sees their own, a grid manager those of the grids they manage, the market department all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.models import Versioned
from wangge.crm.models import Product
from wangge.org.models import Grid, Staff
from wangge.org.roles import Role
from wangge.performance import commission
from wangge.performance.models.sales import BusinessLine, SalesRecord


def commission_cap() -> Decimal:
    """The broadband cap as a fraction of the sale amount (setting `WANGGE_COMMISSION_CAP`)."""
    return Decimal(str(getattr(settings, "WANGGE_COMMISSION_CAP", commission.DEFAULT_CAP)))


def _percent(rate: Decimal) -> str:
    """0.1250 → "12.5" (no trailing zeros, no exponent)."""
    return f"{(rate * 100).normalize():f}"


class PolicyQuerySet(ScopedQuerySet):
    """Policies are the rules everybody is paid by: every signed-in person may read them."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q()

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return True

    def in_force(self, day: dt.date) -> PolicyQuerySet:
        return self.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day
        )


class CommissionPolicy(Versioned):
    class Kind(models.TextChoices):
        RATE = commission.RATE, _("按销售金额比例")
        FIXED = commission.FIXED, _("每单固定金额")

    class Channel(models.TextChoices):
        STAFF = "staff", _("员工")
        AGENT = "agent", _("代理商")

    name = models.CharField(_("名称"), max_length=64)
    business_line = models.CharField(_("业务线"), max_length=16, choices=BusinessLine.choices)
    product = models.ForeignKey(
        Product,
        verbose_name=_("产品"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空：该业务线的所有产品"),
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices, blank=True)
    role = models.CharField(_("销售人角色"), max_length=32, choices=Role.choices, blank=True)
    kind = models.CharField(_("计提方式"), max_length=8, choices=Kind.choices)
    #: A rate (0.12 = 12%) or a sum per unit in 元.
    value = models.DecimalField(
        _("比例或金额"), max_digits=10, decimal_places=4, validators=[MinValueValidator(0)]
    )
    #: [{"min_units": 20, "value": "0.14"}, …]: from that many units in the month, that value.
    tiers = models.JSONField(_("阶梯"), default=list, blank=True)
    share_seller = models.DecimalField(
        _("销售人分成"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(0)],
    )
    share_manager = models.DecimalField(
        _("网格经理分成"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    share_technician = models.DecimalField(
        _("装维人员分成"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    min_amount = models.DecimalField(
        _("最低销售金额（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("低于此金额的销售不按本政策计提；宽带按单固定金额时必填"),
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("佣金政策")
        verbose_name_plural = _("佣金政策")
        ordering = ["business_line", "-effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="perf_policy_dates_in_order",
                violation_error_message=_("失效日期不能早于生效日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_percent(self) -> str:
        return _percent(self.value)

    def splits(self) -> dict[str, Decimal]:
        return {
            commission.SELLER: self.share_seller,
            commission.MANAGER: self.share_manager,
            commission.TECHNICIAN: self.share_technician,
        }

    def tier_list(self) -> tuple[commission.Tier, ...]:
        return tuple(
            commission.Tier(min_units=int(t["min_units"]), value=Decimal(str(t["value"])))
            for t in self.tiers or ()
        )

    def as_policy(self) -> commission.Policy:
        return commission.Policy(
            id=self.pk or 0,
            business_line=self.business_line,
            kind=self.kind,
            value=self.value,
            splits={k: v for k, v in self.splits().items() if v},
            product_id=self.product_id,
            channel=self.channel or None,
            role=self.role or None,
            tiers=self.tier_list(),
            min_amount=self.min_amount,
            start=self.effective_from,
            end=self.effective_to,
        )

    def overlapping(self) -> models.QuerySet[CommissionPolicy]:
        """Other versions of the same key whose dates meet this one's."""
        far = dt.date.max
        qs = CommissionPolicy.objects.filter(
            business_line=self.business_line,
            product=self.product_id,
            channel=self.channel,
            role=self.role,
            effective_from__lte=self.effective_to or far,
        ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        return qs.exclude(pk=self.pk) if self.pk else qs

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            tiers = self.tier_list()
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise ValidationError(
                {"tiers": gettext('阶梯格式应为 [{"min_units": 件数, "value": 比例或金额}]。')}
            ) from None
        if any(t.min_units < 1 or t.value < 0 for t in tiers):
            errors["tiers"] = gettext("阶梯的件数须至少为 1，比例或金额不能为负。")
        shares = sum(self.splits().values(), Decimal(0))
        if shares > 1:
            errors["share_seller"] = gettext("各方分成合计不能超过 100%%（现为 %(s)s%%）。") % {
                "s": (shares * 100).normalize()
            }
        if self.kind == commission.RATE and self.value is not None and self.value > 1:
            errors["value"] = gettext("比例应在 0 到 1 之间（如 0.12 表示 12%）。")
        if errors:
            raise ValidationError(errors)
        if self.business_line and self.effective_from and self.value is not None:
            self._check_cap()
            other = self.overlapping().first()
            if other is not None:
                raise ValidationError(
                    gettext(
                        "与同一业务线、产品、渠道和角色的政策「%(name)s」（%(start)s 起）"
                        "生效期重叠：请先给旧版本设置失效日期。"
                    )
                    % {"name": other.name, "start": other.effective_from}
                )

    def _check_cap(self) -> None:
        cap = commission_cap()
        policy = self.as_policy()
        if commission.within_cap(policy, cap):
            return
        reach = commission.max_payout(policy)
        pct = f"{(cap * 100).normalize()}%"
        if reach.rate is None:
            msg = gettext(
                "宽带佣金不得超过销售金额的 %(cap)s：按单固定金额 %(fixed)s 元可能超过上限，"
                "请填写最低销售金额（至少 %(floor)s 元）。"
            ) % {
                "cap": pct,
                "fixed": commission.fen(reach.fixed or Decimal(0)),
                "floor": commission.fen((reach.fixed or Decimal(0)) / cap),
            }
        else:
            msg = gettext(
                "宽带佣金合计（各方之和）最高可达销售金额的 %(reach)s%%，超过上限 %(cap)s。"
            ) % {"reach": (reach.rate * 100).quantize(Decimal("0.01")), "cap": pct}
        raise ValidationError({"value": msg})


class Settlement(models.Model):
    """One month's settlement (月度结算): runs in the background, then is approved and locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待结算")
        RUNNING = "running", _("结算中")
        DONE = "done", _("已结算")
        APPROVED_BY_MANAGER = "approved_by_manager", _("网格经理已审核")
        APPROVED = "approved", _("市场部已审批")
        LOCKED = "locked", _("已锁定")

    period = models.CharField(_("月份"), max_length=7, unique=True)  # YYYY-MM
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    progress = models.FloatField(_("进度"), default=0.0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    failed = models.TextField(_("失败原因"), blank=True)
    people = models.PositiveIntegerField(_("人数"), default=0)
    total = models.DecimalField(_("合计（元）"), max_digits=14, decimal_places=2, default=0)
    capped_lines = models.PositiveIntegerField(_("封顶明细数"), default=0)
    run_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        Staff,
        verbose_name=_("市场部审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度结算")
        verbose_name_plural = _("月度结算")
        ordering = ["-period"]

    def __str__(self) -> str:
        return self.period

    @property
    def locked(self) -> bool:
        return self.status == self.Status.LOCKED

    @property
    def running(self) -> bool:
        return self.status == self.Status.RUNNING


class StatementQuerySet(ScopedQuerySet):
    """A person sees their own statement; a manager those of the grids they manage (agents
    only their own); the market department all."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        mine = Q(**{f"{prefix}staff_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
        if scope.own_records_only:
            return mine
        return mine | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.staff_id == scope.staff_id:
            return True
        return not scope.own_records_only and obj.grid_id in scope.managed_grid_ids


class Statement(models.Model):
    """A person's commission for a month (佣金结算单)."""

    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("月度结算"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="statements"
    )
    #: The person's primary grid when settled: whose manager approves it.
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    total = models.DecimalField(_("合计（元）"), max_digits=14, decimal_places=2, default=0)
    lines_count = models.PositiveIntegerField(_("明细数"), default=0)
    capped_lines = models.PositiveIntegerField(_("封顶明细数"), default=0)
    manager_approved_by = models.ForeignKey(
        Staff,
        verbose_name=_("网格经理审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager_approved_at = models.DateTimeField(_("网格经理审核时间"), null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("佣金结算单")
        verbose_name_plural = _("佣金结算单")
        ordering = ["-settlement__period", "staff__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "staff"], name="perf_statement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.settlement.period} · {self.staff}"

    @property
    def period(self) -> str:
        return self.settlement.period


class StatementLine(models.Model):
    class Kind(models.TextChoices):
        SALE = "sale", _("销售")
        CLAWBACK = "clawback", _("销户追回")
        ADJUSTMENT = "adjustment", _("调整")

    class Payee(models.TextChoices):
        SELLER = commission.SELLER, _("销售人")
        MANAGER = commission.MANAGER, _("网格经理")
        TECHNICIAN = commission.TECHNICIAN, _("装维人员")

    # No foreign-key constraints in the database on a line's keys (db_constraint=False):
    # lines are written only by the settlement (`services_settle._replace_lines`), in the
    # transaction that creates their statements, pointing at statements it has just created
    # and at sales, policies and adjustments it has just read, which nothing in the
    # application deletes. Django still applies CASCADE, SET_NULL and PROTECT itself. The
    # database's own check cost a lookup per key per line (on PostgreSQL a trigger query
    # each, deferred to the commit): four for each of a month's 1.7 M lines, most of the
    # write's time.
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("结算单"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_constraint=False,
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    sale = models.ForeignKey(
        SalesRecord,
        verbose_name=_("销售记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    sale_ref = models.CharField(_("销售流水号"), max_length=64, blank=True)
    business_line = models.CharField(
        _("业务线"), max_length=16, choices=BusinessLine.choices, blank=True
    )
    base = models.DecimalField(
        _("销售金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    payee = models.CharField(_("计提身份"), max_length=12, choices=Payee.choices, blank=True)
    policy = models.ForeignKey(
        CommissionPolicy,
        verbose_name=_("佣金政策"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # No index: no read looks lines up by policy, and each index costs a write per line
        # (a month writes 1.7 M lines). Only deleting a policy would scan; none is deleted.
        db_index=False,
        db_constraint=False,
    )
    rate = models.DecimalField(_("比例"), max_digits=10, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("佣金（元）"), max_digits=12, decimal_places=2)
    capped = models.BooleanField(_("已封顶"), default=False)
    adjustment = models.ForeignKey(
        "Adjustment",
        verbose_name=_("调整"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # as the policy's: never read by it, never deleted
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sale_ref or self.get_kind_display()} · {self.amount}"

    @property
    def rate_percent(self) -> str:
        return _percent(self.rate) if self.rate is not None else ""


class AdjustmentQuerySet(StatementQuerySet):
    pass


class Adjustment(models.Model):
    """An audited correction paid in `period`; after a month is locked a correction of it
    goes to the next open month (`corrects` says which month it is about)."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(_("计入月份"), max_length=7)
    corrects = models.CharField(_("更正月份"), max_length=7)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        Staff,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("佣金调整")
        verbose_name_plural = _("佣金调整")
        ordering = ["period", "id"]

    def __str__(self) -> str:
        return f"{self.period} · {self.staff} · {self.amount}"

    def clean(self) -> None:
        if self.reason is not None and not self.reason.strip():
            raise ValidationError({"reason": gettext("请填写调整原因。")})
