"""A list ordered by an expression (a search's) is read as its sorted ids once: that read
is the count and the page, and the page's rows are fetched by id alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core.pagination import BoundedPaginator, ranked
from wangge.crm import selectors
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


def _by_name() -> QuerySet[Customer]:
    return Customer.objects.select_related("site").order_by(Coalesce("name", Value("")), "id")


def test_only_an_expression_order_is_ranked(crm: CrmWorld) -> None:
    assert ranked(_by_name())
    assert not ranked(Customer.objects.order_by("name", "id"))
    assert not ranked(Customer.objects.all())
    assert not ranked(Customer.objects.order_by(F("name").asc(), "id").distinct())


def test_every_page_of_a_ranked_list_is_the_plain_slice(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    everyone = list(_by_name())
    assert len(everyone) >= 5
    paginator = BoundedPaginator(_by_name(), 2)
    assert paginator.count == len(everyone)
    shown = [c for n in paginator.page_range for c in paginator.page(n).object_list]
    assert shown == everyone
    monkeypatch.setattr(BoundedPaginator, "cap", 3)
    capped = BoundedPaginator(_by_name(), 2)
    assert (capped.count, capped.count_display) == (3, "3+")
    assert list(capped.page(2).object_list) == everyone[2:4]


def test_a_search_page_is_one_sorted_read_of_ids_then_the_page_by_id(crm: CrmWorld) -> None:
    """Without this a search sorted every match's joined row and counted the matches in a
    second pass: 28,000 rows twice for a one-character surname at 1M customers."""
    user = crm.world.user("manager_a")
    qs = selectors.customer_list(user=user, q="客户")
    expected = list(qs)
    assert expected
    with CaptureQueriesContext(connection) as ctx:
        paginator = BoundedPaginator(qs, 50)
        rows = list(paginator.page_from({}).object_list)
        count = paginator.count
    assert (rows, count) == (expected, len(expected))
    ids_read, page = (q["sql"] for q in ctx.captured_queries)
    assert "COUNT(" not in ids_read.upper() and "LIMIT 10001" in ids_read
    # The page is its ids: none of the search's conditions, no scope to re-check.
    assert "LIKE" not in page.upper() and "crm_customer_search" not in page
    assert "ORDER BY" in page


def test_a_search_page_and_the_api_agree_with_the_plain_list(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = crm.world.user("market_admin")
    expected = [c.pk for c in selectors.customer_list(user=user, q="客户")]
    client = crm.world.client("market_admin")
    page = client.get(reverse("crm:customer_list"), {"q": "客户"})
    assert [c.pk for c in page.context["page_obj"].object_list] == expected
    body = client.get("/api/crm/customers", {"q": "客户", "limit": "2", "offset": "1"}).json()
    assert body["count"] == len(expected)
    assert [item["id"] for item in body["items"]] == expected[1:3]
    monkeypatch.setattr("wangge.core.pagination.COUNT_CAP", 1)
    body = client.get("/api/crm/customers", {"q": "客户", "limit": "2", "offset": "1"}).json()
    assert body["count"] == 2 and [item["id"] for item in body["items"]] == expected[1:3]
