"""Two people editing one record: nobody's edit is silently lost.

`audited_update` re-reads the row under a lock, writes only the fields that change and
audits what the row really was; `Versioned` records (customers, organisations,
subscriptions) refuse an edit made from a stale version: 409 in the API, a message on
the form. The interleavings are played one after the other, deterministically: a request
that loaded the record, then another one's save, then the first one's save.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.core.forms import STALE_MESSAGE
from wangge.core.imports.bulk import bulk_update_changed
from wangge.core.models import AuditEntry
from wangge.core.services import StaleVersion
from wangge.crm import services
from wangge.crm.models import Customer, Organization, Subscription

pytestmark = pytest.mark.django_db


def _patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def _last_update(obj: Any) -> AuditEntry:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=AuditEntry.Action.UPDATE,
    ).latest("id")


# --- the service -------------------------------------------------------------------------


def test_edits_of_different_fields_from_copies_loaded_together_both_survive(
    crm: CrmWorld,
) -> None:
    pk = crm.customers["a_home"].pk
    first = Customer.objects.get(pk=pk)
    second = Customer.objects.get(pk=pk)  # loaded before the first one saves
    services.customer_update(actor=SYSTEM, customer=first, data={"address": "2栋3单元402"})
    services.customer_update(actor=SYSTEM, customer=second, data={"phone": "13900001111"})
    row = Customer.objects.get(pk=pk)
    assert (row.address, row.phone) == ("2栋3单元402", "13900001111")


def test_the_audit_before_is_the_row_as_it_was_not_the_editors_old_copy(crm: CrmWorld) -> None:
    pk = crm.customers["a_home"].pk
    stale_copy = Customer.objects.get(pk=pk)
    services.customer_update(
        actor=SYSTEM, customer=Customer.objects.get(pk=pk), data={"address": "新地址"}
    )
    services.customer_update(actor=SYSTEM, customer=stale_copy, data={"phone": "13900001111"})
    entry = _last_update(stale_copy)
    assert entry.before is not None and entry.after is not None
    assert entry.before["address"] == "新地址"
    assert entry.before["phone"] == crm.customers["a_home"].phone
    assert entry.after["phone"] == "13900001111"


def test_each_saved_change_bumps_the_version_and_a_no_op_does_not(crm: CrmWorld) -> None:
    customer = Customer.objects.get(pk=crm.customers["a_home"].pk)
    assert customer.version == 1
    services.customer_update(actor=SYSTEM, customer=customer, data={"address": "新地址"})
    assert customer.version == Customer.objects.get(pk=customer.pk).version == 2
    services.customer_update(actor=SYSTEM, customer=customer, data={"address": "新地址"})
    assert Customer.objects.get(pk=customer.pk).version == 2


def test_a_stale_version_is_refused_and_nothing_changes(crm: CrmWorld) -> None:
    pk = crm.customers["a_home"].pk
    first = Customer.objects.get(pk=pk)
    second = Customer.objects.get(pk=pk)
    services.customer_update(actor=SYSTEM, customer=first, data={"address": "甲的地址"}, version=1)
    audits = AuditEntry.objects.count()
    with pytest.raises(StaleVersion):
        services.customer_update(
            actor=SYSTEM, customer=second, data={"phone": "13900001111"}, version=1
        )
    row = Customer.objects.get(pk=pk)
    assert (row.address, row.phone, row.version) == ("甲的地址", crm.customers["a_home"].phone, 2)
    assert AuditEntry.objects.count() == audits


def test_organizations_and_subscriptions_are_versioned_too(crm: CrmWorld) -> None:
    org = Organization.objects.get(pk=crm.org.pk)
    services.organization_update(actor=SYSTEM, organization=org, data={"computers": 130}, version=1)
    with pytest.raises(StaleVersion):
        services.organization_update(
            actor=SYSTEM, organization=org, data={"computers": 140}, version=1
        )
    sub = Subscription.objects.get(pk=crm.subscriptions["a_home"].pk)
    services.subscription_update(actor=SYSTEM, subscription=sub, data={"account_no": "BB1"})
    with pytest.raises(StaleVersion):
        services.subscription_update(
            actor=SYSTEM, subscription=sub, data={"account_no": "BB2"}, version=1
        )
    assert Subscription.objects.get(pk=sub.pk).account_no == "BB1"


def test_bulk_writes_bump_the_version(crm: CrmWorld) -> None:
    customer = Customer.objects.get(pk=crm.customers["a_home"].pk)
    customer.address = "导入的地址"
    bulk_update_changed(Customer, [(customer, {"address"})])
    assert Customer.objects.get(pk=customer.pk).version == 2


@pytest.mark.parametrize("through_a_table", [False, True])
def test_bulk_writes_of_different_fields_write_only_each_rows_own(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch, through_a_table: bool
) -> None:
    """On PostgreSQL, many changed rows go through one temporary table holding every group's
    fields: a row must not take another group's (empty) columns."""
    if through_a_table:
        monkeypatch.setattr("wangge.core.imports.bulk.UPDATE_FROM_ROWS", 1)
    home, other = (Customer.objects.get(pk=crm.customers[k].pk) for k in ("a_home", "b_home"))
    before = {c.pk: (c.name, c.address, c.phone) for c in (home, other)}
    home.address = "新地址"
    other.name, other.phone = "改名", "13900000001"
    bulk_update_changed(Customer, [(home, {"address"}), (other, {"name", "phone"})])
    home_now, other_now = (Customer.objects.get(pk=c.pk) for c in (home, other))
    assert (home_now.name, home_now.address, home_now.phone) == (
        before[home.pk][0],
        "新地址",
        before[home.pk][2],
    )
    assert (other_now.name, other_now.address, other_now.phone) == (
        "改名",
        before[other.pk][1],
        "13900000001",
    )
    assert (home_now.version, other_now.version) == (2, 2)
    bulk_update_changed(Customer, [(home, {"address"})])  # again: no table left in the way
    assert Customer.objects.get(pk=home.pk).version == 3


# --- the API -----------------------------------------------------------------------------


def test_the_api_returns_the_version_of_customers_organizations_and_subscriptions(
    crm: CrmWorld,
) -> None:
    api = crm.world.api("market_admin")
    detail = api.get(f"/api/crm/customers/{crm.org.pk}").json()
    assert detail["version"] == 1
    assert detail["organization"]["version"] == 1
    assert {s["version"] for s in detail["subscriptions"]} <= {1}
    sub = api.get(f"/api/crm/subscriptions/{crm.subscriptions['a_home'].pk}").json()
    assert sub["version"] == 1


def test_a_patch_with_a_stale_version_answers_409_and_changes_nothing(crm: CrmWorld) -> None:
    api = crm.world.api("market_admin")
    url = f"/api/crm/customers/{crm.customers['a_home'].pk}"
    first = _patch(api, url, {"address": "甲的地址", "version": 1})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    second = _patch(api, url, {"phone": "13900001111", "version": 1})
    assert second.status_code == 409, second.content
    body = second.json()
    assert body["code"] == "stale_version"
    assert [e["loc"] for e in body["errors"]] == [["body", "version"]]
    row = Customer.objects.get(pk=crm.customers["a_home"].pk)
    assert (row.address, row.phone) == ("甲的地址", crm.customers["a_home"].phone)


def test_patches_without_a_version_of_different_fields_both_survive(crm: CrmWorld) -> None:
    api = crm.world.api("market_admin")
    url = f"/api/crm/customers/{crm.customers['a_home'].pk}"
    assert _patch(api, url, {"address": "甲的地址"}).status_code == 200
    assert _patch(api, url, {"phone": "13900001111"}).status_code == 200
    row = Customer.objects.get(pk=crm.customers["a_home"].pk)
    assert (row.address, row.phone, row.version) == ("甲的地址", "13900001111", 3)


def test_organization_and_subscription_patches_check_the_version(crm: CrmWorld) -> None:
    api = crm.world.api("market_admin")
    org_url = f"/api/crm/organizations/{crm.org.pk}"
    assert _patch(api, org_url, {"computers": 130, "version": 1}).status_code == 200
    assert _patch(api, org_url, {"computers": 140, "version": 1}).status_code == 409
    sub_url = f"/api/crm/subscriptions/{crm.subscriptions['a_home'].pk}"
    assert _patch(api, sub_url, {"account_no": "BB1", "version": 1}).status_code == 200
    assert _patch(api, sub_url, {"account_no": "BB2", "version": 1}).status_code == 409
    assert Organization.objects.get(pk=crm.org.pk).computers == 130
    assert Subscription.objects.get(pk=crm.subscriptions["a_home"].pk).account_no == "BB1"


# --- the forms ---------------------------------------------------------------------------


def test_the_edit_form_carries_the_version_it_was_opened_with(crm: CrmWorld) -> None:
    page = crm.world.client("market_admin").get(
        reverse("crm:customer_edit", args=[crm.customers["a_home"].pk])
    )
    assert page.status_code == 200
    assert b'type="hidden" name="version" value="1"' in page.content


def test_a_form_saved_after_someone_elses_save_says_so_and_changes_nothing(
    crm: CrmWorld,
) -> None:
    customer = crm.customers["a_home"]
    client = crm.world.client("market_admin")
    url = reverse("crm:customer_edit", args=[customer.pk])
    form = client.get(url).context["forms"][0]
    post = {
        name: ("" if value is None else getattr(value, "pk", value))
        for name, value in form.initial.items()
        if name in form.fields
    }
    post.update({"version": "1", "address": "表单的地址", "verified": ""})
    # Someone else saves the customer after the form was opened.
    services.customer_update(actor=SYSTEM, customer=customer, data={"phone": "13900001111"})
    response = client.post(url, post)
    assert response.status_code == 200
    assert str(STALE_MESSAGE) in response.content.decode()
    row = Customer.objects.get(pk=customer.pk)
    assert (row.address, row.phone) == (customer.address, "13900001111")
    # With the version it has now, the same form saves.
    post["version"] = str(row.version)
    assert client.post(url, post).status_code == 302
    assert Customer.objects.get(pk=customer.pk).address == "表单的地址"
