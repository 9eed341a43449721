"""Demo commission: policies (broadband within the cap, HD, digital TV) and the month before
last settled and approved (grid managers, then the market department).

Runs after the sales records loader, which fills every month this one settles.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.performance import selectors_settle, services_settle
from wangge.performance.models import (
    Adjustment,
    CommissionPolicy,
    SalesRecord,
    Settlement,
    Statement,
    StatementLine,
)

#: Sales records an earlier version of this loader made; a reset still removes them.
OWN_PREFIX = "DS-"


def reset_performance_settle() -> None:
    """Delete commission records (before the staff and products they point at)."""
    with connection.cursor() as cursor:
        for model in (StatementLine, Statement, Adjustment, Settlement, CommissionPolicy):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    SalesRecord.objects.filter(reference__startswith=OWN_PREFIX).delete()


def _policies(since: dt.date) -> int:
    zero, one = Decimal(0), Decimal(1)
    rows = [
        # 12% × (0.8 + 0.1 + 0.1) = 12%, 15% from 30 units: within 17%.
        dict(
            name="宽带新装提成",
            business_line="broadband",
            kind="rate",
            value=Decimal("0.12"),
            tiers=[{"min_units": 30, "value": "0.15"}],
            share_seller=Decimal("0.8"),
            share_manager=Decimal("0.1"),
            share_technician=Decimal("0.1"),
        ),
        # 20 元 a unit from 120 元: at most 16.7%.
        dict(
            name="宽带代理商每单",
            business_line="broadband",
            channel="agent",
            kind="fixed",
            value=Decimal("20"),
            min_amount=Decimal("120"),
            share_seller=one,
            share_manager=zero,
            share_technician=zero,
        ),
        dict(
            name="高清每单",
            business_line="hd",
            kind="fixed",
            value=Decimal("5"),
            share_seller=one,
            share_manager=zero,
            share_technician=zero,
        ),
        dict(
            name="数字电视提成",
            business_line="digital_tv",
            kind="rate",
            value=Decimal("0.08"),
            share_seller=one,
            share_manager=zero,
            share_technician=zero,
        ),
    ]
    for row in rows:
        services_settle.policy_create(actor=SYSTEM, effective_from=since, **row)
    return len(rows)


def load_performance_settle(seed: int) -> dict[str, int]:
    today = clock.today()
    before_last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before_last = (before_last - dt.timedelta(days=1)).replace(day=1)
    period = selectors_settle.period_of(before_last)
    counts = {"佣金政策": _policies(dt.date(before_last.year - 1, 1, 1))}
    outcome = services_settle.settle_now(actor=SYSTEM, period=period)
    settlement = Settlement.objects.get(period=period)
    services_settle.grid_approve(actor=SYSTEM, settlement=settlement)
    services_settle.settlement_approve(actor=SYSTEM, settlement=settlement)
    counts["佣金结算单"] = len(outcome.totals)
    return counts
