"""Lists count no further than the cap, and any page number shows a page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core.pagination import BoundedPaginator, bounded_count
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


def test_a_count_stops_one_row_past_the_cap(crm: CrmWorld) -> None:
    total = Customer.objects.count()
    assert total > 3
    assert bounded_count(Customer.objects.all(), cap=3) == 4
    assert bounded_count(Customer.objects.all(), cap=total) == total
    with CaptureQueriesContext(connection) as ctx:
        bounded_count(Customer.objects.order_by("name").select_related("site"), cap=3)
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "LIMIT 4" in sql and "ORDER BY" not in sql and "territory_site" not in sql


def test_below_the_cap_the_count_is_exact(crm: CrmWorld) -> None:
    paginator = BoundedPaginator(Customer.objects.order_by("pk"), 2)
    n = Customer.objects.count()
    assert (paginator.count, paginator.capped, paginator.count_display) == (n, False, str(n))


def test_above_the_cap_the_list_says_so(crm: CrmWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BoundedPaginator, "cap", 2)
    paginator = BoundedPaginator(Customer.objects.order_by("pk"), 1)
    assert (paginator.count, paginator.capped, paginator.count_display) == (2, True, "2+")
    assert (paginator.num_pages, paginator.num_pages_display) == (2, "2+")


def test_the_customer_list_shows_a_capped_count_and_the_hint(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BoundedPaginator, "cap", 2)
    monkeypatch.setattr("wangge.core.views.ScopedListView.paginate_by", 1)
    client = crm.world.client("market_admin")
    page = client.get(reverse("crm:customer_list"), {"page": "99"}).content.decode()
    assert "共 2+ 个客户" in page
    assert "只列出前 2 条" in page
    assert "第 2 / 2+ 页" in page


def test_a_page_past_the_end_shows_the_last_page(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wangge.core.views.ScopedListView.paginate_by", 2)
    n = Customer.objects.count()
    response = crm.world.client("market_admin").get(reverse("crm:customer_list"), {"page": "999"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == (n + 1) // 2
