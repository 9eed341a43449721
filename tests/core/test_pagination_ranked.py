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
from wangge.core.pagination import (
    COUNT_CAP,
    SEARCH_CAP,
    BoundedPaginator,
    _one_order,
    ranked,
    search_ids,
)
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
    # The last page ends at the cap, as a plain list's does: the row past it is not shown.
    assert list(capped.page(2).object_list) == everyone[2:3]


def _reads(ctx: CaptureQueriesContext) -> list[str]:
    """The captured statements that read customers (not PostgreSQL's savepoints and settings)."""
    return [q["sql"] for q in ctx.captured_queries if '"crm_customer"' in q["sql"]]


def test_a_search_reads_its_matches_once_unsorted_then_sorts_only_their_ids(
    crm: CrmWorld,
) -> None:
    """Without this a search sorted every match (with its joined row, and counted them in a
    second pass): 28,000 rows for a one-character surname at 1M customers."""
    user = crm.world.user("manager_a")
    qs = selectors.customer_list(user=user, q="客户")
    expected = list(qs)
    assert expected
    with CaptureQueriesContext(connection) as ctx:
        paginator = BoundedPaginator(qs, 50)
        rows = list(paginator.page_from({}).object_list)
        count = paginator.count
    assert (rows, count, paginator.broad) == (expected, len(expected), False)
    found, ordered, page = _reads(ctx)
    assert "COUNT(" not in found.upper() and f"LIMIT {SEARCH_CAP + 1}" in found
    assert "ORDER BY" not in found  # the database stops at the cap instead of sorting all
    # The sort and the page are of ids: none of the search's conditions, no scope again.
    for sql in (ordered, page):
        assert "LIKE" not in sql.upper() and "crm_customer_search" not in sql
        assert "ORDER BY" in sql


def test_a_broad_search_lists_the_cap_of_its_matches_in_order_and_says_so(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = crm.world.user("market_admin")
    everything = [c.pk for c in selectors.customer_list(user=user, q="客户")]
    assert len(everything) >= 4
    monkeypatch.setattr("wangge.core.pagination.SEARCH_CAP", 3)
    shown = []
    for _ in range(2):  # the same matches from request to request
        paginator = BoundedPaginator(selectors.customer_list(user=user, q="客户"), 2)
        assert (paginator.count, paginator.count_display, paginator.broad) == (3, "3+", True)
        shown.append([c.pk for n in paginator.page_range for c in paginator.page(n).object_list])
    assert shown[0] == shown[1] and len(shown[0]) == 3
    # Matches the user may see, in the search's order (name, id).
    assert shown[0] == [pk for pk in everything if pk in shown[0]]
    # Exactly as many as the cap: every match, and nothing said.
    monkeypatch.setattr("wangge.core.pagination.SEARCH_CAP", len(everything))
    exact = BoundedPaginator(selectors.customer_list(user=user, q="客户"), 2)
    assert (exact.count, exact.count_display, exact.broad) == (
        len(everything),
        str(len(everything)),
        False,
    )
    assert [c.pk for n in exact.page_range for c in exact.page(n).object_list] == everything
    # A list that is not a search keeps the list's cap and is never "broad".
    plain = BoundedPaginator(_by_name(), 2)
    assert (plain.cap, plain.broad) == (COUNT_CAP, False)


def test_a_broad_search_page_asks_for_a_longer_search_and_the_api_lists_the_same(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = crm.world.client("market_admin")
    monkeypatch.setattr("wangge.core.pagination.SEARCH_CAP", 2)
    page = client.get(reverse("crm:customer_list"), {"q": "客户"})
    html = page.content.decode()
    assert "共 2+ 个客户" in html and 'data-testid="broad-search"' in html
    listed = [c.pk for c in page.context["page_obj"].object_list]
    body = client.get("/api/crm/customers", {"q": "客户", "limit": "10"}).json()
    assert body["count"] == 3 and [item["id"] for item in body["items"]] == listed
    past = client.get("/api/crm/customers", {"q": "客户", "limit": "10", "offset": "2"}).json()
    assert (past["count"], past["items"]) == (3, [])
    # A search that lists every match says nothing of the kind.
    narrow = client.get(reverse("crm:customer_list"), {"q": crm.customers["a_home"].name})
    assert 'data-testid="broad-search"' not in narrow.content.decode()


def _settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_parallel_workers_per_gather'),"
            " current_setting('synchronize_seqscans')"
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1]


def test_the_search_reads_with_one_order_and_leaves_the_settings_as_they_were(
    crm: CrmWorld,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the settings are PostgreSQL's")
    assert connection.in_atomic_block
    before = _settings()
    assert before != ("0", "off")
    with _one_order(connection.alias):
        assert _settings() == ("0", "off")
    assert _settings() == before
    search_ids(selectors.customer_list(user=crm.world.user("market_admin"), q="客户"), 2)
    assert _settings() == before
    # A Python error inside, caught by the caller: the transaction goes on, the settings too.
    with pytest.raises(ValueError), _one_order(connection.alias):
        raise ValueError
    assert _settings() == before


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_of_its_own_the_settings_end_with_it(crm: CrmWorld) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the settings are PostgreSQL's")
    assert not connection.in_atomic_block
    before = _settings()
    with _one_order(connection.alias):
        assert _settings() == ("0", "off")
    assert _settings() == before


def test_a_search_page_and_the_api_agree_with_the_plain_list(crm: CrmWorld) -> None:
    user = crm.world.user("market_admin")
    expected = [c.pk for c in selectors.customer_list(user=user, q="客户")]
    client = crm.world.client("market_admin")
    page = client.get(reverse("crm:customer_list"), {"q": "客户"})
    assert [c.pk for c in page.context["page_obj"].object_list] == expected
    body = client.get("/api/crm/customers", {"q": "客户", "limit": "2", "offset": "1"}).json()
    assert body["count"] == len(expected)
    assert [item["id"] for item in body["items"]] == expected[1:3]
