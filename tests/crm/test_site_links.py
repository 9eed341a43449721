"""Site links appear only where the site can be opened, by the one site rule, at no query
per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.templatetags.crm import sees_site
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


def _get(crm: CrmWorld, persona: str, name: str, *args: Any) -> str:
    response = crm.world.client(persona).get(reverse(name, args=args))
    assert response.status_code == 200, (persona, name)
    return response.content.decode()


def test_the_site_rule_of_the_links_is_the_querysets(crm: CrmWorld) -> None:
    sites = list(Site.objects.all())
    for persona in PERSONAS:
        user = crm.world.user(persona)
        visible = set(Site.objects.visible_to(user).values_list("pk", flat=True))
        assert {s.pk for s in sites if sees_site(user, s)} == visible, persona


def test_an_agent_sees_their_customers_site_as_text(crm: CrmWorld) -> None:
    customer = crm.customers["a_agent"]
    site_url = reverse("territory:site_detail", args=[customer.site_id])
    detail = _get(crm, "agent_a", "crm:customer_detail", customer.pk)
    assert customer.site.name in detail and site_url not in detail
    listing = _get(crm, "agent_a", "crm:customer_list")
    assert customer.site.name in listing and site_url not in listing
    # The link it would have been is indeed closed to them.
    assert crm.world.client("agent_a").get(site_url).status_code == 404


def test_a_named_owner_gets_a_link_only_to_sites_of_their_grid(crm: CrmWorld) -> None:
    own_grid, elsewhere = crm.customers["a_home"], crm.customers["b_owned"]
    for customer, linked in ((own_grid, True), (elsewhere, False)):
        url = reverse("territory:site_detail", args=[customer.site_id])
        detail = _get(crm, "account_a", "crm:customer_detail", customer.pk)
        assert (url in detail) is linked
        assert customer.site.name in detail
        status = crm.world.client("account_a").get(url).status_code
        assert status == (200 if linked else 404)
    listing = _get(crm, "account_a", "crm:customer_list")
    assert reverse("territory:site_detail", args=[own_grid.site_id]) in listing
    assert reverse("territory:site_detail", args=[elsewhere.site_id]) not in listing


def test_the_intel_list_links_the_market_page_of_its_sites(crm: CrmWorld) -> None:
    html = _get(crm, "manager_a", "crm:intel_list")
    assert reverse("crm:site_market", args=[crm.intel_a.site_id]) in html


def test_site_links_cost_no_query_per_row(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    url = reverse("crm:customer_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        services.customer_create(
            actor=SYSTEM,
            site=crm.t.sites_a[i % 4] if i % 2 else crm.t.sites_b[i % 4],
            name=f"加客户{i}",
            owner=crm.world.staff["account_a"],
            relationship="new",
        )
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)
