"""Two managers dispatching the same opportunity at the same moment, in two real
transactions: exactly one wins, the other is told the record changed (409 in the API).

PostgreSQL only: that is where two writers really overlap (row locks). SQLite's test
database is an in-memory shared cache whose table locks fail instead of waiting; its
writers are serialized anyway (`transaction_mode=IMMEDIATE`), and the version rule itself is
tested on both databases in test_services.py."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from tests.crm.world import build_crm
from tests.personas import build_world
from wangge.core import clock
from wangge.core.services import StaleVersion
from wangge.sales import services
from wangge.sales.models import Opportunity


@pytest.mark.django_db(transaction=True)
def test_racing_dispatches_leave_one_assignee() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (CI runs this file there)")
    crm = build_crm(build_world())
    lead = services.opportunity_create(
        actor=crm.world.user("tech_a"), source="visit", customer=crm.customers["a_home"]
    )
    due = clock.now() + dt.timedelta(hours=3)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def dispatch(persona: str, assignee: str) -> None:
        try:
            seen = Opportunity.objects.get(pk=lead.pk)
            barrier.wait(timeout=10)
            services.opportunity_dispatch(
                actor=crm.world.user(persona),
                opportunity=seen,
                version=seen.version,
                assignee=crm.world.staff[assignee],
                due=due,
            )
            outcomes[persona] = "won"
        except StaleVersion:
            outcomes[persona] = "stale"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dispatch, args=("manager_a", "account_a")),
        threading.Thread(target=dispatch, args=("market_admin", "agent_a")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["stale", "won"]
    lead.refresh_from_db()
    winner = next(p for p, o in outcomes.items() if o == "won")
    assert lead.assignee == crm.world.staff["account_a" if winner == "manager_a" else "agent_a"]
    assert lead.steps.filter(kind="dispatch").count() == 1
    assert lead.version == 2
