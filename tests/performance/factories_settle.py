"""Commission worlds: small hand-built ones on top of the crm world (tests/crm/world.py),
and the bench's bulk month (`bulk_month`; bench/settle.py builds it at a million sales, a
test at a few hundred, so the bench's input is tested too). Sales records are written
directly (the sales part's services are not needed to settle), policies through the
services."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm.models import Customer, Product, Subscription, TariffPlan
from wangge.org.models import Grid, GridMembership, Region, Staff
from wangge.org.roles import Role
from wangge.performance import services_settle
from wangge.performance.bulk import insert_rows
from wangge.performance.models import CommissionPolicy, SalesRecord
from wangge.service.models import OrderKind, WorkOrder
from wangge.territory.models import Site

#: A month safely in the past of any test clock (the suite may run 400 days ahead).
PERIOD = "2024-03"
DAY = dt.date(2024, 3, 10)
#: A policy that pays the seller alone.
SELLER_ONLY = {
    "share_seller": Decimal(1),
    "share_manager": Decimal(0),
    "share_technician": Decimal(0),
}


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


# --- a bulk month (the bench's world; tests build it small) ----------------------------

#: The bench's policies: broadband 12% split seller 80% / manager 10% / technician 5% with a
#: tier at 200 units, agents' broadband a fixed 20 元 from 120 元, HD a fixed 5 元, digital TV 8%.
BULK_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "宽带",
        "value": Decimal("0.12"),
        "tiers": [{"min_units": 200, "value": "0.15"}],
        "share_technician": Decimal("0.05"),
    },
    {
        "name": "宽带代理",
        "channel": "agent",
        "kind": "fixed",
        "value": Decimal("20"),
        "min_amount": Decimal("120"),
        **SELLER_ONLY,
    },
    {"name": "高清", "business_line": "hd", "kind": "fixed", "value": Decimal("5"), **SELLER_ONLY},
    {"name": "数字电视", "business_line": "digital_tv", "value": Decimal("0.08"), **SELLER_ONLY},
)


def bulk_month(
    n_sales: int, n_staff: int, *, seed: int = 0, progress: Callable[[str], None] | None = None
) -> None:
    """A county of `n_staff` people in grids of 20 (one manager each, a tenth technicians, a
    tenth agents, the others marketers), one customer per seller and `n_sales` sales records
    in `PERIOD` (70% broadband, 20% HD, 10% digital TV; 30–1,500 元), a tenth of the customers
    installed by their grid's technician, and `BULK_POLICIES`. Written in bulk (seeded: the
    same seed gives the same month): it is the input of the settlement, not a test of the
    sales services. The bench builds it at a million sales, tests at a few hundred."""
    say = progress or (lambda _msg: None)
    User = get_user_model()
    rng = random.Random(seed)
    day0 = dt.date(2024, 3, 1)
    with transaction.atomic():
        region = Region.objects.create(code="BR", name="基准区域", kind=Region.Kind.TOWN)
        n_grids = max(1, n_staff // 20)
        grids = Grid.objects.bulk_create(
            [Grid(code=f"G{i:04d}", name=f"网格{i}", region=region) for i in range(n_grids)]
        )
        sites = Site.objects.bulk_create(
            [
                Site(
                    code=f"S{i:04d}",
                    kind=Site.Kind.values[0],
                    name=f"小区{i}",
                    address="地址",
                    lon=111.7 + i * 1e-3,
                    lat=27.2,
                    grid=g,
                )
                for i, g in enumerate(grids)
            ]
        )
        users = User.objects.bulk_create(
            [User(username=f"b{i:05d}", password="!") for i in range(n_staff)]
        )
        roles = [_bulk_role(i) for i in range(n_staff)]
        staff = Staff.objects.bulk_create(
            [
                Staff(
                    user=u,
                    name=f"员工{i}",
                    employee_no=f"E{i:05d}",
                    role=roles[i],
                    agency="门店" if roles[i] == Role.AGENT else "",
                )
                for i, u in enumerate(users)
            ]
        )
        GridMembership.objects.bulk_create(
            [
                GridMembership(
                    staff=s, grid=grids[i // 20 % n_grids], role=roles[i], is_primary=True
                )
                for i, s in enumerate(staff)
            ]
        )
        sellers = [
            (s, grids[i // 20 % n_grids], sites[i // 20 % n_grids])
            for i, s in enumerate(staff)
            if roles[i] in (Role.ACCOUNT_MARKETER, Role.AGENT)
        ]
        techs = {
            grids[i // 20 % n_grids].pk: s
            for i, s in enumerate(staff)
            if roles[i] == Role.TECHNICIAN
        }
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    kind=Customer.Kind.values[0],
                    name=f"客户{s.pk}",
                    site=site,
                    address="地址",
                    phone="",
                    relationship="existing",
                    owner=s,
                )
                for s, _g, site in sellers
            ]
        )
        product = Product.objects.create(code="BB", name="宽带", kind="broadband")
        plan = TariffPlan.objects.create(
            product=product, code="BB-1", name="宽带", monthly_price=Decimal("68.00")
        )
        subs = Subscription.objects.bulk_create(
            [
                Subscription(
                    customer=c,
                    plan=plan,
                    account_no=f"A{c.pk}",
                    started_on=day0,
                    monthly_fee=Decimal("68.00"),
                )
                for c in customers
            ]
        )
        WorkOrder.objects.bulk_create(
            [
                WorkOrder(
                    kind=OrderKind.INSTALL,
                    site_id=c.site_id,
                    grid_id=g.pk,
                    customer=c,
                    subscription=sub,
                    source=WorkOrder.Source.SALE,
                    assignee=techs[g.pk],
                    due_at=clock.now(),
                )
                for (_s, g, _site), c, sub in zip(sellers, customers, subs, strict=True)
                if c.pk % 10 == 0 and g.pk in techs
            ]
        )
    for data in BULK_POLICIES:
        policy(**data)
    lines = ["broadband"] * 7 + ["hd"] * 2 + ["digital_tv"]
    created = connection.ops.adapt_datetimefield_value(clock.now())
    staff_channel = {s.pk: "agent" if s.role == Role.AGENT else "staff" for s, _g, _site in sellers}
    who = [
        (s.pk, g.pk, c.pk, sub.pk)
        for (s, g, _site), c, sub in zip(sellers, customers, subs, strict=True)
    ]

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(n_sales):
            seller, grid, customer, sub = who[rng.randrange(len(who))]
            yield (
                f"R{i:08d}",
                day0 + dt.timedelta(days=rng.randrange(31)),
                customer,
                sub,
                "",
                rng.choice(lines),
                Decimal(rng.randrange(3000, 150000)) / 100,
                seller,
                staff_channel[seller],
                grid,
                SalesRecord.Source.IMPORT.value,
                created,
            )

    with transaction.atomic():  # one transaction: SQLite commits every row otherwise
        for done in insert_rows(SalesRecord, _SALE_COLUMNS, rows()):
            say(f"{done:,} sales")


_SALE_COLUMNS = (
    "reference",
    "sold_on",
    "customer_id",
    "subscription_id",
    "account_no",
    "business_line",
    "amount",
    "seller_id",
    "channel",
    "grid_id",
    "source",
    "created_at",
)


def _bulk_role(i: int) -> str:
    if i % 20 == 0:
        return Role.GRID_MANAGER
    if i % 10 == 1:
        return Role.TECHNICIAN
    if i % 10 == 2:
        return Role.AGENT
    return Role.ACCOUNT_MARKETER
