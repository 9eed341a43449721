"""The demo county's month of work orders: every state, some overdue, installs from the
won sales that made their subscriptions live, on the month's timeline."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from wangge.core import clock
from wangge.crm.models import Subscription
from wangge.sales.models import Order
from wangge.service.models import OrderState, WorkOrder, WorkOrderStep

pytestmark = pytest.mark.django_db


def test_a_month_of_work_orders() -> None:
    call_command(
        "demo", "--grids", "3", "--crm-scale", "0.02", "--sales-scale", "0.5", stdout=StringIO()
    )
    now = clock.now()
    orders = WorkOrder.objects.all()
    # "new" only where a grid has no technician: every demo grid is staffed.
    assert set(orders.values_list("state", flat=True)) == set(OrderState.values) - {"new"}
    assert orders.overdue(now).exists()
    assert orders.filter(on_time=False).exists() and orders.filter(on_time=True).exists()
    # Every won sale has its install; the finished ones made the subscription live.
    sales = Order.objects.count()
    installs = orders.filter(kind="install", source="sale")
    assert installs.count() == sales > 0
    done = installs.filter(state__in=("done", "closed"))
    assert done.exists()
    for o in done:
        sub = Subscription.objects.get(pk=o.subscription_id)
        assert sub.status == "active" and sub.started_on == clock.local_date(o.done_at)
    assert installs.filter(state__in=WorkOrder.OPEN_STATES).exists()
    # Nothing in the future; each order's history in order.
    assert not WorkOrderStep.objects.filter(at__gt=now).exists()
    assert not orders.filter(created_at__gt=now).exists()
    for o in orders[:40]:
        times = list(o.steps.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), o.code
    # Resetting (work orders deleted before what they point at) is run by the sales and
    # worklog demo tests, with every app's loader.
