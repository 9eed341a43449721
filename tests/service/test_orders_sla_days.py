"""The SLA dashboard's daily summary follows every move of the orders, equals a recount
from the orders, and the dashboard built on it counts what the orders say."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.service.models import SlaDay, WorkOrder
from wangge.service.selectors_orders import sla_dashboard
from wangge.service.services import orders as svc
from wangge.service.services.sla_days import sla_days_rebuild

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _open(crm: CrmWorld, kind: str) -> WorkOrder:
    order, _ = svc.work_order_create(
        actor=SYSTEM, kind=kind, source="call", customer=crm.customers["a_home"]
    )
    return order


def _go(order: WorkOrder, move: str, actor: object, **data: object) -> WorkOrder:
    order.refresh_from_db()
    fn = getattr(svc, f"work_order_{move}")
    return fn(actor=actor, order=order, version=order.version, **data)


def _summary() -> set[tuple[object, ...]]:
    return set(SlaDay.objects.values_list("day", "grid_id", "kind", "met", "on_time"))


def test_the_summary_follows_the_moves_and_equals_a_recount(crm: CrmWorld) -> None:
    tech, manager = crm.world.user("tech_a"), crm.world.user("manager_a")
    with time_machine.travel(WEDNESDAY, tick=False):
        repair = _open(crm, "repair")  # met when done
        answered = _open(crm, "complaint")  # met when accepted
        called_off = _open(crm, "complaint")
        late = _open(crm, "complaint")
        overdue = _open(crm, "install")  # never met: counted live, not in the summary
        _go(repair, "accept", tech)
        _go(repair, "check_in", tech)
        _go(repair, "complete", tech, result="好")
        _go(answered, "accept", tech)
        _go(called_off, "accept", tech)
        _go(called_off, "cancel", manager, reason="客户取消")  # a met order leaves the count
    with time_machine.travel(late.due_at + dt.timedelta(hours=1), tick=False):
        _go(late, "accept", tech)
    day = clock.local_date(repair.due_at)
    grid = crm.world.grid_a.pk
    assert _summary() == {
        (day, grid, "repair", 1, 1),
        (clock.local_date(answered.due_at), grid, "complaint", 2, 1),
        (clock.local_date(called_off.due_at), grid, "complaint", 2, 1),
    }
    kept = _summary()
    sla_days_rebuild()
    assert _summary() == kept

    with time_machine.travel(overdue.due_at + dt.timedelta(hours=1), tick=False):
        data = sla_dashboard(
            user=crm.world.user("market_admin"),
            since=WEDNESDAY.date(),
            until=clock.local_date(overdue.due_at),
        )
    # repair on time, complaint on time, complaint late, install overdue (late); the
    # cancelled one not at all.
    assert data["total"] == {"total": 4, "on_time": 2, "rate": 50.0}
    assert {r["kind"]: (r["total"], r["on_time"]) for r in data["by_kind"]} == {
        "install": (1, 0),
        "repair": (1, 1),
        "complaint": (2, 1),
    }
    # Another grid's manager and an agent see none of it.
    for persona in ("manager_b", "agent_a"):
        other = sla_dashboard(user=crm.world.user(persona), since=WEDNESDAY.date(), until=day)
        assert other["total"]["total"] == 0
