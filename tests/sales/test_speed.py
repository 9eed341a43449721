"""Issue 9's pages at scale, held here by their cost in queries (the timings are the bench's,
`bench/sales.py`): "my opportunities", the board and the funnel cost as many queries with
three times the opportunities, and the list's page is read in the order the list sorts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.querybudget import assert_flat
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.sales import services
from wangge.sales.models import Opportunity

pytestmark = pytest.mark.django_db


def _raise(crm: CrmWorld, persona: str, customer: str) -> Opportunity:
    return services.opportunity_create(
        actor=crm.world.user(persona), source=Opportunity.Source.VISIT,
        customer=crm.customers[customer], need="千兆升级",
    )  # fmt: skip


def grower(crm: CrmWorld) -> Callable[[int], None]:
    """`n` of each: a seller's moved one, one dispatched to them and overdue, a lead on the
    board, and one in grid B."""

    def grow(n: int) -> None:
        for _ in range(n):
            moved = _raise(crm, "account_a", "a_home")
            services.opportunity_move(
                actor=crm.world.user("account_a"), opportunity=moved, stage="proposal",
                version=moved.version,
            )  # fmt: skip
            late = _raise(crm, "tech_a", "a_org")
            services.opportunity_dispatch(
                actor=SYSTEM, opportunity=late, version=late.version,
                assignee=crm.world.staff["account_a"], due=clock.now() + dt.timedelta(hours=1),
            )  # fmt: skip
            Opportunity.objects.filter(pk=late.pk).update(
                contact_due=clock.now() - dt.timedelta(hours=1)
            )
            _raise(crm, "tech_a", "a_org")
            _raise(crm, "sales_b", "b_home")

    return grow


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("account_a", "sales:opportunity_list"),
        ("manager_a", "sales:opportunity_list"),
        ("manager_a", "sales:board"),
        ("manager_a", "sales:funnel"),
        ("market_admin", "sales:board"),
    ],
)
def test_the_pages_cost_as_many_queries_with_more_opportunities(
    crm: CrmWorld, persona: str, url: str
) -> None:
    assert_flat(crm.world.client(persona), reverse(url), grower(crm), n=2)


def test_my_opportunities_show_the_page_the_list_sorts_overdue_first(crm: CrmWorld) -> None:
    """The page is sorted on narrow rows and read afterwards: the rows, their order and
    the overdue mark are the list's."""
    grower(crm)(3)
    page = crm.world.client("account_a").get(reverse("sales:opportunity_list"))
    rows: list[Any] = page.context["opportunities"]
    assert len(rows) == 6 and all(o.customer and o.site for o in rows)
    assert [o.late for o in rows] == [0, 0, 0, 1, 1, 1]
    assert page.content.decode().count('data-testid="overdue"') == 3
    mine = Opportunity.objects.filter(assignee=crm.world.staff["account_a"])
    late = mine.filter(contact_due__isnull=False).order_by("contact_due", "id")
    rest = mine.filter(contact_due__isnull=True).order_by("-created_at", "-id")
    assert [o.pk for o in rows] == [o.pk for o in (*late, *rest)]
