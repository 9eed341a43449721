"""Two technicians accepting the same order at the same moment, in two real transactions:
exactly one takes it, the other is told it moved on (409 or 400 in the API).

PostgreSQL only: that is where two writers really overlap (row locks); SQLite serializes
its writers, and the state rule itself is tested on both in test_orders_services.py."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.crm.world import build_crm
from tests.personas import build_world
from wangge.core.access import SYSTEM
from wangge.core.services import StaleVersion
from wangge.org import services as org_services
from wangge.org.roles import Role
from wangge.service.models import WorkOrder
from wangge.service.services import orders as svc


@pytest.mark.django_db(transaction=True)
def test_two_technicians_accepting_at_once_one_wins() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (CI runs this file there)")
    crm = build_crm(build_world())
    crm.world.staff["tech_a2"] = org_services.staff_create(
        actor=SYSTEM,
        username="tech_a2",
        password="x-pass-123456",
        name="装维乙",
        employee_no="TECH_A2",
        role=Role.TECHNICIAN,
        primary_grid=crm.world.grid_a,
    )
    order, _ = svc.work_order_create(
        actor=SYSTEM, kind="repair", source="call", customer=crm.customers["a_home"]
    )
    # Nobody holds it yet (as in a grid without a named technician): either technician of
    # the grid may take it.
    WorkOrder.objects.filter(pk=order.pk).update(assignee=None, state="new")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def accept(persona: str) -> None:
        try:
            seen = WorkOrder.objects.get(pk=order.pk)
            barrier.wait(timeout=10)
            svc.work_order_accept(actor=crm.world.user(persona), order=seen, version=seen.version)
            outcomes[persona] = "won"
        except (StaleVersion, ValidationError):
            outcomes[persona] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(p,)) for p in ("tech_a", "tech_a2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "won"]
    order.refresh_from_db()
    winner = next(p for p, o in outcomes.items() if o == "won")
    assert order.assignee is not None and order.assignee.user.username == winner
    assert order.state == "accepted" and order.version == 2
    assert order.steps.filter(to_state="accepted").count() == 1
