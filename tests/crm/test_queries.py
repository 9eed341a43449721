"""The customer list costs a fixed number of queries however many rows it pages over."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.crm.models import Contact, Customer, Organization, Subscription

pytestmark = pytest.mark.django_db


def _many(crm: CrmWorld, n: int) -> None:
    owners = [crm.world.staff[k] for k in ("account_a", "agent_a", "manager_a", "sales_b")]
    sites = crm.t.sites_a + crm.t.sites_b
    stamp = timezone.now() - dt.timedelta(days=400)
    customers = Customer.objects.bulk_create(
        Customer(
            kind="group" if i % 10 == 0 else "household",
            name=f"批量客户{i:04d}",
            site=sites[i % len(sites)],
            owner=owners[i % len(owners)],
            relationship="existing",
            tier=("standard", "key", "gold")[i % 3],
            phone=f"139{i:08d}",
            verified_at=stamp if i % 2 else None,
        )
        for i in range(n)
    )
    Organization.objects.bulk_create(
        Organization(customer=c, name=c.name, contact_phone="13700000000")
        for c in customers
        if c.kind == "group"
    )
    Subscription.objects.bulk_create(
        Subscription(
            customer=c,
            plan=crm.plan_bb,
            started_on=dt.date(2025, 1, 1),
            monthly_fee=Decimal("68.00"),
        )
        for c in customers
    )
    Contact.objects.bulk_create(Contact(customer=c, name="联系人") for c in customers[:50])


@pytest.mark.parametrize("persona", ["market_admin", "manager_a", "agent_a"])
@pytest.mark.parametrize(
    "query", ["", "?stale=1", "?product=1&tier=gold&kind=group", "?mine=1&q=批量"]
)
def test_the_customer_list_pages_in_a_fixed_number_of_queries(
    crm: CrmWorld, persona: str, query: str, django_assert_max_num_queries: Any
) -> None:
    _many(crm, 400)
    client = crm.world.client(persona)
    url = reverse("crm:customer_list") + query
    client.get(url)  # warm the content-type cache and the session
    # Every page counts the person's unread notifications for the header: one query; a
    # search asks its index (SQLite's n-grams) how many customers it names: one more; a
    # grid team member's list is counted in two parts (their grids', their own elsewhere):
    # one more, for any number of rows. A search reads its matches' ids, then sorts those
    # (`core.pagination.search_ids`): one more; on PostgreSQL, inside the test's transaction,
    # its planner settings are set and put back: two more.
    parts = persona == "manager_a" and "q=" not in query
    pg = 2 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(15 + pg if "q=" in query else 14 if parts else 13):
        response = client.get(url)
    assert response.status_code == 200


def test_the_same_queries_for_ten_rows_and_for_four_hundred(
    crm: CrmWorld, django_assert_num_queries: Any
) -> None:
    client = crm.world.client("market_admin")
    url = reverse("crm:customer_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _many(crm, 400)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize(
    "name", ["organization_list", "subscription_list", "intel_list", "catalogue"]
)
def test_other_lists_do_not_grow_with_rows_either(
    crm: CrmWorld, name: str, django_assert_max_num_queries: Any
) -> None:
    _many(crm, 300)
    client = crm.world.client("market_admin")
    client.get(reverse(f"crm:{name}"))
    with django_assert_max_num_queries(13):
        client.get(reverse(f"crm:{name}"))


def test_the_api_list_too(crm: CrmWorld, django_assert_max_num_queries: Any) -> None:
    _many(crm, 300)
    client = crm.world.api("manager_a")
    client.get("/api/crm/customers?limit=200")
    with django_assert_max_num_queries(10):
        assert client.get("/api/crm/customers?limit=200").status_code == 200


def test_the_customer_page_does_not_grow_with_its_history(
    crm: CrmWorld, django_assert_max_num_queries: Any
) -> None:
    from wangge.crm import services

    c = crm.customers["a_home"]
    client = crm.world.client("account_a")
    url = reverse("crm:customer_detail", args=[c.pk])
    client.get(url)
    for i in range(30):
        services.contact_create(actor=SYSTEM, customer=c, name=f"联系人{i}", phone="13900000000")
        services.note_create(actor=SYSTEM, customer=c, text=f"备注{i}")
        services.customer_update(actor=SYSTEM, customer=c, data={"address": f"{i}栋"})
    # The panels of the apps above crm (growth, care, work orders, sales records) read
    # their own rows.
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_site_market_costs_a_handful_of_queries(
    crm: CrmWorld, django_assert_max_num_queries: Any
) -> None:
    _many(crm, 200)
    client = crm.world.client("manager_a")
    url = reverse("crm:site_market", args=[crm.t.sites_a[0].pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
