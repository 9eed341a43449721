"""Small hand-built commission worlds on top of the crm world (tests/crm/world.py): sales
records written directly (the sales part's services are not needed to settle), policies
through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.performance import services_settle
from wangge.performance.models import CommissionPolicy, SalesRecord
from wangge.service.models import OrderKind, WorkOrder

#: A month safely in the past of any test clock (the suite may run 400 days ahead).
PERIOD = "2024-03"
DAY = dt.date(2024, 3, 10)


def sale(
    crm: CrmWorld,
    ref: str,
    amount: str,
    *,
    day: dt.date = DAY,
    line: str = "broadband",
    seller: str = "account_a",
    customer: str = "a_home",
    grid: str = "a",
    subscription: Any = None,
    cancelled_on: dt.date | None = None,
) -> SalesRecord:
    world = crm.world
    return SalesRecord.objects.create(
        reference=ref,
        sold_on=day,
        customer=crm.customers[customer],
        subscription=subscription,
        business_line=line,
        amount=Decimal(amount),
        seller=world.staff[seller],
        channel="agent" if seller.startswith("agent") else "staff",
        grid=world.grid_a if grid == "a" else world.grid_b,
        source=SalesRecord.Source.IMPORT,
        cancelled_on=cancelled_on,
    )


def install(crm: CrmWorld, subscription: Any, technician: str = "tech_a") -> WorkOrder:
    return WorkOrder.objects.create(
        kind=OrderKind.INSTALL,
        site=crm.t.sites_a[0],
        grid=crm.world.grid_a,
        subscription=subscription,
        source=WorkOrder.Source.SALE,
        assignee=crm.world.staff[technician],
        due_at=clock.now(),
    )


def policy(**data: Any) -> CommissionPolicy:
    base: dict[str, Any] = {
        "name": "宽带提成",
        "business_line": "broadband",
        "kind": "rate",
        "value": Decimal("0.10"),
        "share_seller": Decimal("0.8"),
        "share_manager": Decimal("0.1"),
        "share_technician": Decimal("0.1"),
        "effective_from": dt.date(2024, 1, 1),
    }
    base.update(data)
    return services_settle.policy_create(actor=SYSTEM, **base)


def standard_month(crm: CrmWorld) -> None:
    """Broadband within the cap with a split, HD by a fixed sum, a sale that gets capped."""
    policy()
    policy(
        name="高清",
        business_line="hd",
        kind="fixed",
        value=Decimal("5"),
        share_seller=Decimal(1),
        share_manager=Decimal(0),
        share_technician=Decimal(0),
    )
    policy(
        name="宽带代理",
        channel="agent",
        kind="fixed",
        value=Decimal("20"),
        min_amount=Decimal("120"),
        share_seller=Decimal(1),
        share_manager=Decimal(0),
        share_technician=Decimal(0),
    )
    sub = crm.subscriptions["a_home"]
    sale(crm, "BB-1", "680.00", subscription=sub)
    install(crm, sub)
    sale(crm, "BB-2", "120.00", seller="agent_a", customer="a_agent")
    sale(crm, "HD-1", "336.00", line="hd", seller="sales_b", customer="b_home", grid="b")
    sale(crm, "BB-3", "99.99", seller="sales_b", customer="b_home", grid="b")
