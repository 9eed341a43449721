"""A grid team's customer list is counted in two parts (at their grids' sites; their own
customers elsewhere), and their renewal and arrears lists take their own customers' lines
from outside their grids only: the counts and the lines are exactly what the scope shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core import clock
from wangge.core.access import SYSTEM, scope_for
from wangge.core.pagination import BoundedPaginator, bounded_count, counted_in_parts
from wangge.crm import selectors, services
from wangge.crm.models import Customer, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


FILTERS: list[dict[str, Any]] = [
    {},
    {"tier": Customer.Tier.GOLD},
    {"relationship": Customer.Relationship.EXISTING},
    {"kind": Customer.Kind.HOUSEHOLD},
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_personas_list_counts_exactly_what_the_scope_shows(
    crm: CrmWorld, persona: str
) -> None:
    user = crm.world.user(persona)
    for given in FILTERS:
        listed = selectors.customer_list(user=user, **given)
        plain = Customer.objects.visible_to(user).filter(**given)
        n = plain.count()
        assert bounded_count(listed) == n == len(list(listed)), (persona, given)
        # Counted no further than the cap, part after part.
        for cap in range(n + 1):
            assert bounded_count(listed, cap) == min(n, cap + 1), (persona, given, cap)
        paginator = BoundedPaginator(listed, 2)
        assert paginator.count == n


def test_the_account_marketer_is_counted_in_parts_and_sees_their_customer_elsewhere(
    crm: CrmWorld,
) -> None:
    user = crm.world.user("account_a")
    listed = selectors.customer_list(user=user)
    assert getattr(listed, "_wangge_count_parts", None) is not None
    assert crm.customers["b_owned"].pk in {c.pk for c in listed}
    assert bounded_count(listed) == Customer.objects.visible_to(user).count()


def test_parts_are_not_carried_by_a_narrower_copy(crm: CrmWorld) -> None:
    everyone = Customer.objects.all()
    wrong = counted_in_parts(everyone, [everyone.none()])  # a sum the copy must not inherit
    assert bounded_count(wrong) == 0
    narrower = wrong.filter(site__grid=crm.world.grid_a)
    assert bounded_count(narrower) == everyone.filter(site__grid=crm.world.grid_a).count() > 0


@pytest.mark.parametrize("listed_by_ids", [True, False])
def test_renewal_and_arrears_lists_hold_the_own_customers_lines_elsewhere(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch, listed_by_ids: bool
) -> None:
    if not listed_by_ids:  # many own customers elsewhere: a subquery instead of ids
        monkeypatch.setattr(selectors, "ELSEWHERE_LISTED", 0)
    today = clock.today()
    elsewhere = services.subscription_create(
        actor=SYSTEM,
        customer=crm.customers["b_owned"],  # account_a's own customer in grid B
        plan=crm.plan_bb,
        started_on=today - dt.timedelta(days=300),
    )
    Subscription.objects.update(
        arrears=Decimal("12.00"), status="active", expires_on=today + dt.timedelta(days=3)
    )
    filters: list[dict[str, Any]] = [{"expiring_within": 7}, {"in_arrears": True}]
    for persona in PERSONAS:
        user = crm.world.user(persona)
        scoped = set(Subscription.objects.visible_to(user).values_list("pk", flat=True))
        for f in filters:
            listed = selectors.subscription_list(user=user, **f)
            assert {s.pk for s in listed} == scoped, (persona, f)
            assert BoundedPaginator(listed, 2).count == len(scoped)
    account = crm.world.user("account_a")
    assert elsewhere.pk in {
        s.pk for s in selectors.subscription_list(user=account, in_arrears=True)
    }
    # Their own customer in their grid, its line's stored grid stale (grid B): left out of
    # the grid's list rather than looked up by owner (a stale grid may hide, never show).
    home = crm.subscriptions["a_home"]
    Subscription.objects.filter(pk=home.pk).update(grid=crm.world.grid_b)
    assert scope_for(account).grid_ids == {crm.world.grid_a.pk}
    shown = {s.pk for s in selectors.subscription_list(user=account, expiring_within=7)}
    assert home.pk not in shown and elsewhere.pk in shown
