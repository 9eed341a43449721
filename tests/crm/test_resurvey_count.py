"""The owner's 待复核 badge counts exactly what the stale filter of their list shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.crm import selectors
from wangge.crm.models import Customer, Organization

pytestmark = pytest.mark.django_db


def test_the_badge_counts_stale_customers_and_fresh_groups_with_a_stale_survey(
    crm: CrmWorld,
) -> None:
    account = crm.world.staff["account_a"]
    site = crm.t.sites_a[0]
    old = clock.now() - dt.timedelta(days=400)
    new = clock.now() - dt.timedelta(days=1)
    cases = [  # (kind, customer verified, survey verified)
        ("household", None, None),
        ("household", old, None),
        ("household", new, None),
        ("group", old, new),
        ("group", new, old),
        ("group", new, None),
        ("group", new, new),
    ]
    for i, (kind, verified, surveyed) in enumerate(cases):
        c = Customer.objects.create(
            kind=kind, name=f"复核{i}", site=site, owner=account, verified_at=verified
        )
        if kind == "group":
            Organization.objects.create(customer=c, name=c.name, verified_at=surveyed)
    user = crm.world.user("account_a")
    listed = selectors.customer_list(user=user, stale=True, owner_id=account.pk).count()
    assert selectors.my_resurvey_count(user=user) == listed
    page = crm.world.client("account_a").get(reverse("crm:customer_list"))
    assert page.context["my_resurvey"] == listed
