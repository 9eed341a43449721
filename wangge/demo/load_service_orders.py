"""A month of install and maintenance work orders in the demo county.

Every order goes through `wangge.service.services.orders` in the name of the person who
would have acted (the technician accepts, checks in and finishes, the account marketer makes
the follow-up call, the manager cancels), so rights, history, crm activation and audit are
the real ones. The services stamp "now", so each order is driven first and its times are
then moved back along a scripted timeline with plain queryset updates (as `load_sales`
does). Installs come from the demo's won sales (the `sale_won` handler finds them already
opened, by the same idempotency key); calls are spread over the month. Some orders stall
on the way and are overdue today; every state occurs.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm.models import Customer, Subscription
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.sales.models import Order
from wangge.service.models import (
    OrderKind,
    OrderState,
    SlaDay,
    WorkOrder,
    WorkOrderPhoto,
    WorkOrderStep,
)
from wangge.service.services import orders as svc
from wangge.service.services.sla_days import sla_days_rebuild

SALT = 0x5E7F1
DAYS = 30
#: Call-centre orders per grid over the month (the busy demo grids get more).
PER_GRID = (8, 14)
PER_BUSY_GRID = (25, 35)
BUSY_GRIDS = 2
CALL_KINDS = (
    (OrderKind.REPAIR, 45),
    (OrderKind.COMPLAINT, 15),
    (OrderKind.CONSULTATION, 15),
    (OrderKind.RELOCATION, 15),
    (OrderKind.REMOVAL, 10),
)
#: Chance that an order stops at an earlier state (the overdue ones), or is cancelled.
STALL = 0.18
CANCEL = 0.05
#: A 1×1 PNG: the finished jobs' photo.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63d0ab35020001ba00dec48abf880000000049454e44ae426082"
)
PATH = ("accept", "check_in", "complete", "close")
#: Grids with fresh calls still waiting for dispatch, and how many each.
QUEUED_GRIDS = 2
QUEUED_PER_GRID = 2


def _pick(rng: random.Random, weighted: Any) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class _Grid:
    grid: Grid
    technician: Staff | None
    manager: Staff | None
    marketer: Staff | None


class _Loader:
    def __init__(self, seed: int, scale: float) -> None:
        self.rng = random.Random(seed ^ SALT)
        self.scale = max(0.0, scale)
        self.now = clock.now()
        self.counts = {"work_orders": 0, "work_orders_overdue": 0, "installs_done": 0}

    def team(self, grid: Grid) -> _Grid:
        people: dict[str, Staff] = {}
        for m in (
            GridMembership.objects.filter(grid=grid)
            .select_related("staff__user")
            .order_by("-is_primary", "since", "staff__employee_no")
        ):
            people.setdefault(m.role, m.staff)
        return _Grid(
            grid=grid,
            technician=svc.grid_technician(grid.pk),
            manager=people.get(Role.GRID_MANAGER),
            marketer=people.get(Role.ACCOUNT_MARKETER),
        )

    def timeline(self, t0: dt.datetime) -> list[dt.datetime]:
        """created, accepted, on site, done, closed: a plausible pace."""
        r = self.rng
        accepted = t0 + dt.timedelta(hours=r.uniform(0.1, 3))
        on_site = accepted + dt.timedelta(hours=r.uniform(0.5, 30))
        done = on_site + dt.timedelta(hours=r.uniform(0.3, 3))
        closed = done + dt.timedelta(hours=r.uniform(3, 60))
        return [t0, accepted, on_site, done, closed]

    def drive(
        self,
        order: WorkOrder,
        team: _Grid,
        t0: dt.datetime,
        *,
        cancel: bool = False,
        stop: int | None = None,
    ) -> None:
        times = self.timeline(t0)
        reached = sum(1 for t in times[1:] if t < self.now)
        roll = self.rng.random()
        if roll < STALL and reached:
            reached = self.rng.randrange(0, reached)
        if cancel:
            reached = min(reached, 1)
        if stop is not None:
            reached = min(reached, stop)
        cancel = (cancel or roll > 1 - CANCEL) and reached < 3 and team.manager is not None
        tech = team.technician.user if team.technician else None
        done: list[dt.datetime] = []
        for step in PATH[:reached]:
            if tech is None:
                break
            order = self.step(order, step, tech, team)
            done.append(times[len(done) + 1])
        if cancel and team.manager is not None:
            order = svc.work_order_cancel(
                actor=team.manager.user,
                order=order,
                version=order.version,
                reason=self.rng.choice(("客户取消", "重复报修", "客户已自行解决")),
            )
            done.append(min(times[len(done)] + dt.timedelta(hours=1), self.now))
        self.backdate(order, t0, done)

    def step(self, order: WorkOrder, step: str, tech: Any, team: _Grid) -> WorkOrder:
        v = order.version
        if step == "accept":
            return svc.work_order_accept(actor=tech, order=order, version=v)
        if step == "check_in":
            far = self.rng.random() < 0.1
            jitter = 0.01 if far else 0.0004
            return svc.work_order_check_in(
                actor=tech,
                order=order,
                version=v,
                lat=order.site.lat + self.rng.uniform(-jitter, jitter),
                lon=order.site.lon + self.rng.uniform(-jitter, jitter),
                accuracy_m=round(self.rng.uniform(5, 40), 1),
                position_at=clock.now(),
            )
        if step == "complete":
            result = {
                OrderKind.INSTALL: "入户放线、装机调试完成，测速正常",
                OrderKind.REPAIR: "更换光猫，信号恢复",
                OrderKind.COMPLAINT: "上门解释并调整套餐，客户认可",
                OrderKind.CONSULTATION: "已上门讲解资费与办理流程",
                OrderKind.RELOCATION: "移机完成，新址测试正常",
                OrderKind.REMOVAL: "设备已回收，线路已拆除",
            }[OrderKind(order.kind)]
            return svc.work_order_complete(
                actor=tech,
                order=order,
                version=v,
                result=result,
                materials=self.rng.choice(("", "皮线光缆 30 米", "光猫 1 台", "分支器 1 个")),
                customer_confirmed=self.rng.random() < 0.9,
                photos=[PHOTO],
            )
        closer = team.marketer.user if team.marketer else SYSTEM
        return svc.work_order_close(
            actor=closer,
            order=order,
            version=v,
            follow_up=self.rng.choice(("客户满意", "客户满意，表扬装维人员", "基本满意")),
            satisfied=True,
        )

    def backdate(self, order: WorkOrder, t0: dt.datetime, times: list[dt.datetime]) -> None:
        order.refresh_from_db()
        rule = svc.sla_rule(order.kind)
        due = svc.due_for(rule, t0)
        names = ["accepted_at", "checkin_at", "done_at", "closed_at"]
        values: dict[str, Any] = {"created_at": t0, "due_at": due, "state_since": t0}
        if order.state == OrderState.CANCELLED:
            values["cancelled_at"] = values["state_since"] = times[-1]
            times = times[:-1]
        for name, at in zip(names, times, strict=False):
            values[name] = at
            values["state_since"] = at
        met = values.get("done_at") if order.sla_measure == "done" else values.get("accepted_at")
        values["met_at"] = met
        values["on_time"] = None if met is None else met <= due
        WorkOrder.objects.filter(pk=order.pk).update(**values)
        stamps = [t0, t0, *times]
        if order.state == OrderState.CANCELLED:
            stamps.append(values["cancelled_at"])
        for step, at in zip(order.steps.order_by("id"), stamps, strict=False):
            WorkOrderStep.objects.filter(pk=step.pk).update(at=at)
        WorkOrderPhoto.objects.filter(order=order).update(uploaded_at=values.get("done_at", t0))
        if order.subscription_id and values.get("done_at"):
            Subscription.objects.filter(
                pk=order.subscription_id, status=Subscription.Status.ACTIVE
            ).update(started_on=clock.local_date(values["done_at"]))
            self.counts["installs_done"] += 1
        self.counts["work_orders"] += 1
        if met is None and order.state in WorkOrder.OPEN_STATES and due < self.now:
            self.counts["work_orders_overdue"] += 1

    def queue(self, teams: list[_Grid]) -> None:
        """Calls of the last hours still waiting for dispatch (待派工).

        The services hand a staffed grid's order to its technician at once and every demo
        grid is staffed, so the queue a grid without a technician keeps is shown by taking
        a few fresh calls back to it (state, assignee and the assignment step), as if their
        grid had had nobody to give them to."""
        for team in teams:
            customer = (
                Customer.objects.filter(
                    site__grid=team.grid, relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
                )
                .select_related("site")
                .order_by("pk")
                .first()
            )
            if customer is None:
                continue
            for _i in range(QUEUED_PER_GRID):
                order, _created = svc.work_order_create(
                    actor=SYSTEM,
                    kind=_pick(self.rng, CALL_KINDS),
                    source=WorkOrder.Source.CALL,
                    customer=customer,
                    description=self.rng.choice(("宽带断网", "电视无信号", "咨询套餐")),
                )
                order.steps.filter(to_state=OrderState.ASSIGNED).delete()
                t0 = self.now - dt.timedelta(minutes=self.rng.uniform(20, 180))
                WorkOrder.objects.filter(pk=order.pk).update(
                    state=OrderState.NEW,
                    assignee=None,
                    created_at=t0,
                    state_since=t0,
                    due_at=svc.due_for(svc.sla_rule(order.kind), t0),
                )
                order.steps.update(at=t0)
                self.counts["work_orders"] += 1
                self.counts["work_orders_queued"] = self.counts.get("work_orders_queued", 0) + 1


def reset_service_orders() -> None:
    """Delete every work order, children first (before the sales and crm records they
    point at)."""
    with connection.cursor() as cursor:
        for model in (SlaDay, WorkOrderPhoto, WorkOrderStep, WorkOrder):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def load_service_orders(seed: int, *, scale: float = 1.0) -> dict[str, int]:
    """Installs for the month's won sales, and calls per staffed grid; returns counts."""
    loader = _Loader(seed, scale)
    teams = {g.pk: loader.team(g) for g in Grid.objects.order_by("code")}
    for sale in Order.objects.select_related("opportunity").order_by("won_on", "pk"):
        opp = sale.opportunity
        order = svc.install_for_sale(
            opportunity_id=opp.pk,
            order_id=sale.pk,
            subscription_id=sale.subscription_id,
            customer_id=opp.customer_id or 0,
        )
        # Opened the hour after the win (the sales loader dates the wins back in the month).
        t0 = clock.start_of_day(sale.won_on) + dt.timedelta(hours=loader.rng.uniform(9, 18))
        t0 = min(t0, loader.now - dt.timedelta(minutes=10))
        team = teams.get(order.grid_id or 0)
        if team is not None:
            loader.drive(order, team, t0)
    staffed = [t for t in teams.values() if t.technician is not None]
    for i, team in enumerate(staffed):
        low, high = PER_BUSY_GRID if i < BUSY_GRIDS else PER_GRID
        n = round(loader.rng.randint(low, high) * loader.scale)
        customers = list(
            Customer.objects.filter(
                site__grid=team.grid, relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
            )
            .select_related("site")
            .order_by("pk")[:400]
        )
        if not customers:
            continue
        for j in range(n):
            customer = loader.rng.choice(customers)
            order, _created = svc.work_order_create(
                actor=SYSTEM,
                kind=_pick(loader.rng, CALL_KINDS),
                source=WorkOrder.Source.CALL,
                customer=customer,
                description=loader.rng.choice(
                    ("宽带断网", "电视无信号", "网速慢", "咨询套餐", "要求移机", "申请拆机")
                ),
            )
            t0 = loader.now - dt.timedelta(hours=loader.rng.uniform(1, DAYS * 24))
            # Each grid's first call was called off and its second never taken up (overdue):
            # every state occurs at any scale.
            loader.drive(order, team, t0, cancel=j == 0, stop=0 if j == 1 else None)
    loader.queue(staffed[-QUEUED_GRIDS:])
    # The orders were dated back past the services: recount the SLA summary from them.
    sla_days_rebuild()
    return dict(loader.counts)
