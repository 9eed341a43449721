"""The database itself refuses impossible records, whatever code writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.crm.world import CrmWorld
from wangge.crm.models import (
    CompetitorIntel,
    CompetitorOffer,
    Customer,
    Note,
    Subscription,
    TariffPlan,
)

pytestmark = pytest.mark.django_db


def _refused(model: type, **fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        model._default_manager.create(**fields)  # type: ignore[attr-defined]


def test_a_subscription_fee_cannot_be_negative(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    start = dt.date(2026, 1, 1)
    _refused(Subscription, customer=c, plan=crm.plan_bb, started_on=start, monthly_fee=-1)


def test_arrears_cannot_be_negative(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    start = dt.date(2026, 1, 1)
    _refused(
        Subscription,
        customer=c,
        plan=crm.plan_bb,
        started_on=start,
        monthly_fee=Decimal("10.00"),
        arrears=Decimal("-0.01"),
    )


def test_a_subscription_cannot_expire_before_it_starts(crm: CrmWorld) -> None:
    _refused(
        Subscription,
        customer=crm.customers["a_home"],
        plan=crm.plan_bb,
        started_on=dt.date(2026, 1, 2),
        expires_on=dt.date(2026, 1, 1),
        monthly_fee=Decimal("10.00"),
    )


def test_a_subscription_may_end_on_the_day_it_starts(crm: CrmWorld) -> None:
    day = dt.date(2026, 1, 1)
    Subscription.objects.create(
        customer=crm.customers["a_home"],
        plan=crm.plan_bb,
        started_on=day,
        expires_on=day,
        monthly_fee=Decimal("0.00"),
    )


def test_plan_prices_and_competitor_prices_are_not_negative(crm: CrmWorld) -> None:
    _refused(TariffPlan, product=crm.broadband, code="X", name="x", monthly_price=Decimal("-5.00"))
    _refused(CompetitorOffer, intel=crm.intel_a, plan_name="x", price=Decimal("-1.00"))


def test_an_offer_cannot_end_before_it_was_seen(crm: CrmWorld) -> None:
    _refused(
        CompetitorOffer,
        intel=crm.intel_a,
        plan_name="x",
        price=Decimal("1.00"),
        seen_on=dt.date(2026, 2, 1),
        ended_on=dt.date(2026, 1, 31),
    )


def test_one_intelligence_row_per_site_and_competitor(crm: CrmWorld) -> None:
    _refused(CompetitorIntel, site=crm.intel_a.site, competitor=crm.intel_a.competitor)


def test_names_and_notes_cannot_be_blank(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    _refused(Customer, kind="household", name="", site=c.site, owner=c.owner, relationship="new")
    _refused(Note, customer=c, text="")


def test_a_customer_with_subscriptions_cannot_be_deleted(crm: CrmWorld) -> None:
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        crm.customers["a_home"].delete()


def test_money_is_exact_decimal_with_fen(crm: CrmWorld) -> None:
    sub = Subscription.objects.get(pk=crm.subscriptions["a_agent"].pk)
    assert sub.monthly_fee == Decimal("54.40")
    assert str(sub.monthly_fee) == "54.40"
    assert crm.offer_a.monthly_equivalent == Decimal("80.00")
