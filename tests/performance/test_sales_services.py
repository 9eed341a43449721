"""Sales records from won sales (sale_won), cancellations and claw-backs, and the figures
the settlement and the targets read (`actuals`, `clawbacks`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from tests.crm.world import CrmWorld, build_crm
from tests.performance.factories_sales import record, win
from tests.personas import World
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.performance import selectors_sales as sel
from wangge.performance.hooks_sales import on_sale_won
from wangge.performance.models import SalesRecord
from wangge.performance.periods import month_of, period_bounds
from wangge.performance.services_sales import sale_cancel, sales_record_from_order
from wangge.sales.events import SaleWon


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_a_won_sale_becomes_one_record_with_the_contract_amount(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = win(crm, "account_a")
    rec = SalesRecord.objects.get()
    assert rec.reference == order.opportunity.code
    assert rec.source == "opportunity" and rec.business_line == "broadband"
    # 68.00 a month on a 12-month contract.
    assert rec.amount == Decimal("816.00")
    assert rec.seller == crm.world.staff["account_a"] and rec.channel == "staff"
    assert rec.grid == crm.world.grid_a and rec.sold_on == order.won_on == clock.today()
    assert rec.subscription_id == order.subscription_id and rec.plan == crm.plan_bb


def test_the_same_order_heard_twice_is_recorded_once(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = win(crm)
    event = SaleWon(
        opportunity_id=order.opportunity_id, order_id=order.pk,
        subscription_id=order.subscription_id, customer_id=order.subscription.customer_id,
        site_id=order.opportunity.site_id, grid_id=order.opportunity.grid_id,
        seller_id=order.seller_id, plan_id=order.plan_id, monthly_fee=str(order.monthly_fee),
        won_on=order.won_on,
    )  # fmt: skip
    on_sale_won(event)
    rec, created = sales_record_from_order(order_id=order.pk)
    assert (
        not created and SalesRecord.objects.count() == 1 and rec.reference == order.opportunity.code
    )


@override_settings(WANGGE_SALE_AMOUNT_MONTHS=6)
def test_a_plan_without_a_term_counts_the_configured_months_and_agents_sell_as_agents(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        win(crm, "agent_a", customer="a_agent", plan=crm.plan_hd, monthly_fee=Decimal("28.35"))
    rec = SalesRecord.objects.get()
    assert rec.business_line == "hd" and rec.amount == Decimal("170.10")
    assert rec.channel == "agent" and rec.seller == crm.world.staff["agent_a"]


def test_a_cancellation_within_the_period_claws_back_and_only_a_manager_records_it(
    crm: CrmWorld,
) -> None:
    sold = clock.today() - dt.timedelta(days=100)
    rec = record(crm, "JF1", sold_on=sold)
    with pytest.raises(PermissionDenied):
        sale_cancel(actor=crm.world.user("account_a"), record=rec, cancelled_on=sold)
    with pytest.raises(ValidationError):
        sale_cancel(actor=SYSTEM, record=rec, cancelled_on=sold - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        sale_cancel(actor=SYSTEM, record=rec, cancelled_on=clock.today() + dt.timedelta(days=1))
    on_day_90 = sold + dt.timedelta(days=90)
    rec = sale_cancel(actor=crm.world.user("manager_a"), record=rec, cancelled_on=on_day_90)
    assert rec.cancelled_on == on_day_90 and sel.is_record_clawed_back(rec)
    assert list(sel.clawbacks(month_of(on_day_90).code)) == [rec]
    late = record(crm, "JF2", sold_on=sold)
    late = sale_cancel(actor=SYSTEM, record=late, cancelled_on=sold + dt.timedelta(days=91))
    assert not sel.is_record_clawed_back(late)
    assert late not in sel.clawbacks(month_of(late.cancelled_on).code)  # type: ignore[arg-type]


def test_the_manager_of_another_grid_cannot_cancel(crm: CrmWorld) -> None:
    rec = record(crm, "JF1", days_ago=3)
    with pytest.raises(PermissionDenied):
        sale_cancel(actor=crm.world.user("manager_b"), record=rec)
    assert SalesRecord.objects.get(pk=rec.pk).cancelled_on is None


def test_actuals_are_by_seller_or_grid_per_indicator_and_net_of_clawbacks(crm: CrmWorld) -> None:
    # The middle of a past month, so every sale and cancellation lies in it.
    first, last = period_bounds(month_of(clock.today().replace(day=1) - dt.timedelta(days=1)).code)
    mid = first + dt.timedelta(days=10)
    record(crm, "B1", sold_on=mid, amount="816.00")
    record(crm, "B2", sold_on=mid, amount="600.50", seller="sales_b", customer="b_home")
    record(crm, "B3", sold_on=mid, amount="100.00", cancelled_on=mid + dt.timedelta(days=2))
    record(crm, "H1", sold_on=mid, amount="336.00", line="hd")
    record(crm, "T1", sold_on=mid, amount="200.00", line="digital_tv")
    record(crm, "OLD", sold_on=first - dt.timedelta(days=1), amount="999.00")
    a, b = crm.world.staff["account_a"].pk, crm.world.staff["sales_b"].pk
    ga, gb = crm.world.grid_a.pk, crm.world.grid_b.pk
    assert sel.actuals(first, last, by="seller", indicator="broadband_new") == {a: 1, b: 1}
    assert sel.actuals(first, last, by="seller", indicator="broadband_revenue") == {
        a: Decimal("816.00"),
        b: Decimal("600.50"),
    }
    assert sel.actuals(first, last, by="grid", indicator="hd") == {ga: 1}
    assert sel.actuals(first, last, by="grid", indicator="digital_tv") == {ga: 1}
    assert sel.actuals(first, last, by="grid", indicator="revenue") == {
        ga: Decimal("1352.00"),
        gb: Decimal("600.50"),
    }
    assert [r.reference for r in sel.clawbacks(month_of(mid).code)] == ["B3"]
    assert [r.reference for r in sel.clawbacks(first, last)] == ["B3"]
    assert sel.sales_in_period(first, last).count() == 5
    with pytest.raises(ValueError):
        sel.actuals(first, last, by="team", indicator="hd")  # type: ignore[arg-type]
