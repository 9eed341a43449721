"""Deep pages continue from a row (keyset), not from an offset, and show what the offset
would have shown."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.core.pagination import BoundedPaginator
from wangge.crm import services
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db

PER_PAGE = 3


def _more(crm: CrmWorld) -> None:
    """Customers whose names tie (the id decides) and one with a name that sorts first."""
    home = crm.customers["a_home"]
    for i, name in enumerate(["同名"] * 5 + ["甲", "乙", "丙", "丁", "AAA", "zzz"]):
        services.customer_create(
            actor=SYSTEM, site=home.site, name=name, owner=home.owner,
            relationship="potential", tier="key" if i % 2 else "standard",
        )  # fmt: skip


def _walk(qs: Any, step: str) -> list[list[int]]:
    """Every page, following the next (`after`) links from the first page."""
    paginator = BoundedPaginator(qs, PER_PAGE)
    page = paginator.page_from(QueryDict())
    pages = [[c.pk for c in page.object_list]]
    while page.has_next():
        params = QueryDict(mutable=True)
        params.update({"page": str(page.next_page_number()), step: str(page.after)})
        page = paginator.page_from(params)
        pages.append([c.pk for c in page.object_list])
    return pages


def _by_offset(qs: Any) -> list[list[int]]:
    paginator = BoundedPaginator(qs, PER_PAGE)
    return [[c.pk for c in paginator.page(n).object_list] for n in paginator.page_range]


@pytest.mark.parametrize(
    "order", [None, ("-name", "id"), ("tier", "-name", "-id"), ("site__code", "name", "pk")]
)
def test_following_the_next_links_shows_the_offset_pages(
    crm: CrmWorld, order: tuple[str, ...] | None
) -> None:
    _more(crm)
    qs = Customer.objects.visible_to(crm.world.user("manager_a")).select_related("site")
    qs = qs.order_by(*order) if order else qs  # None: the model's order (name, id)
    assert len(_by_offset(qs)) >= 4
    assert _walk(qs, "after") == _by_offset(qs)


def test_the_previous_links_walk_back_the_same_pages(crm: CrmWorld) -> None:
    _more(crm)
    qs = Customer.objects.visible_to(SYSTEM).filter(tier="key")
    offset = _by_offset(qs)
    paginator = BoundedPaginator(qs, PER_PAGE)
    page = paginator.page(len(offset))
    for number in range(len(offset) - 1, 0, -1):
        params = QueryDict(mutable=True)
        params.update({"page": str(number), "before": str(page.before)})
        page = paginator.page_from(params)
        assert [c.pk for c in page.object_list] == offset[number - 1]


def test_the_customer_lists_next_link_reads_from_the_row_without_an_offset(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _more(crm)
    monkeypatch.setattr("wangge.core.views.ScopedListView.paginate_by", PER_PAGE)
    client = crm.world.client("market_admin")
    url = reverse("crm:customer_list")
    first = client.get(url, {"tier": "key"})
    link = re.search(r'href="\?([^"]*after=\d+[^"]*)"', first.content.decode())
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert "tier=key" in query and "page=2" in query
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(f"{url}?{query}")
    rows = [q["sql"] for q in ctx.captured_queries if 'FROM "crm_customer"' in q["sql"]]
    assert rows and not any("OFFSET" in sql for sql in rows)
    offset = client.get(url, {"tier": "key", "page": "2"})
    assert list(second.context["page_obj"].object_list) == list(
        offset.context["page_obj"].object_list
    )


def test_a_row_the_user_may_not_see_is_no_place_to_continue_from(crm: CrmWorld) -> None:
    """Another grid's customer (or a made-up id) shows the page by its offset: the same
    rows as `?page=N`, never rows of that grid."""
    _more(crm)
    manager_a = crm.world.user("manager_a")
    qs = Customer.objects.visible_to(manager_a)
    offset = _by_offset(qs)
    paginator = BoundedPaginator(qs, PER_PAGE)
    for anchor in (crm.customers["b_home"].pk, 10**9, "x"):
        params = QueryDict(mutable=True)
        params.update({"page": "2", "after": str(anchor)})
        assert [c.pk for c in paginator.page_from(params).object_list] == offset[1]


def test_a_list_in_an_order_of_expressions_pages_by_offset(crm: CrmWorld) -> None:
    from django.db.models.functions import Lower

    _more(crm)
    qs = Customer.objects.visible_to(SYSTEM).order_by(Lower("name"), "id")
    offset = _by_offset(qs)
    paginator = BoundedPaginator(qs, PER_PAGE)
    anchor = offset[0][-1]
    params = QueryDict(mutable=True)
    params.update({"page": "3", "after": str(anchor)})
    assert [c.pk for c in paginator.page_from(params).object_list] == offset[2]
