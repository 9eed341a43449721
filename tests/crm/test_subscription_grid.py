"""The grid stored on each subscription (`Subscription.grid`, a planner's aid for a grid
team's renewal and arrears lists) follows its customer's site: when a line is written,
when a customer moves site, when a site moves grid, after a bulk import. It only narrows:
a stale value never shows a line to someone the scope hides it from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import selectors, services
from wangge.crm.models import Subscription
from wangge.territory import services as territory_services

pytestmark = pytest.mark.django_db

EAST_LON = 111.735  # inside grid B (tests.territory_world)


def _stored() -> dict[int, int | None]:
    return dict(Subscription.objects.values_list("pk", "grid_id"))


def _true() -> dict[int, int | None]:
    return dict(Subscription.objects.values_list("pk", "customer__site__grid_id"))


def test_lines_carry_their_customers_grid_and_follow_every_move(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    a, b = crm.world.grid_a.pk, crm.world.grid_b.pk
    line = crm.subscriptions["a_home"]
    assert _stored() == _true() and _stored()[line.pk] == a

    # The customer moves to a site of grid B (the form's service).
    customer = crm.customers["a_home"]
    services.customer_update(actor=SYSTEM, customer=customer, data={"site": crm.t.sites_b[2]})
    assert _stored()[line.pk] == b

    # Back, then the site itself moves to grid B (territory's service; on commit).
    services.customer_update(actor=SYSTEM, customer=customer, data={"site": crm.t.sites_a[0]})
    assert _stored()[line.pk] == a
    with django_capture_on_commit_callbacks(execute=True):
        territory_services.site_update(actor=SYSTEM, site=crm.t.sites_a[0], data={"lon": EAST_LON})
    assert _stored()[line.pk] == b
    assert _stored() == _true()


def test_a_bulk_write_gets_its_grid_and_a_full_refresh_mends_any_line(crm: CrmWorld) -> None:
    customer = crm.customers["b_home"]
    (line,) = Subscription.objects.bulk_create(
        [Subscription(customer=customer, plan=crm.plan_bb, started_on=clock.today(),
                      monthly_fee=Decimal("68.00"), account_no="BULK1")]
    )  # fmt: skip
    assert line.grid_id is None
    services.subscriptions_announce([line])  # what the import calls after writing
    assert _stored()[line.pk] == crm.world.grid_b.pk
    Subscription.objects.update(grid=None)
    assert services.subscription_grids_refresh() == len(_true())
    assert _stored() == _true()
    assert services.subscription_grids_refresh() == 0  # only lines that differ are written


def test_grid_lists_equal_the_scope_and_a_stale_grid_never_shows_a_line(crm: CrmWorld) -> None:
    today = clock.today()
    Subscription.objects.update(
        arrears=Decimal("12.00"), status="active", expires_on=today + dt.timedelta(days=3)
    )
    filters: list[dict[str, Any]] = [{"expiring_within": 7}, {"in_arrears": True}]
    for persona in PERSONAS:
        user = crm.world.user(persona)
        for f in filters:
            listed = {s.pk for s in selectors.subscription_list(user=user, **f)}
            scoped = set(
                Subscription.objects.visible_to(user)
                .filter(arrears__gt=0)
                .values_list("pk", flat=True)
            )
            assert listed == scoped, (persona, f)
    # A line of grid B stored as grid A (stale): grid A's manager still does not see it.
    b_line = crm.subscriptions["b_home"]
    Subscription.objects.filter(pk=b_line.pk).update(grid=crm.world.grid_a)
    manager = crm.world.user("manager_a")
    for f in filters:
        assert b_line.pk not in {s.pk for s in selectors.subscription_list(user=manager, **f)}
