"""Every list page and list endpoint costs the same number of queries with 3x the rows.

The lists are found by walking the routes and the OpenAPI schema (`tests.querybudget`), so
a new list page or endpoint is held to its budget without being added here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from tests.querybudget import api_lists, assert_flat, grower, list_pages
from wangge.core import clock
from wangge.crm.models import Competitor, Customer
from wangge.sales.models import Campaign, Opportunity, PromoPiece, Visit
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

#: The whole county, a grid (and one's own accounts), one's own accounts only.
PERSONAS = ("market_admin", "account_a", "agent_a")


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_the_walk_finds_the_lists_we_know() -> None:
    pages = set(list_pages())
    assert {
        "crm:customer_list",
        "org:staff_list",
        "territory:site_list",
        "core:audit_list",
    } <= pages
    assert {"/api/crm/customers", "/api/org/staff", "/api/territory/sites"} <= set(api_lists())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list_pages())
def test_a_list_page_does_not_grow_with_its_rows(crm: CrmWorld, name: str, persona: str) -> None:
    client = crm.world.client(persona)
    url = reverse(name)
    if client.get(url).status_code == 404:
        pytest.skip(f"{persona} may not open {name}")
    assert_flat(client, url, grower(crm))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", api_lists())
def test_a_list_endpoint_does_not_grow_with_its_rows(
    crm: CrmWorld, path: str, persona: str
) -> None:
    client = crm.world.client(persona)  # the session: the same scope as a token
    url = f"{path}?limit=200" if "?" not in path else path
    status = client.get(url).status_code
    if status in (403, 404):
        pytest.skip(f"{persona} may not list {path}")
    assert_flat(client, url, grower(crm))


# --- growth (sales): its list pages are functions, so they are named here ---------------------

#: Growth's lists (function views and `ListView`s), with the query strings that change what
#: they read: a manager's default, everyone's, the flagged check-ins, the board.
SALES_PAGES = (
    "sales:opportunity_list",
    "sales:opportunity_list?all=1",
    "sales:opportunity_list?overdue=1",
    "sales:visit_list",
    "sales:visit_list?flagged=1",
    "sales:visit_list?follow=1",
    "sales:board",
    "sales:campaign_list",
    "sales:winback_list",
    "sales:promo_list",
)
SALES_PERSONAS = ("market_admin", "manager_a", "account_a", "agent_a")
_campaigns = itertools.count(1)


def sales_grower(crm: CrmWorld) -> Callable[[int], None]:
    """`grower`'s rows and growth's: per persona and grid, opportunities in every state
    (theirs, pending, overdue, unassigned on the board, won through an order), visits
    (flagged and to follow up), campaigns with members, pieces with leads, competitors'
    customers to win back."""
    base = grower(crm)
    world = crm.world
    staff = [world.staff[k] for k in ("account_a", "agent_a", "manager_a", "sales_b")]
    competitor = Competitor.objects.order_by("pk").first()

    def grow(n: int) -> None:
        base(n)
        now = clock.now()
        past, future = now - dt.timedelta(hours=3), now + dt.timedelta(hours=3)
        for grid in (world.grid_a, world.grid_b):
            sites = list(Site.objects.filter(grid=grid).order_by("-pk")[:n])
            customers = list(Customer.objects.filter(site__grid=grid).order_by("-pk")[:n])
            opps = []
            for i in range(n):
                who = staff[i % len(staff)]
                for assignee, dispatch, due in (
                    (who, "accepted", future),
                    (who, "pending", past),
                    (None, "none", None),
                ):
                    opps.append(
                        Opportunity(
                            source="dispatch",
                            site=sites[i % len(sites)],
                            customer=customers[i % len(customers)],
                            grid=grid,
                            assignee=assignee,
                            raised_by=who,
                            dispatch=dispatch,
                            contact_due=due,
                            stage=("need", "proposal", "confirmed")[i % 3],
                            expected_monthly=Decimal("68.00"),
                        )
                    )
            Opportunity.objects.bulk_create(opps)
            Visit.objects.bulk_create(
                Visit(
                    kind="door" if i % 2 else "phone",
                    staff=staff[i % len(staff)],
                    customer=customers[i % len(customers)],
                    site=sites[i % len(sites)],
                    grid=grid,
                    outcome="follow_up",
                    next_on=clock.today(),
                    opportunity=opps[i % len(opps)],
                )
                for i in range(n * len(staff))
            )
            for i in range(n):
                campaign = Campaign.objects.create(
                    name=f"加量活动{next(_campaigns)}",
                    kind="roadshow",
                    grid=grid,
                    site=sites[i],
                    starts_on=clock.today(),
                    ends_on=clock.today(),
                )
                campaign.members.set(staff)
                opps[i].campaign = campaign
                piece = PromoPiece.objects.create(
                    kind="poster", site=sites[i], grid=grid, put_up_by=staff[i % len(staff)]
                )
                opps[i].piece = piece
                opps[i].save(update_fields=["campaign", "piece"])
            if competitor is not None:
                Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
                    current_provider=competitor, relationship="potential"
                )

    return grow


def _sales_url(name: str) -> str:
    route, _q, query = name.partition("?")
    return reverse(route) + (f"?{query}" if query else "")


@pytest.mark.parametrize("persona", SALES_PERSONAS)
@pytest.mark.parametrize("name", SALES_PAGES)
def test_a_sales_list_does_not_grow_with_its_rows(crm: CrmWorld, name: str, persona: str) -> None:
    client = crm.world.client(persona)
    url = _sales_url(name)
    if client.get(url).status_code == 404:
        pytest.skip(f"{persona} may not open {name}")
    assert_flat(client, url, sales_grower(crm))


@pytest.mark.parametrize("persona", SALES_PERSONAS)
@pytest.mark.parametrize("path", ["/api/sales/opportunities", "/api/sales/visits"])
def test_a_sales_list_endpoint_does_not_grow_with_its_rows(
    crm: CrmWorld, path: str, persona: str
) -> None:
    client = crm.world.client(persona)
    if client.get(path).status_code in (403, 404):
        pytest.skip(f"{persona} may not list {path}")
    assert_flat(client, f"{path}?limit=200", sales_grower(crm))


def test_the_sales_lists_are_all_held_to_a_budget() -> None:
    """A new growth list page is added above (the walk finds only `ListView`s)."""
    walked = {n for n in list_pages() if n.startswith("sales:")}
    named = {n.partition("?")[0] for n in SALES_PAGES}
    assert walked <= named
    assert {p for p in api_lists() if p.startswith("/api/sales/")} <= {
        "/api/sales/opportunities",
        "/api/sales/visits",
    }
