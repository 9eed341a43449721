"""The seed's classes as two facts: where a customer stands (relationship) and how important
it is (tier: 重点/金牌). Old API clients and sheets that send 重点 as a class keep working."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.crm import services
from wangge.crm.models import Customer
from wangge.territory.models import Site

API = "/api/crm/customers"


def _post(crm: CrmWorld, body: dict[str, Any], persona: str = "account_a") -> Any:
    return crm.world.api(persona).post(API, data=json.dumps(body), content_type="application/json")


def _patch(crm: CrmWorld, pk: int, body: dict[str, Any]) -> Any:
    return crm.world.api("market_admin").patch(
        f"{API}/{pk}", data=json.dumps(body), content_type="application/json"
    )


def _body(crm: CrmWorld, **fields: Any) -> dict[str, Any]:
    return {
        "site_id": crm.t.sites_a[3].pk,
        "name": "新户",
        "owner_id": crm.world.staff["account_a"].pk,
        **fields,
    }


@pytest.mark.django_db
def test_a_key_customer_can_be_existing_and_counts_as_ours(crm: CrmWorld) -> None:
    c = services.customer_update(
        actor=SYSTEM, customer=crm.customers["a_home"], data={"tier": Customer.Tier.KEY}
    )
    assert (c.relationship, c.tier, c.is_subscriber) == ("existing", "key", True)
    prospect = services.customer_update(
        actor=SYSTEM, customer=crm.customers["b_home"], data={"tier": Customer.Tier.GOLD}
    )
    assert not prospect.is_subscriber


@pytest.mark.django_db
def test_the_api_answers_both_facts_and_the_old_status(crm: CrmWorld) -> None:
    c = crm.customers["a_org"]
    out = crm.world.api("market_admin").get(f"{API}/{c.pk}").json()
    assert (out["relationship"], out["tier"], out["status"]) == ("existing", "gold", "existing")


@pytest.mark.django_db
def test_the_api_creates_with_the_relationship(crm: CrmWorld) -> None:
    response = _post(crm, _body(crm, relationship="intended", tier="key"))
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["relationship"], out["tier"], out["status"]) == ("intended", "key", "intended")


@pytest.mark.django_db
def test_an_old_client_creating_a_key_customer_gets_a_key_prospect(crm: CrmWorld) -> None:
    response = _post(crm, _body(crm, status="key"))
    assert response.status_code == 201, response.content
    c = Customer.objects.get(pk=response.json()["id"])
    assert (c.relationship, c.tier) == ("potential", "key")
    other = _post(crm, _body(crm, name="老客户端", status="existing"))
    assert other.status_code == 201, other.content
    assert Customer.objects.get(pk=other.json()["id"]).relationship == "existing"


@pytest.mark.django_db
def test_what_the_body_states_wins_over_the_old_status(crm: CrmWorld) -> None:
    response = _post(crm, _body(crm, status="key", relationship="new", tier="gold"))
    assert response.status_code == 201, response.content
    c = Customer.objects.get(pk=response.json()["id"])
    assert (c.relationship, c.tier) == ("new", "gold")


@pytest.mark.django_db
def test_a_new_customer_without_a_class_is_refused_under_relationship(crm: CrmWorld) -> None:
    response = _post(crm, _body(crm))
    assert response.status_code == 400, response.content
    assert [e["loc"][-1] for e in response.json()["errors"]] == ["relationship"]
    assert not Customer.objects.filter(name="新户").exists()


@pytest.mark.django_db
def test_an_old_patch_to_key_sets_the_tier_and_keeps_the_relationship(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    response = _patch(crm, c.pk, {"status": "key"})
    assert response.status_code == 200, response.content
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.relationship, fresh.tier) == ("existing", "key")
    assert _patch(crm, c.pk, {"status": "potential"}).status_code == 200
    assert Customer.objects.get(pk=c.pk).relationship == "potential"


@pytest.mark.django_db
def test_the_api_lists_filter_by_relationship_tier_and_the_old_status(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}?{query}")
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["items"]}

    assert ids("relationship=existing") == crm.ids("a_home", "b_owned", "a_org")
    assert ids("tier=gold") == crm.ids("a_org")
    assert ids("status=new") == crm.ids("a_agent")
    services.customer_update(
        actor=SYSTEM, customer=crm.customers["b_home"], data={"tier": Customer.Tier.KEY}
    )
    assert ids("status=key") == crm.ids("b_home")
    assert client.get(f"{API}?relationship=key").status_code == 422


@pytest.mark.django_db
def test_the_page_list_filters_by_relationship_and_by_tier(crm: CrmWorld) -> None:
    client = crm.world.client("market_admin")
    page = client.get("/crm/customers/?relationship=existing&tier=gold")
    assert page.status_code == 200
    assert {c.pk for c in page.context["paginator"].object_list} == crm.ids("a_org")
    html = page.content.decode()
    assert 'name="relationship"' in html and 'name="tier"' in html


# --- the sheet ---------------------------------------------------------------------------

HEADER = ["客户编号", "客户名称", "所属单元", "客户分类", "重要程度", "负责人"]


@pytest.mark.django_db
def test_the_seeds_key_class_in_a_sheet_reads_as_importance(crm: CrmWorld) -> None:
    rows: list[list[Any]] = [
        HEADER,
        [None, "重点新户", "A003", "重点客户", None, "ACCOUNT_A"],
        [None, "金牌新户", "A003", "存量客户", "金牌客户", "ACCOUNT_A"],
        [crm.customers["a_home"].code, None, None, "重点", None, None],
    ]
    report = run_import(
        get_spec("households"), crm.world.user("market_admin"), xlsx(rows), commit=True
    )
    assert report.errors == [] and (report.created, report.updated) == (2, 1)
    new_key = Customer.objects.get(name="重点新户")
    assert (new_key.relationship, new_key.tier) == ("potential", "key")
    gold = Customer.objects.get(name="金牌新户")
    assert (gold.relationship, gold.tier) == ("existing", "gold")
    kept = Customer.objects.get(pk=crm.customers["a_home"].pk)
    assert (kept.relationship, kept.tier) == ("existing", "key")


@pytest.mark.django_db
def test_a_bulk_import_keeps_the_site_counts(crm: CrmWorld) -> None:
    site = crm.t.sites_a[3]
    rows: list[list[Any]] = [HEADER]
    rows += [[None, f"户{i}", "A003", "新增客户", None, "ACCOUNT_A"] for i in range(3)]
    report = run_import(
        get_spec("households"), crm.world.user("market_admin"), xlsx(rows), commit=True
    )
    assert report.errors == [] and report.created == 3
    assert Site.objects.get(pk=site.pk).customers == 3


# --- the data migration ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_the_old_key_class(crm: CrmWorld) -> None:
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    split = next(k for k in graph.nodes if k[0] == "crm" and k[1].endswith("customer_relationship"))
    before = [p.key for p in graph.node_map[split].parents if p.key[0] == "crm"]
    after = graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldCustomer = old.get_model("crm", "Customer")
    a_home, b_home, a_org = (crm.customers[k].pk for k in ("a_home", "b_home", "a_org"))
    OldCustomer.objects.filter(pk__in=[a_home, b_home]).update(status="key")
    OldCustomer.objects.filter(pk=a_org).update(status="key", tier="gold")
    old.get_model("territory", "Site").objects.update(customers=0)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    facts = dict(
        (pk, (r, t)) for pk, r, t in Customer.objects.values_list("pk", "relationship", "tier")
    )
    assert facts[a_home] == ("existing", "key")  # a live broadband subscription
    assert facts[b_home] == ("existing", "key")  # a live (suspended-or-active) HD one
    assert facts[a_org] == ("potential", "gold")  # no subscription: a key prospect
    for site in Site.objects.filter(crm_customers__isnull=False).distinct():
        subscribers = site.crm_customers.filter(
            relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
        ).count()
        assert site.customers == subscribers, site.code
