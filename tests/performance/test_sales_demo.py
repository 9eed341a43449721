"""The demo's sales records, on the small persona world (not the demo county): the won
orders recorded once, billing's three months before today in every grid, a claw-back in
last month."""

from __future__ import annotations

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.performance.factories_sales import win
from tests.personas import World
from wangge.core import clock
from wangge.demo.load_performance_sales import load_performance_sales, reset_performance_sales
from wangge.performance import selectors_sales as sel
from wangge.performance.models import SalesRecord
from wangge.performance.periods import period_bounds, previous_month


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_the_demo_records_won_orders_and_three_months_of_billing(crm: CrmWorld) -> None:
    order = win(crm)  # its sale_won is not delivered: the loader records it
    counts = load_performance_sales(7, scale=0.5)
    assert SalesRecord.objects.filter(reference=order.opportunity.code).count() == 1
    assert counts["销售记录（商机成交）"] == 1
    first, last = period_bounds(previous_month(clock.today()).code)
    month = sel.sales_in_period(first, last)
    assert set(month.values_list("grid_id", flat=True)) == {
        crm.world.grid_a.pk,
        crm.world.grid_b.pk,
    }
    assert sel.clawbacks(previous_month(clock.today()).code).exists()
    imported = SalesRecord.objects.filter(source="import")
    assert all(r.sold_on < clock.today().replace(day=1) for r in imported)
    amounts = sorted(SalesRecord.objects.values_list("reference", "amount"))
    reset_performance_sales()
    assert not SalesRecord.objects.exists()
    # The same seed writes the same records again.
    assert load_performance_sales(7, scale=0.5) == counts
    assert sorted(SalesRecord.objects.values_list("reference", "amount")) == amounts
