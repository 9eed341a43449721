"""The demo's commission loader on the small crm world (the county is not loaded here)."""

from __future__ import annotations

import datetime as dt

from tests.crm.world import build_crm
from tests.personas import World
from wangge.core import clock
from wangge.demo.load_performance_sales import load_performance_sales, reset_performance_sales
from wangge.demo.load_performance_settle import load_performance_settle, reset_performance_settle
from wangge.performance import selectors_settle
from wangge.performance.models import CommissionPolicy, SalesRecord, Settlement


def test_the_month_before_last_is_settled_and_approved(world: World) -> None:
    build_crm(world)
    load_performance_sales(1, scale=0.5)  # as the demo does: the sales loader runs first
    counts = load_performance_settle(seed=1)
    first = clock.today().replace(day=1)
    before_last = (first - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)
    s = Settlement.objects.get()
    assert s.period == selectors_settle.period_of(before_last)
    assert s.status == Settlement.Status.APPROVED
    assert counts["佣金结算单"] == s.people > 0 and s.total > 0
    reset_performance_settle()
    reset_performance_sales()
    assert not CommissionPolicy.objects.exists() and not SalesRecord.objects.exists()
