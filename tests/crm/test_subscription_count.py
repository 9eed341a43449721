"""The today view's renewal and arrears counts, counted in two parts for a grid team, equal
the scoped list's length for every persona, own customers in another grid included, and a
stale stored grid never counts a line the scope hides."""

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
from wangge.crm.models import Subscription, TariffPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


CONDITIONS: dict[str, dict[str, Any]] = {
    "arrears": {"in_arrears": True},
    "renewals": {"expiring_within": 7},
}


def _counts(user: Any, cap: int | None = None) -> dict[str, int]:
    return selectors.subscription_counts(
        user=user,
        conditions={"arrears": selectors.arrears_q(), "renewals": selectors.renewal_q(7)},
        cap=cap,
    )


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
    listed = {k: len(selectors.subscription_list(user=user, **f)) for k, f in CONDITIONS.items()}
    assert _counts(user) == listed
    # Bounded (the today view's "99+"): no further than the cap and one.
    assert _counts(user, cap=1) == {k: min(n, 2) for k, n in listed.items()}
    # More own customers elsewhere than are listed by id: the same count by a subquery.
    with monkeypatch.context() as m:
        m.setattr(selectors, "ELSEWHERE_LISTED", 0)
        assert _counts(user) == listed
    if persona == "account_a":
        arrears = selectors.subscription_list(user=user, in_arrears=True)
        assert crm.customers["b_owned"].pk in {s.customer_id for s in arrears}
    # Only their own customers' lines (a sales marketer's, a technician's today view).
    own = selectors.subscription_counts(
        user=user, conditions={"arrears": selectors.arrears_q()}, own=True
    )
    staff_id = crm.world.staff[persona].pk
    mine = selectors.subscription_list(user=user, in_arrears=True)
    assert own["arrears"] == len([s for s in mine if s.customer.owner_id == staff_id])


def test_a_stale_stored_grid_never_counts_another_grids_line(crm: CrmWorld) -> None:
    """The on-grid part reads the stored grid, but the scope still decides: a line whose
    stored grid says B while its customer is in grid A is not grid B's to count."""
    Subscription.objects.update(arrears=Decimal("12.00"))
    line = crm.subscriptions["a_home"]
    Subscription.objects.filter(pk=line.pk).update(grid=crm.world.grid_b)
    for persona in ("manager_b", "sales_b"):
        user = crm.world.user(persona)
        listed = selectors.subscription_list(user=user, in_arrears=True)
        assert line.pk not in {s.pk for s in listed}
        assert _counts(user)["arrears"] == len(listed)
