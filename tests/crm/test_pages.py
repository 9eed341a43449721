"""Permission matrix over every crm page: list contents, 404 outside scope, edit rules."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.crm.world import VISIBLE, CrmWorld
from tests.personas import PERSONAS, assert_status_matrix, assert_visible_matrix
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


def _in(*personas: str) -> dict[str, int]:
    return {p: (200 if p in personas else 404) for p in PERSONAS}


def _linked_customers(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/crm/customers/(\d+)/"', html)}


def test_customer_list_shows_each_persona_exactly_their_customers(crm: CrmWorld) -> None:
    def seen(persona: str) -> set[int]:
        html = crm.world.client(persona).get(reverse("crm:customer_list")).content.decode()
        return _linked_customers(html)

    assert_visible_matrix(crm.world, seen, {p: crm.ids(*keys) for p, keys in VISIBLE.items()})


def test_every_list_page_opens_for_every_persona(crm: CrmWorld) -> None:
    for name in (
        "customer_list",
        "organization_list",
        "subscription_list",
        "intel_list",
        "catalogue",
    ):
        assert_status_matrix(crm.world, reverse(f"crm:{name}"), _in(*PERSONAS))


def test_anonymous_users_are_sent_to_log_in(crm: CrmWorld) -> None:
    response = crm.world.client(None).get(reverse("crm:customer_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("key", ["a_home", "a_agent", "a_org", "b_home", "b_owned"])
def test_customer_detail_answers_404_outside_scope(crm: CrmWorld, key: str) -> None:
    url = reverse("crm:customer_detail", args=[crm.customers[key].pk])
    assert_status_matrix(crm.world, url, _in(*(p for p in PERSONAS if key in VISIBLE[p])))


@pytest.mark.parametrize(
    ("key", "editors"),
    [
        ("a_home", ("market_admin", "manager_a", "account_a")),
        ("a_agent", ("market_admin", "manager_a", "agent_a")),
        ("a_org", ("market_admin", "manager_a")),
        ("b_home", ("market_admin", "sales_b")),
        ("b_owned", ("market_admin", "account_a")),
    ],
)
def test_edit_pages_are_for_the_market_department_the_grid_manager_and_the_owner(
    crm: CrmWorld, key: str, editors: tuple[str, ...]
) -> None:
    pk = crm.customers[key].pk
    for name in ("customer_edit", "contact_create", "subscription_create"):
        assert_status_matrix(crm.world, reverse(f"crm:{name}", args=[pk]), _in(*editors))


def test_the_survey_page_exists_only_for_group_customers(crm: CrmWorld) -> None:
    url = reverse("crm:organization_edit", args=[crm.org.pk])
    assert_status_matrix(crm.world, url, _in("market_admin", "manager_a"))
    home = reverse("crm:organization_edit", args=[crm.customers["a_home"].pk])
    assert crm.world.client("market_admin").get(home).status_code == 404


def test_posts_outside_the_rules_change_nothing(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    for persona in ("sales_b", "tech_a", "agent_a"):
        client = crm.world.client(persona)
        assert client.post(reverse("crm:customer_verify", args=[c.pk])).status_code == 404
        edit = reverse("crm:customer_edit", args=[c.pk])
        assert client.post(edit, {"name": "改名"}).status_code == 404
    assert Customer.objects.get(pk=c.pk).name == c.name


def test_the_owner_edits_and_verifies_through_the_pages(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    client = crm.world.client("account_a")
    data = {
        "name": "客户改",
        "site": c.site_id,
        "address": "2栋",
        "phone": "13800008001",
        "relationship": "intended",
        "tier": "gold",
        "owner": c.owner_id,
        "current_provider": "",
        "verified": "on",
    }
    response = client.post(reverse("crm:customer_edit", args=[c.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert (c.name, c.tier, c.relationship) == ("客户改", "gold", "intended")
    page = client.get(reverse("crm:customer_detail", args=[c.pk])).content.decode()
    assert "客户等级" in page and "金牌客户" in page


def test_an_agent_keeps_their_own_customer_without_seeing_any_site(crm: CrmWorld) -> None:
    """名单制: the agent's own account is editable even though agents see no sites."""
    c = crm.customers["a_agent"]
    client = crm.world.client("agent_a")
    data = {
        "name": c.name,
        "site": c.site_id,
        "address": "",
        "phone": "13800008002",
        "relationship": "existing",
        "tier": "standard",
        "owner": c.owner_id,
        "current_provider": "",
    }
    response = client.post(reverse("crm:customer_edit", args=[c.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert c.relationship == "existing"


def test_customers_are_registered_by_sellers_and_keepers_not_technicians(crm: CrmWorld) -> None:
    for name in ("customer_create", "organization_create"):
        assert_status_matrix(
            crm.world,
            reverse(f"crm:{name}"),
            _in("market_admin", "manager_a", "account_a", "sales_b", "agent_a"),
        )


def test_an_agent_registers_a_customer_of_their_own_at_a_site_of_their_grid(
    crm: CrmWorld,
) -> None:
    client = crm.world.client("agent_a")
    page = client.get(reverse("crm:customer_create")).content.decode()
    assert crm.t.sites_a[0].name in page and crm.t.sites_b[0].name not in page
    data = {
        "name": "代理新户",
        "site": crm.t.sites_a[2].pk,
        "address": "",
        "phone": "",
        "relationship": "new",
        "tier": "standard",
        "owner": crm.world.staff["agent_a"].pk,
        "current_provider": "",
        "verified": "on",
    }
    assert client.post(reverse("crm:customer_create"), data).status_code == 302
    created = Customer.objects.get(name="代理新户")
    assert created.owner == crm.world.staff["agent_a"] and created.site == crm.t.sites_a[2]


def test_a_marketer_creates_a_household_in_their_grid(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    site = crm.t.sites_a[3]
    data = {
        "name": "新户",
        "site": site.pk,
        "address": "",
        "phone": "",
        "relationship": "potential",
        "tier": "standard",
        "owner": crm.world.staff["account_a"].pk,
        "current_provider": "",
        "verified": "on",
    }
    assert client.post(reverse("crm:customer_create"), data).status_code == 302
    outside = {**data, "site": crm.t.sites_b[3].pk}
    response = client.post(reverse("crm:customer_create"), outside)
    assert response.status_code == 200  # the form again: B's site is not a choice
    assert Customer.objects.filter(name="新户").count() == 1


def test_a_group_customer_is_created_with_its_survey(crm: CrmWorld) -> None:
    client = crm.world.client("manager_a")
    data = {
        "site": crm.t.sites_a[3].pk,
        "address": "",
        "relationship": "potential",
        "tier": "key",
        "owner": crm.world.staff["manager_a"].pk,
        "current_provider": "",
        "name": "廉桥供电所",
        "contact_name": "刘所长",
        "contact_phone": "13700000001",
        "computers": "12",
        "current_network": "中国联通 50M 专线",
        "quality_requirement": "稳定",
        "quality_feedback": "",
        "development_wishes": "千兆",
        "key_person_name": "刘所长",
        "key_person_phone": "13700000001",
        "verified": "on",
    }
    response = client.post(reverse("crm:organization_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    c = Customer.objects.get(name="廉桥供电所")
    assert c.kind == "group" and c.organization.computers == 12


def test_intelligence_is_read_by_the_grid_and_gathered_by_its_sellers(crm: CrmWorld) -> None:
    a, b = crm.intel_a.pk, crm.intel_b.pk
    assert_status_matrix(
        crm.world,
        reverse("crm:intel_detail", args=[a]),
        _in("market_admin", "manager_a", "account_a", "tech_a"),
    )
    assert_status_matrix(
        crm.world, reverse("crm:intel_edit", args=[b]), _in("market_admin", "sales_b")
    )
    assert_status_matrix(
        crm.world,
        reverse("crm:intel_create", args=[crm.t.sites_a[1].pk]),
        _in("market_admin", "manager_a", "account_a"),
    )
    assert_status_matrix(
        crm.world,
        reverse("crm:offer_edit", args=[crm.offer_a.pk]),
        _in("market_admin", "manager_a", "account_a"),
    )


def test_catalogue_editing_is_for_the_market_department(crm: CrmWorld) -> None:
    for url in (
        reverse("crm:product_create"),
        reverse("crm:plan_edit", args=[crm.plan_bb.pk]),
        reverse("crm:competitor_create"),
    ):
        assert_status_matrix(crm.world, url, _in("market_admin"))


def test_subscription_list_is_scoped_and_makes_collection_lists(crm: CrmWorld) -> None:
    url = reverse("crm:subscription_list")
    expected = {
        p: {crm.customers[k].pk for k in crm.subscriptions if k in VISIBLE[p]} for p in PERSONAS
    }

    def seen(persona: str) -> set[int]:
        return _linked_customers(crm.world.client(persona).get(url).content.decode())

    assert_visible_matrix(crm.world, seen, expected)
    html = crm.world.client("market_admin").get(url + "?arrears=1").content.decode()
    assert _linked_customers(html) == {crm.customers["b_home"].pk}


def test_htmx_asks_for_the_results_only(crm: CrmWorld) -> None:
    response = crm.world.client("market_admin").get(
        reverse("crm:customer_list") + "?tier=gold", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    # It replaces the page's `#results` rather than going inside it (nested after each search).
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert _linked_customers(html) == {crm.org.pk}
    assert "HX-Reswap" not in crm.world.client("market_admin").get(reverse("crm:customer_list"))


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("relationship=new", {"a_agent"}),
        ("kind=group", {"a_org"}),
        ("tier=gold", {"a_org"}),
        ("mine=1", {"a_home", "b_owned"}),
    ],
)
def test_list_filters(crm: CrmWorld, query: str, keys: set[str]) -> None:
    html = (
        crm.world.client("account_a")
        .get(reverse("crm:customer_list") + "?" + query)
        .content.decode()
    )
    assert _linked_customers(html) == crm.ids(*keys)


def test_filter_by_grid_and_by_product(crm: CrmWorld) -> None:
    client = crm.world.client("market_admin")
    url = reverse("crm:customer_list")
    html = client.get(f"{url}?grid={crm.world.grid_b.pk}").content.decode()
    assert _linked_customers(html) == crm.ids("b_home", "b_owned")
    html = client.get(f"{url}?product={crm.broadband.pk}").content.decode()
    assert _linked_customers(html) == crm.ids("a_home", "a_agent")
