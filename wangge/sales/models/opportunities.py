"""Opportunities (商机): a need, from first word to order, with its hand-overs and stages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.crm.models import Competitor, Customer, Product, Subscription, TariffPlan
from wangge.crm.models.catalogue import MONEY
from wangge.org.models import Grid, Staff
from wangge.sales.models.board import BoardCount, BoardKey
from wangge.sales.models.scopes import OpportunityChildQuerySet, OpportunityQuerySet
from wangge.territory.models import Site


def opportunity_code(pk: int) -> str:
    return f"SJ{pk:08d}"


class Stage(models.TextChoices):
    NEED = "need", _("需求")
    PROPOSAL = "proposal", _("方案报价")
    CONFIRMED = "confirmed", _("确认意向")
    ORDERED = "ordered", _("已下单")
    WON = "won", _("成交")
    LOST = "lost", _("失败")


#: The stages of a live opportunity (`Opportunity.OPEN_STAGES`; the late rows' indexes
#: are partial on it).
OPEN_STAGES: tuple[str, ...] = (Stage.NEED, Stage.PROPOSAL, Stage.CONFIRMED, Stage.ORDERED)


class Opportunity(ConstraintFields, Versioned):
    """A customer's or a site's need, worked by one assignee at a time.

    It names a customer, or only a site (an estate, a building, an organisation not yet on
    file, a lead from a promotion QR code with just a name and a phone). `grid` is the board
    it sits on; empty while the market department has not dispatched it to a grid.
    Every state change goes through `sales.services` with the `version` the user saw, so
    two managers dispatching the same opportunity cannot both win.
    """

    class Kind(models.TextChoices):
        NEW = "new", _("新客户")
        UPLIFT = "uplift", _("存量提值")
        WINBACK = "winback", _("策反")

    class Source(models.TextChoices):
        VISIT = "visit", _("上门拜访")
        PHONE = "phone", _("电话拜访")
        DISPATCH = "dispatch", _("公司派单")
        REFERRAL = "referral", _("转介绍")
        PROMOTION_QR = "promotion_qr", _("宣传品二维码")
        COMPETITOR_EXPIRY = "competitor_expiry", _("竞争对手合约到期")
        RENEWAL = "renewal", _("续费")
        CAMPAIGN = "campaign", _("团队营销活动")
        WINBACK_LIST = "winback_list", _("策反名单")

    class LostReason(models.TextChoices):
        PRICE = "price", _("价格")
        COMPETITOR = "competitor", _("选择了竞争对手")
        NO_COVERAGE = "no_coverage", _("无网络覆盖")
        NO_NEED = "no_need", _("无需求")
        UNREACHABLE = "unreachable", _("联系不上")
        CONTRACT = "contract", _("合约未到期")
        OTHER = "other", _("其他")

    class Dispatch(models.TextChoices):
        NONE = "none", _("未派单")
        TO_GRID = "to_grid", _("已派至网格")
        PENDING = "pending", _("待接单")
        ACCEPTED = "accepted", _("已接单")
        RETURNED = "returned", _("已退回")

    OPEN_STAGES: ClassVar[tuple[str, ...]] = OPEN_STAGES
    #: The column keeping the completed stays in each open stage (hours, summed).
    STAY_COLUMNS: ClassVar[dict[str, str]] = {
        Stage.NEED: "need_hours",
        Stage.PROPOSAL: "proposal_hours",
        Stage.CONFIRMED: "confirmed_hours",
        Stage.ORDERED: "ordered_hours",
    }

    code = models.CharField(_("商机编号"), max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField(_("商机类型"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("小区/楼宇/单位"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    product = models.ForeignKey(
        Product,
        verbose_name=_("意向产品"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    need = models.CharField(_("需求描述"), max_length=500, blank=True)
    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("策反对象（竞争对手）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expected_monthly = models.DecimalField(
        _("预计月收入（元）"),
        default=0,
        **MONEY,  # type: ignore[arg-type]
    )
    expected_close = models.DateField(_("预计成交日期"), null=True, blank=True)
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices, default=Stage.NEED)
    stage_since = models.DateTimeField(_("进入阶段时间"), default=clock.now)
    lost_reason = models.CharField(
        _("失败原因"), max_length=16, choices=LostReason.choices, blank=True
    )
    lost_note = models.CharField(_("失败说明"), max_length=200, blank=True)
    # Kept from the history for the funnel (`sales.funnel.kept`, rewritten by the services
    # on every stage move): the funnel reads one row per opportunity instead of replaying
    # every step of a grid's quarter.
    furthest_stage = models.CharField(
        _("到达过的最远阶段"), max_length=16, choices=Stage.choices, default=Stage.NEED
    )
    need_hours = models.FloatField(_("需求阶段停留（小时）"), null=True, blank=True)
    proposal_hours = models.FloatField(_("方案报价阶段停留（小时）"), null=True, blank=True)
    confirmed_hours = models.FloatField(_("确认意向阶段停留（小时）"), null=True, blank=True)
    ordered_hours = models.FloatField(_("已下单阶段停留（小时）"), null=True, blank=True)

    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    dispatch = models.CharField(
        _("派单状态"), max_length=16, choices=Dispatch.choices, default=Dispatch.NONE
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    contact_due = models.DateTimeField(_("首次联系时限"), null=True, blank=True)
    outcome_due = models.DateTimeField(_("结果反馈时限"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超时上报时间"), null=True, blank=True)

    raised_by = models.ForeignKey(
        Staff,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "sales.Campaign",
        verbose_name=_("营销活动"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    piece = models.ForeignKey(
        "sales.PromoPiece",
        verbose_name=_("来源宣传品"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    external_ref = models.CharField(
        _("公司派单编号"),
        max_length=64,
        blank=True,
        help_text=_("公司派单表中的编号，重复导入时据此更新。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    constraint_fields: ClassVar[dict[str, str]] = {
        "sales_opp_lost_has_reason": "lost_reason",
        "sales_opp_ref_unique": "external_ref",
        "sales_opp_outcome_after_contact": "outcome_due",
    }
    objects = OpportunityQuerySet.as_manager()
    _board_loaded: tuple[BoardKey, Decimal] | None

    class Meta:
        verbose_name = _("商机")
        verbose_name_plural = _("商机")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A grid's opportunities by stage, newest first; and a manager's list of their
            # grids (overdue first): every column it filters (the scope's included) and
            # sorts on, so the sort reads a busy grid's open ones from the index alone.
            models.Index(
                fields=[
                    "grid",
                    "stage",
                    "-created_at",
                    "contact_due",
                    "first_contact_at",
                    "outcome_due",
                    "assignee",
                    "raised_by",
                ],
                name="sales_opp_grid_cover_idx",
            ),
            # "My opportunities": a person's open ones, overdue first. Every column the list
            # filters (the scope's grid and raised_by included) and sorts on, so a busy
            # seller's page is sorted from the index and only its thirty rows are read.
            models.Index(
                fields=[
                    "assignee",
                    "stage",
                    "contact_due",
                    "first_contact_at",
                    "outcome_due",
                    "created_at",
                    "grid",
                    "raised_by",
                ],
                name="sales_opp_mine_cover_idx",
            ),
            # The board's unassigned list (`views.board`): the ones nobody holds, oldest
            # first, in the order it shows them, so the county's nine thousand are walked
            # from the first and never sorted (PostgreSQL sorted a bitmap scan of them,
            # SQLite a temporary tree). Partial on a literal (`IS NULL`), which SQLite
            # matches; not on `closed_at IS NULL`, which SQLite's statistics take for one
            # row in six (closing times are all different) and would read from the wrong
            # index. The stage and the scope's columns are held, `assignee` too (SQLite
            # covers a query only with the columns listed).
            models.Index(
                fields=["created_at", "id", "stage", "grid", "raised_by", "assignee"],
                condition=Q(assignee__isnull=True),
                name="sales_opp_unassigned_idx",
            ),
            # Overdue first contacts (the today view and the escalation job).
            models.Index(
                fields=["contact_due"],
                condition=Q(first_contact_at__isnull=True, contact_due__isnull=False),
                name="sales_opp_contact_due_idx",
            ),
            models.Index(fields=["stage", "closed_at"], name="sales_opp_closed_idx"),
            # The board's late ones (`selectors.board` counts them per person, the rest of
            # its summary is kept in `BoardCount`; `selectors.first_late` lists them, the
            # scope's columns included): open ones whose first contact is late,
            # and open ones whose outcome is, each a range of its own index, which holds
            # every column the count reads. Not partial: SQLite matches a partial index's
            # condition only against literals, and Django sends the open stages as
            # parameters; `closed_at IS NULL` (open) leads instead, which needs none.
            models.Index(
                fields=[
                    "closed_at",
                    "first_contact_at",
                    "contact_due",
                    "stage",
                    "assignee",
                    "grid",
                    "outcome_due",
                    "raised_by",
                ],
                name="sales_opp_late_contact_idx",
            ),
            models.Index(
                fields=[
                    "closed_at",
                    "outcome_due",
                    "first_contact_at",
                    "contact_due",
                    "stage",
                    "assignee",
                    "grid",
                    "raised_by",
                ],
                name="sales_opp_late_outcome_idx",
            ),
            # The board's summary (`selectors.board`): every column it groups, filters and
            # adds up, in its grouping order, so it is read from the index alone (the
            # scope's `raised_by` included) and never sorted.
            models.Index(
                fields=[
                    "stage",
                    "grid",
                    "assignee",
                    "dispatch",
                    "contact_due",
                    "first_contact_at",
                    "outcome_due",
                    "expected_monthly",
                    "raised_by",
                ],
                name="sales_opp_board_sum_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage=Stage.LOST) | ~Q(lost_reason=""),
                name="sales_opp_lost_has_reason",
                violation_error_message=_("失败的商机必须选择失败原因。"),
            ),
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="sales_opp_ref_unique",
                violation_error_message=_("公司派单编号已被另一条商机使用。"),
            ),
            models.CheckConstraint(
                condition=Q(outcome_due__isnull=True)
                | Q(contact_due__isnull=True)
                | Q(outcome_due__gte=F("contact_due")),
                name="sales_opp_outcome_after_contact",
                violation_error_message=_("结果反馈时限不能早于首次联系时限。"),
            ),
        ]

    def __str__(self) -> str:
        who = self.customer.name if self.customer else (self.contact_name or self.site.name)
        return f"{self.code or '—'} · {who}"

    #: What places an opportunity on the board's kept summary (`BoardCount`).
    BOARD_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"grid", "assignee", "stage", "dispatch", "expected_monthly"}
    )

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Opportunity:
        obj = super().from_db(db, field_names, values)
        if (
            len(field_names) == len(cls._meta.concrete_fields)
            or {f.name for f in cls._meta.concrete_fields if f.attname in field_names}
            >= cls.BOARD_FIELDS
        ):  # where the row counted when read: `save` moves it from there
            obj._board_loaded = obj.board_place()
        return obj

    def board_place(self) -> tuple[BoardKey, Decimal] | None:
        """Where this opportunity counts on the board's summary (None: closed)."""
        if self.stage not in self.OPEN_STAGES:
            return None
        key = BoardKey(self.grid_id or 0, self.assignee_id or 0, self.stage, self.dispatch)
        return key, Decimal(self.expected_monthly)

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None and not self.BOARD_FIELDS & set(fields):
            super().save(*args, **kwargs)
        else:
            with transaction.atomic():
                old = self._board_before()
                super().save(*args, **kwargs)
                BoardCount.shift(old, self.board_place())
                self._board_loaded = self.board_place()
        if not self.code:
            self.code = opportunity_code(self.pk)
            type(self)._base_manager.filter(pk=self.pk).update(code=self.code)

    def _board_before(self) -> tuple[BoardKey, Decimal] | None:
        if self._state.adding or self.pk is None:
            return None
        if hasattr(self, "_board_loaded"):
            return self._board_loaded
        # Built rather than read, or read without those columns: ask the database.
        row = type(self)._base_manager.filter(pk=self.pk).first()
        return row.board_place() if row is not None else None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            BoardCount.shift(self._board_before(), None)
            return super().delete(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    def contact_overdue(self, now: Any) -> bool:
        return (
            self.is_open
            and self.first_contact_at is None
            and self.contact_due is not None
            and self.contact_due < now
        )

    def outcome_overdue(self, now: Any) -> bool:
        return self.is_open and self.outcome_due is not None and self.outcome_due < now


class OpportunityStep(models.Model):
    """One entry of an opportunity's history: created, a stage move, a hand-over."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        STAGE = "stage", _("阶段变更")
        DISPATCH_GRID = "dispatch_grid", _("派至网格")
        DISPATCH = "dispatch", _("派单")
        ACCEPT = "accept", _("接单")
        RETURN = "return", _("退回")
        CONTACT = "contact", _("首次联系")
        ESCALATE = "escalate", _("超时上报")
        EDIT = "edit", _("修改")

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("商机"), on_delete=models.CASCADE, related_name="steps"
    )
    at = models.DateTimeField(_("时间"), default=clock.now)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        Staff,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=32, blank=True)
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=Stage.choices, blank=True)
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.SET_NULL, null=True, blank=True
    )
    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("接单人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due = models.DateTimeField(_("时限"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    objects = OpportunityChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("商机记录")
        verbose_name_plural = _("商机记录")
        ordering = ["opportunity_id", "at", "id"]
        indexes = [
            models.Index(fields=["kind", "at"], name="sales_step_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Order(models.Model):
    """What was sold when an opportunity was won; the subscription crm created for it."""

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("商机"), on_delete=models.PROTECT, related_name="order"
    )
    plan = models.ForeignKey(
        TariffPlan, verbose_name=_("资费套餐"), on_delete=models.PROTECT, related_name="+"
    )
    monthly_fee = models.DecimalField(_("成交月费（元）"), **MONEY)  # type: ignore[arg-type]
    subscription = models.OneToOneField(
        Subscription,
        verbose_name=_("订购"),
        on_delete=models.PROTECT,
        related_name="sale_order",
    )
    seller = models.ForeignKey(
        Staff, verbose_name=_("销售人"), on_delete=models.PROTECT, related_name="sales_orders"
    )
    won_on = models.DateField(_("成交日期"), default=clock.today)
    created_at = models.DateTimeField(_("下单时间"), default=clock.now)

    objects = OpportunityChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-won_on", "-id"]
        indexes = [models.Index(fields=["seller", "won_on"], name="sales_order_seller_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.plan}"
