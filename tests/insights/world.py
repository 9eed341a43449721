"""A small county with a contact of every kind, on top of the crm world.

Grid A: a visit to `a_home` three days ago, a work order of `a_org` closed after its
follow-up ten days ago, a collection of `a_agent` closed by billing's payment (no contact),
a fresh intel verification at A's first estate. Grid B: a care call to `b_owned` forty days
ago (outside the period), a promised collection of `b_home` yesterday. Dates count back
from the clock. Survey assignments (the people's site figures): A's first and third estates
to account_a (the first verified two days ago), the second to tech_a.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from wangge.core import clock
from wangge.retention.models import CollectionTask, Payment
from wangge.retention.models import Contact as CareContact
from wangge.sales.models import Visit
from wangge.service.models import OrderState, WorkOrder
from wangge.territory.models import Site, SurveyAssignment


@dataclass
class InsightsWorld:
    crm: CrmWorld

    @property
    def world(self) -> World:
        return self.crm.world


@contextmanager
def rolled_back(django_db_blocker: Any) -> Iterator[None]:
    """A test module's own transaction, rolled back when the module is done (its tests
    run in savepoints on top)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def ago(days: int, hour: int = 10) -> dt.datetime:
    return clock.start_of_day(clock.today() - dt.timedelta(days=days)) + dt.timedelta(hours=hour)


def build_insights(world: World) -> InsightsWorld:
    crm = build_crm(world)
    c, staff = crm.customers, world.staff
    Visit.objects.create(
        kind="door",
        staff=staff["account_a"],
        customer=c["a_home"],
        site=c["a_home"].site,
        grid=world.grid_a,
        at=ago(3),
        outcome="interested",
    )
    CareContact.objects.create(
        customer=c["b_owned"], staff=staff["account_a"], grid=world.grid_b, kind="phone", at=ago(40)
    )
    sub_b = crm.subscriptions["b_home"]
    CollectionTask.objects.create(
        kind="arrears",
        subscription=sub_b,
        customer=c["b_home"],
        owner=staff["sales_b"],
        grid=world.grid_b,
        cycle=clock.today().replace(day=1),
        due_on=clock.today(),
        amount=Decimal("56.00"),
        status="promised",
        promised_on=clock.today(),
        closed_on=clock.today() - dt.timedelta(days=1),
    )
    sub_agent = crm.subscriptions["a_agent"]
    payment = Payment.objects.create(
        reference="PAY-1", subscription=sub_agent, amount=Decimal("54.40"), paid_on=clock.today()
    )
    CollectionTask.objects.create(
        kind="renewal",
        subscription=sub_agent,
        customer=c["a_agent"],
        owner=staff["agent_a"],
        grid=world.grid_a,
        cycle=clock.today().replace(day=1),
        due_on=clock.today(),
        amount=Decimal("54.40"),
        status="paid",
        payment=payment,
        closed_on=clock.today(),
    )
    WorkOrder.objects.create(
        kind="repair",
        customer=c["a_org"],
        site=c["a_org"].site,
        grid=world.grid_a,
        source="call",
        state=OrderState.CLOSED,
        due_at=ago(11),
        done_at=ago(10, 9),
        closed_at=ago(10),
    )
    crm.intel_a.__class__.objects.filter(pk=crm.intel_a.pk).update(
        verified_at=ago(2), customers_estimate=30
    )
    crm.intel_b.__class__.objects.filter(pk=crm.intel_b.pk).update(
        verified_at=ago(400), customers_estimate=20
    )
    sites_a = crm.t.sites_a
    for site, who in ((sites_a[0], "account_a"), (sites_a[2], "account_a"), (sites_a[1], "tech_a")):
        SurveyAssignment.objects.create(
            site=site, assignee=staff[who], assigned_by=staff["manager_a"]
        )
    Site.objects.filter(pk=sites_a[0].pk).update(verified_at=ago(2))
    return InsightsWorld(crm)
