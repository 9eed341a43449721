"""The seed's classes as two facts: where a customer stands (relationship) and how important
it is (tier: 重点/金牌). Old API clients and sheets that send 重点 as a class keep working."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

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


def _run_data_migration(name: str, function: str, columns: dict[str, str] | None = None) -> None:
    """Run one data migration's function with the models as they stood just before it.

    Rolling the whole project back before crm 0008 and forward again took minutes of CPU
    (every later app unapplies and re-renders its states) to prove a few UPDATEs. This runs the
    migration's own function on the historical models instead; `columns` maps a historical
    field onto the column that a later schema migration renamed it to (0009: status →
    relationship), so the function reads and writes the rows of today's table.
    """
    module = importlib.import_module(f"wangge.crm.migrations.{name}")
    state = MigrationLoader(connection).project_state(("crm", name), at_end=False)
    model = state.models[("crm", "customer")]
    for field_name, column in (columns or {}).items():
        field = model.fields[field_name].clone()
        field.db_column = column
        model.fields[field_name] = field
    getattr(module, function)(state.apps, None)


@pytest.mark.django_db
def test_the_data_migrations_split_the_old_key_class_and_count_the_sites(crm: CrmWorld) -> None:
    a_home, b_home, a_org = (crm.customers[k].pk for k in ("a_home", "b_home", "a_org"))
    # The rows as the old schema had them: 重点 was a class (`status`, now `relationship`).
    Customer.objects.filter(pk__in=[a_home, b_home]).update(relationship="key")
    Customer.objects.filter(pk=a_org).update(relationship="key", tier="gold")
    Site.objects.update(customers=0)
    _run_data_migration("0008_customer_relationship", "split_key_class", {"status": "relationship"})
    _run_data_migration("0010_site_counts", "derive_site_counts")
    facts = dict(
        (pk, (r, t)) for pk, r, t in Customer.objects.values_list("pk", "relationship", "tier")
    )
    assert facts[a_home] == ("existing", "key")  # a live broadband subscription
    assert facts[b_home] == ("existing", "key")  # a live (suspended-or-active) HD one
    assert facts[a_org] == ("potential", "gold")  # no subscription: a key prospect
    assert not Customer.objects.filter(relationship="key").exists()
    counted = 0
    for site in Site.objects.filter(crm_customers__isnull=False).distinct():
        subscribers = site.crm_customers.filter(
            relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
        ).count()
        assert site.customers == subscribers, site.code
        counted += subscribers
    assert counted > 0
