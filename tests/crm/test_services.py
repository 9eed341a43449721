"""Writes validate, write and audit in one transaction, and refuse what the actor may not do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.crm import services
from wangge.crm.models import Contact, Customer, Organization, Subscription

pytestmark = pytest.mark.django_db


def _entries(obj: Model) -> list[AuditEntry]:
    ct = ContentType.objects.get_for_model(obj)
    return list(AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)))


def test_creating_a_customer_records_who_and_when_it_was_verified(crm: CrmWorld) -> None:
    user = crm.world.user("account_a")
    c = services.customer_create(
        actor=user,
        site=crm.t.sites_a[3],
        name="新客户",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.INTENDED,
    )
    assert c.verified_by == crm.world.staff["account_a"]
    assert c.verified_at is not None
    [entry] = _entries(c)
    assert entry.action == "create" and entry.actor == user
    assert entry.after is not None and entry.after["name"] == "新客户"


def test_an_update_is_audited_with_before_and_after(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    services.customer_update(
        actor=crm.world.user("account_a"), customer=c, data={"tier": Customer.Tier.GOLD}
    )
    entry = _entries(c)[0]
    assert entry.action == "update"
    assert entry.before is not None and entry.after is not None
    assert entry.before["tier"] == "standard" and entry.after["tier"] == "gold"


def test_a_failed_organisation_create_leaves_no_customer_and_no_audit(crm: CrmWorld) -> None:
    customers, entries = Customer.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.organization_create(
            actor=SYSTEM,
            site=crm.t.sites_a[3],
            name="坏数据单位",
            owner=crm.world.staff["manager_a"],
            relationship=Customer.Relationship.POTENTIAL,
            contact_phone="call me",  # not a phone number: refused after the customer row
        )
    assert Customer.objects.count() == customers
    assert AuditEntry.objects.count() == entries


def test_a_refused_subscription_rolls_back_entirely(crm: CrmWorld) -> None:
    before = (Subscription.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError):
        services.subscription_create(
            actor=SYSTEM,
            customer=crm.customers["a_home"],
            plan=crm.plan_bb,
            started_on=dt.date(2026, 5, 1),
            expires_on=dt.date(2026, 4, 1),
        )
    assert (Subscription.objects.count(), AuditEntry.objects.count()) == before


def test_the_fee_defaults_to_the_plans_list_price(crm: CrmWorld) -> None:
    assert crm.subscriptions["a_home"].monthly_fee == Decimal("68.00")


def test_renaming_an_organisation_renames_its_customer(crm: CrmWorld) -> None:
    services.organization_update(
        actor=crm.world.user("manager_a"), organization=crm.org, data={"name": "邵东一中"}
    )
    assert Customer.objects.get(pk=crm.org.pk).name == "邵东一中"
    services.customer_update(
        actor=SYSTEM, customer=Customer.objects.get(pk=crm.org.pk), data={"name": "邵东市一中"}
    )
    assert Organization.objects.get(pk=crm.org.pk).name == "邵东市一中"


def test_verifying_a_group_customer_verifies_its_survey_too(crm: CrmWorld) -> None:
    Organization.objects.filter(pk=crm.org.pk).update(verified_at=None, verified_by=None)
    customer = Customer.objects.get(pk=crm.org.pk)
    services.customer_verify(actor=crm.world.user("manager_a"), customer=customer)
    org = Organization.objects.get(pk=crm.org.pk)
    assert org.verified_by == crm.world.staff["manager_a"] and org.verified_at is not None


@pytest.mark.parametrize("persona", ["sales_b", "tech_a", "agent_a"])
def test_only_the_owner_the_grids_manager_or_the_market_department_edit(
    crm: CrmWorld, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.customer_update(
            actor=crm.world.user(persona), customer=crm.customers["a_home"], data={"tier": "key"}
        )


def test_a_customer_cannot_be_created_at_a_site_outside_ones_grids(crm: CrmWorld) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=crm.world.user("account_a"),
            site=crm.t.sites_b[3],
            name="越界",
            owner=crm.world.staff["account_a"],
            relationship="potential",
        )
    assert "site" in exc.value.message_dict


def test_the_owner_must_be_someone_the_actor_can_see(crm: CrmWorld) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_update(
            actor=crm.world.user("manager_a"),
            customer=crm.customers["a_home"],
            data={"owner": crm.world.staff["sales_b"]},
        )
    assert "owner" in exc.value.message_dict


def test_agents_register_customers_of_their_own_in_their_grid_but_no_intelligence(
    crm: CrmWorld,
) -> None:
    agent = crm.world.user("agent_a")
    mine = services.customer_create(
        actor=agent,
        site=crm.t.sites_a[0],
        name="代理新客",
        owner=crm.world.staff["agent_a"],
        relationship="new",
    )
    assert mine.owner == crm.world.staff["agent_a"]
    with pytest.raises(ValidationError) as other_owner:
        services.customer_create(
            actor=agent,
            site=crm.t.sites_a[0],
            name="x",
            owner=crm.world.staff["account_a"],
            relationship="new",
        )
    assert "owner" in other_owner.value.message_dict
    with pytest.raises(ValidationError) as other_grid:
        services.customer_create(
            actor=agent,
            site=crm.t.sites_b[0],
            name="x",
            owner=crm.world.staff["agent_a"],
            relationship="new",
        )
    assert "site" in other_grid.value.message_dict
    with pytest.raises(PermissionDenied):
        services.competitor_intel_update(actor=agent, intel=crm.intel_a, data={"note": "x"})


def test_technicians_read_and_note_but_make_no_commercial_edits(crm: CrmWorld) -> None:
    tech = crm.world.user("tech_a")
    home = crm.customers["a_home"]
    with pytest.raises(PermissionDenied):
        services.customer_create(
            actor=tech, site=crm.t.sites_a[0], name="x", owner=home.owner, relationship="new"
        )
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=tech, customer=home, data={"address": "x"})
    with pytest.raises(PermissionDenied):
        services.competitor_intel_update(actor=tech, intel=crm.intel_a, data={"note": "x"})
    assert services.note_create(actor=tech, customer=home, text="装机完成").pk


def test_account_marketers_work_every_subscription_of_their_grid(crm: CrmWorld) -> None:
    sub = crm.subscriptions["a_agent"]  # sold and owned by the agent
    account = crm.world.user("account_a")
    sales_b = crm.world.user("sales_b")
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=account, customer=sub.customer, data={"address": "x"})
    services.subscription_update(
        actor=account, subscription=sub, data={"arrears": Decimal("12.50")}
    )
    sub.refresh_from_db()
    assert sub.arrears == Decimal("12.50")
    with pytest.raises(PermissionDenied):
        services.subscription_update(actor=sales_b, subscription=sub, data={"arrears": 0})


def test_notes_are_written_by_anyone_who_sees_the_customer(crm: CrmWorld) -> None:
    note = services.note_create(
        actor=crm.world.user("tech_a"), customer=crm.customers["a_home"], text=" 已上门装机 "
    )
    assert note.text == "已上门装机" and note.author_name == "装维甲"
    with pytest.raises(PermissionDenied):
        services.note_create(
            actor=crm.world.user("sales_b"), customer=crm.customers["a_home"], text="越界"
        )


def test_deleting_a_contact_is_audited_under_its_customer(crm: CrmWorld) -> None:
    user = crm.world.user("account_a")
    contact = services.contact_create(
        actor=user, customer=crm.customers["a_home"], name="张三", phone="13900000000"
    )
    services.contact_delete(actor=user, contact=Contact.objects.get(pk=contact.pk))
    [entry, _created] = _entries(contact)
    assert entry.before is not None
    assert entry.action == "delete" and entry.before["customer"] == crm.customers["a_home"].pk


def test_catalogue_changes_are_for_the_market_department(crm: CrmWorld) -> None:
    with pytest.raises(PermissionDenied):
        services.tariff_plan_update(
            actor=crm.world.user("manager_a"), plan=crm.plan_bb, data={"monthly_price": 1}
        )
    plan = services.tariff_plan_update(
        actor=crm.world.user("market_admin"),
        plan=crm.plan_bb,
        data={"monthly_price": Decimal("59.90")},
    )
    assert plan.monthly_price == Decimal("59.90")


def test_recording_an_offer_confirms_the_sites_intelligence(crm: CrmWorld) -> None:
    type(crm.intel_b).objects.filter(pk=crm.intel_b.pk).update(verified_at=None)
    intel = type(crm.intel_b).objects.get(pk=crm.intel_b.pk)
    services.competitor_offer_create(
        actor=crm.world.user("sales_b"), intel=intel, plan_name="移动千兆", price=Decimal("99")
    )
    intel.refresh_from_db()
    assert intel.verified_by == crm.world.staff["sales_b"]


def test_a_customer_without_a_number_gets_ours_and_its_audit_entry_says_so(
    crm: CrmWorld,
) -> None:
    user = crm.world.user("account_a")
    kwargs: dict[str, Any] = {
        "actor": user,
        "site": crm.t.sites_a[3],
        "owner": crm.world.staff["account_a"],
        "relationship": Customer.Relationship.INTENDED,
    }
    ours = services.customer_create(name="无编号", **kwargs)
    theirs = services.customer_create(name="有编号", code="0739123", **kwargs)
    ours.refresh_from_db()
    assert ours.code == f"KH{ours.pk:08d}"
    assert theirs.code == "0739123"
    after = _entries(ours)[0].after
    assert after is not None and after["code"] == ours.code
    with pytest.raises(ValidationError) as exc:
        services.customer_create(name="重号", code="0739123", **kwargs)
    assert "code" in exc.value.message_dict


def test_constraint_violations_are_reported_under_their_field(crm: CrmWorld) -> None:
    """A form shows them at the field and the API names it, not "__all__"."""
    customer, plan = crm.customers["a_home"], crm.plan_bb
    with pytest.raises(ValidationError) as late:
        services.subscription_create(
            actor=SYSTEM, customer=customer, plan=plan,
            started_on=dt.date(2026, 5, 1), expires_on=dt.date(2026, 4, 1),
        )  # fmt: skip
    assert set(late.value.message_dict) == {"expires_on"}
    services.subscription_create(
        actor=SYSTEM, customer=customer, plan=plan, started_on=dt.date(2026, 5, 1), account_no="X1"
    )
    with pytest.raises(ValidationError) as taken:
        services.subscription_create(
            actor=SYSTEM, customer=customer, plan=plan, started_on=dt.date(2026, 5, 1),
            account_no="X1",
        )  # fmt: skip
    assert set(taken.value.message_dict) == {"account_no"}
    with pytest.raises(ValidationError) as twice:
        services.competitor_intel_create(
            actor=SYSTEM, site=crm.intel_a.site, competitor=crm.intel_a.competitor
        )
    assert set(twice.value.message_dict) == {"competitor"}
    with pytest.raises(ValidationError) as ended:
        services.competitor_offer_update(
            actor=SYSTEM,
            offer=crm.offer_a,
            data={"ended_on": crm.offer_a.seen_on - dt.timedelta(1)},
        )
    assert set(ended.value.message_dict) == {"ended_on"}
