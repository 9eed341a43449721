"""Work orders (工单): installs, repairs, complaints and the like, each with its SLA clock.

An order sits on its site's grid and is worked by the grid's named technician (包干). Every
state change goes through `service.services.orders` with the `version` the user saw; the
history (`WorkOrderStep`) keeps who moved it, when, from where to where, and why.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.models import Versioned
from wangge.crm.models import Customer, Product, Subscription
from wangge.org.models import Grid, Staff
from wangge.territory.models import Site

__all__ = [
    "OrderKind",
    "OrderState",
    "SlaSetting",
    "WorkOrder",
    "WorkOrderPhoto",
    "WorkOrderStep",
    "work_order_code",
]


def work_order_code(pk: int) -> str:
    return f"GD{pk:08d}"


class OrderKind(models.TextChoices):
    INSTALL = "install", _("新装")
    REPAIR = "repair", _("故障维修")
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")
    RELOCATION = "relocation", _("移机")
    REMOVAL = "removal", _("拆机")


class OrderState(models.TextChoices):
    NEW = "new", _("待派工")
    ASSIGNED = "assigned", _("已派工")
    ACCEPTED = "accepted", _("已接单")
    ON_SITE = "on_site", _("已到场")
    DONE = "done", _("已完工")
    CLOSED = "closed", _("已回访关闭")
    CANCELLED = "cancelled", _("已取消")


#: States in which the order is still someone's work (the SLA clock may run).
OPEN_STATES: tuple[str, ...] = (
    OrderState.NEW,
    OrderState.ASSIGNED,
    OrderState.ACCEPTED,
    OrderState.ON_SITE,
)


def order_q(scope: Scope, prefix: str = "") -> Q:
    """The grid's team sees its orders, a technician also those assigned to them elsewhere;
    agents see nothing of service."""
    if scope.own_records_only:
        return Q(pk__in=[])
    mine = Q(**{f"{prefix}assignee_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
    return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | mine


def order_visible(scope: Scope, obj: Any) -> bool:
    if scope.own_records_only:
        return False
    if scope.staff_id is not None and obj.assignee_id == scope.staff_id:
        return True
    return obj.grid_id in scope.grid_ids


class WorkOrderQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return order_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return order_visible(scope, obj)

    def open(self) -> WorkOrderQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now: Any) -> WorkOrderQuerySet:
        """Open, the SLA not met yet, and its deadline passed."""
        return self.filter(state__in=OPEN_STATES, met_at__isnull=True, due_at__lt=now)


class WorkOrderChildQuerySet(ScopedQuerySet):
    """History and photos: visible with their order."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return order_q(scope, f"{prefix}order__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return order_visible(scope, obj.order)


class WorkOrder(Versioned):
    class Source(models.TextChoices):
        SALE = "sale", _("成交装机")
        CALL = "call", _("客户来电")
        INSPECTION = "inspection", _("巡检发现")
        API = "api", _("系统接口")
        STAFF = "staff", _("员工登记")

    class Measure(models.TextChoices):
        DONE = "done", _("完工")
        RESPONSE = "response", _("首次响应（接单）")

    code = models.CharField(_("工单编号"), max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField(_("工单类型"), max_length=16, choices=OrderKind.choices)
    product = models.ForeignKey(
        Product,
        verbose_name=_("业务（宽带/高清/数字电视）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
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
        related_name="work_orders",
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("订购"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("成交装机：完工时开通的订购"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(
        _("来源记录"),
        max_length=64,
        blank=True,
        help_text=_("如 opportunity:12、inspection:7"),
    )
    idempotency_key = models.CharField(
        _("幂等键"), max_length=64, unique=True, null=True, blank=True
    )
    description = models.CharField(_("问题/需求描述"), max_length=500, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    state = models.CharField(
        _("状态"), max_length=16, choices=OrderState.choices, default=OrderState.NEW
    )
    state_since = models.DateTimeField(_("进入状态时间"), default=clock.now)
    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("装维人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    created_by = models.ForeignKey(
        Staff,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    # The SLA as it stood when the order was opened (a later edit of the setting does not
    # move the deadlines of orders already promised).
    sla_measure = models.CharField(
        _("时限考核点"), max_length=16, choices=Measure.choices, default=Measure.DONE
    )
    due_at = models.DateTimeField(_("时限"))
    met_at = models.DateTimeField(_("达成时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时"), null=True, blank=True)

    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    checkin_at = models.DateTimeField(_("到场签到时间"), null=True, blank=True)
    checkin_lat = models.FloatField(_("签到纬度"), null=True, blank=True)
    checkin_lon = models.FloatField(_("签到经度"), null=True, blank=True)
    checkin_accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    checkin_distance_m = models.FloatField(_("签到距离（米）"), null=True, blank=True)
    checkin_verified = models.BooleanField(_("签到已核实"), default=False)
    checkin_flags = models.JSONField(_("签到存疑原因"), default=list, blank=True)

    done_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    result = models.CharField(_("处理结果"), max_length=500, blank=True)
    materials = models.CharField(_("使用材料"), max_length=300, blank=True)
    customer_confirmed = models.BooleanField(_("客户已确认"), default=False)
    confirmed_by = models.CharField(_("确认人"), max_length=32, blank=True)

    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    follow_up = models.CharField(_("回访记录"), max_length=300, blank=True)
    satisfied = models.BooleanField(_("客户满意"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    OPEN_STATES: ClassVar[tuple[str, ...]] = OPEN_STATES

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The manager's board (a grid's open orders, deadline first) and the technician's
            # list (their open orders, deadline first).
            # `met_at` and `assignee` in it: the board skips the overdue rows and counts per
            # person without reading the table.
            models.Index(
                fields=["grid", "state", "due_at", "met_at", "assignee"], name="svc_wo_board_idx"
            ),
            models.Index(fields=["assignee", "state", "due_at"], name="svc_wo_mine_idx"),
            # Overdue orders (today views, the alert job) and the SLA dashboard's live part
            # (the unmet orders past their deadline, counted by grid and kind from the index
            # alone; the met ones are summed in `SlaDay`).
            models.Index(
                fields=["due_at", "grid", "kind", "state"],
                condition=Q(met_at__isnull=True),
                name="svc_wo_unmet_due_idx",
            ),
            models.Index(fields=["source_ref"], name="svc_wo_source_ref_idx"),
            models.Index(fields=["customer", "-created_at"], name="svc_wo_customer_idx"),
            models.Index(fields=["site", "-created_at"], name="svc_wo_site_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=OrderState.CANCELLED) | ~Q(cancel_reason=""),
                name="svc_wo_cancel_has_reason",
                violation_error_message=_("取消工单必须填写原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code or '—'} · {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if not self.code:
            self.code = work_order_code(self.pk)
            type(self)._base_manager.filter(pk=self.pk).update(code=self.code)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def overdue(self, now: Any) -> bool:
        return self.is_open and self.met_at is None and self.due_at < now


class WorkOrderStep(models.Model):
    """One entry of an order's history: created, assigned, a state move."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="steps"
    )
    at = models.DateTimeField(_("时间"), default=clock.now)
    actor = models.ForeignKey(
        Staff,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=32, blank=True)
    from_state = models.CharField(
        _("原状态"), max_length=16, choices=OrderState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=16, choices=OrderState.choices)
    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("装维人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    objects = WorkOrderChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["order_id", "at", "id"]
        indexes = [models.Index(fields=["actor", "at"], name="svc_wo_step_actor_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_state}→{self.to_state}"


class WorkOrderPhoto(models.Model):
    """A photo taken on site (the finished install, the fault), kept with the order."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="photos"
    )
    data = models.BinaryField(_("照片"))
    content_type = models.CharField(_("照片格式"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=clock.now)
    uploaded_by = models.ForeignKey(
        Staff,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = WorkOrderChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.pk}"


class SlaSetting(models.Model):
    """The time allowed for one kind of order, edited by the market department.

    `working_hours`: the hours count only inside the working day (`sla.WORKING_DAY`) of
    working days (China's calendar with 调休); otherwise they are clock hours.
    """

    kind = models.CharField(_("工单类型"), max_length=16, choices=OrderKind.choices, unique=True)
    hours = models.PositiveIntegerField(_("时限（小时）"))
    working_hours = models.BooleanField(_("按工作时间计"), default=False)
    measure = models.CharField(
        _("时限考核点"),
        max_length=16,
        choices=WorkOrder.Measure.choices,
        default=WorkOrder.Measure.DONE,
    )
    updated_at = models.DateTimeField(_("修改时间"), default=clock.now)

    class Meta:
        verbose_name = _("工单时限")
        verbose_name_plural = _("工单时限")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=1, hours__lte=2000),
                name="svc_sla_hours_range",
                violation_error_message=_("时限须在 1 到 2000 小时之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hours}h"
