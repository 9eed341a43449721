"""The today view's renewal and arrears counts, counted in two parts for a grid team, equal
the scoped list's length for every persona, own customers in another grid included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import selectors, services
from wangge.crm.models import Subscription, TariffPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_split_count_is_the_scoped_lists_length(
    crm: CrmWorld, persona: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # account_a owns a customer in grid B: the "own customers elsewhere" part.
    services.subscription_create(
        actor=SYSTEM,
        customer=crm.customers["b_owned"],
        plan=TariffPlan.objects.order_by("pk")[0],
        started_on=clock.today() - dt.timedelta(days=300),
        expires_on=clock.today() + dt.timedelta(days=3),
    )
    Subscription.objects.update(arrears=Decimal("12.00"), expires_on=clock.today())
    user = crm.world.user(persona)
    for filters in ({"in_arrears": True}, {"expiring_within": 7}):
        listed = selectors.subscription_list(user=user, **filters)
        assert selectors.subscription_count(listed, user) == len(list(listed)), filters
        # Bounded (the today view's "99+"): no further than the cap and one.
        assert selectors.subscription_count(listed, user, cap=1) == min(len(listed), 2)
        # More own customers elsewhere than are listed by id: the same count by a subquery.
        with monkeypatch.context() as m:
            m.setattr(selectors, "ELSEWHERE_LISTED", 0)
            assert selectors.subscription_count(listed, user) == len(listed), filters
    if persona == "account_a":
        listed = selectors.subscription_list(user=user, in_arrears=True)
        assert crm.customers["b_owned"].pk in {s.customer_id for s in listed}
