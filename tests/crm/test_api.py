"""The crm API: the same scope as the pages, for every endpoint and persona."""

from __future__ import annotations

from typing import Any

import pytest

from tests.crm.world import VISIBLE, CrmWorld
from tests.personas import PERSONAS, assert_status_matrix, assert_visible_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


FIELD_A = ("manager_a", "account_a", "tech_a")


def _in(*personas: str) -> dict[str, int]:
    return {p: (200 if p in personas else 404) for p in PERSONAS}


def _items(crm: CrmWorld, persona: str, url: str) -> list[dict[str, Any]]:
    response = crm.world.api(persona).get(url)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_customers_are_scoped_per_persona(crm: CrmWorld) -> None:
    assert_visible_matrix(
        crm.world,
        lambda p: {c["id"] for c in _items(crm, p, "/api/crm/customers")},
        {p: crm.ids(*keys) for p, keys in VISIBLE.items()},
    )


@pytest.mark.parametrize("key", ["a_home", "a_agent", "a_org", "b_home", "b_owned"])
def test_customer_detail_is_404_outside_scope(crm: CrmWorld, key: str) -> None:
    url = f"/api/crm/customers/{crm.customers[key].pk}"
    assert_status_matrix(crm.world, url, _in(*(p for p in PERSONAS if key in VISIBLE[p])), api=True)


def test_customer_detail_carries_survey_contacts_and_subscriptions(crm: CrmWorld) -> None:
    body = crm.world.api("manager_a").get(f"/api/crm/customers/{crm.org.pk}").json()
    assert body["kind"] == "group" and body["tier"] == "gold"
    assert body["organization"]["computers"] == 120
    assert body["organization"]["key_person_name"] == "李校长"
    home = crm.world.api("account_a").get(f"/api/crm/customers/{crm.customers['a_home'].pk}")
    [sub] = home.json()["subscriptions"]
    assert sub["monthly_fee"] == "68.00" and sub["arrears"] == "0.00"


def test_organizations_are_scoped(crm: CrmWorld) -> None:
    expected = {p: ({crm.org.pk} if "a_org" in VISIBLE[p] else set()) for p in PERSONAS}
    assert_visible_matrix(
        crm.world,
        lambda p: {o["customer_id"] for o in _items(crm, p, "/api/crm/organizations")},
        expected,
    )
    url = f"/api/crm/organizations/{crm.org.pk}"
    assert_status_matrix(crm.world, url, _in("market_admin", *FIELD_A), api=True)


def test_subscriptions_are_scoped(crm: CrmWorld) -> None:
    subs = crm.subscriptions
    expected = {p: {subs[k].pk for k in subs if k in VISIBLE[p]} for p in PERSONAS}
    assert_visible_matrix(
        crm.world, lambda p: {s["id"] for s in _items(crm, p, "/api/crm/subscriptions")}, expected
    )
    url = f"/api/crm/subscriptions/{subs['b_home'].pk}"
    assert_status_matrix(crm.world, url, _in("market_admin", "sales_b"), api=True)
    arrears = _items(crm, "market_admin", "/api/crm/subscriptions?in_arrears=true")
    assert [s["arrears"] for s in arrears] == ["56.00"]


def test_products_and_plans_are_the_whole_companys(crm: CrmWorld) -> None:
    for persona in PERSONAS:
        products = crm.world.api(persona).get("/api/crm/products").json()
        assert {p["code"] for p in products} == {"BB", "HD"}, persona
    url = f"/api/crm/products/{crm.broadband.pk}"
    assert_status_matrix(crm.world, url, _in(*PERSONAS), api=True)
    plans = crm.world.api("agent_a").get(url).json()["plans"]
    assert [(p["code"], p["monthly_price"]) for p in plans] == [("BB-300", "68.00")]


def test_competitor_offers_follow_the_sites_grid(crm: CrmWorld) -> None:
    a, b = crm.offer_a.pk, crm.offer_b.pk
    expected = {
        "market_admin": {a, b},
        **{p: {a} for p in FIELD_A},
        "sales_b": {b},
        "agent_a": set(),
    }
    assert_visible_matrix(
        crm.world,
        lambda p: {o["id"] for o in _items(crm, p, "/api/crm/competitor-offers")},
        expected,
    )
    assert_status_matrix(
        crm.world, f"/api/crm/competitor-offers/{b}", _in("market_admin", "sales_b"), api=True
    )
    [offer] = _items(crm, "manager_a", "/api/crm/competitor-offers?current=true")
    assert offer["price"] == "960.00" and offer["monthly_equivalent"] == "80.00"


def test_site_market_endpoint(crm: CrmWorld) -> None:
    site = crm.t.sites_a[0]
    url = f"/api/crm/sites/{site.pk}/market"
    assert_status_matrix(crm.world, url, _in("market_admin", *FIELD_A), api=True)
    body = crm.world.api("manager_a").get(url).json()
    assert body["subscribers"] == 1 and body["households"] == site.households
    assert body["competitors"][0]["competitor"] == "中国电信"


def test_bad_filters_are_422_and_missing_ids_404(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    assert client.get("/api/crm/customers?status=vip").status_code == 422
    assert client.get("/api/crm/customers?limit=0").status_code == 422
    assert client.get("/api/crm/customers/99999999").status_code == 404
    assert client.get(f"/api/crm/customers/{2**63}").status_code == 422


def test_the_api_needs_a_login(crm: CrmWorld) -> None:
    from django.test import Client

    assert Client().get("/api/crm/customers").status_code == 401


def test_crm_schemas_do_not_replace_other_apps_schemas(crm: CrmWorld) -> None:
    """ninja names components by class name: a clash silently swaps another endpoint's schema."""
    schemas = crm.world.client("market_admin").get("/api/openapi.json").json()["components"]
    assert "status" in schemas["schemas"]["PlanOut"]["properties"]  # territory's grid plan
    assert "monthly_price" in schemas["schemas"]["TariffPlanOut"]["properties"]
