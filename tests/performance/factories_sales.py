"""Sales records on the small crm world (tests/crm/world.py), for the perf-sales tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.performance.models import SalesRecord
from wangge.performance.services_sales import sales_record_create
from wangge.sales import services as sales
from wangge.sales.models import Order


def win(crm: CrmWorld, persona: str = "account_a", *, customer: str = "a_home",
        plan: Any = None, **kwargs: Any) -> Order:  # fmt: skip
    """An opportunity of `customer` raised and won by `persona` (on_commit callbacks are the
    caller's: wrap in `django_capture_on_commit_callbacks(execute=True)` to hear sale_won)."""
    actor = crm.world.user(persona)
    opp = sales.opportunity_create(
        actor=actor, source="visit", customer=crm.customers[customer], kind="uplift"
    )
    for stage in ("proposal", "confirmed"):
        opp = sales.opportunity_move(actor=actor, opportunity=opp, stage=stage, version=opp.version)
    return sales.opportunity_win(
        actor=actor, opportunity=opp, plan=plan or crm.plan_bb, version=opp.version, **kwargs
    )


def record(
    crm: CrmWorld,
    reference: str,
    *,
    seller: str = "account_a",
    customer: str = "a_home",
    days_ago: int = 0,
    sold_on: dt.date | None = None,
    amount: str = "816.00",
    line: str = "broadband",
    cancelled_on: dt.date | None = None,
) -> SalesRecord:
    """A billing record sold `days_ago` days before today (by the system)."""
    c = crm.customers[customer]
    return sales_record_create(
        actor=SYSTEM,
        reference=reference,
        sold_on=sold_on or clock.today() - dt.timedelta(days=days_ago),
        customer=c,
        business_line=line,
        amount=Decimal(amount),
        seller=crm.world.staff[seller],
        grid_id=c.site.grid_id,
        cancelled_on=cancelled_on,
    )
