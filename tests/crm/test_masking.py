"""Phones are whole for roles that need them and for a customer's own owner; else masked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.crm.world import PHONES, VISIBLE, CrmWorld
from tests.imports.sheets import read
from tests.personas import PERSONAS
from tests.rights import without_action
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook
from wangge.core.permissions import CoreAction
from wangge.crm import services
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db

MASKED = re.compile(r"\d{3}\*{4}\d{4}")


def _phones(html: str) -> set[str]:
    return set(re.findall(r'data-testid="phone">([^<]*)<', html))


def test_every_persona_sees_whole_numbers_where_their_role_or_ownership_allows(
    crm: CrmWorld,
) -> None:
    """Agents lack VIEW_PHONE but see only their own customers, whose numbers they need."""
    for persona in PERSONAS:
        html = crm.world.client(persona).get(reverse("crm:customer_list")).content.decode()
        expected = {PHONES[k] for k in VISIBLE[persona]}
        assert _phones(html) == expected, persona


@pytest.fixture
def tech_without_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role without VIEW_PHONE that still sees a grid's customers: technicians, here."""
    without_action(monkeypatch, Role.TECHNICIAN, CoreAction.VIEW_PHONE)


@pytest.mark.usefixtures("tech_without_phones")
def test_a_role_without_the_right_sees_masked_numbers_except_of_its_own(crm: CrmWorld) -> None:
    own = services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[3],
        name="装维自己的客户",
        owner=crm.world.staff["tech_a"],
        relationship="new",
        phone="13912345678",
    )
    client = crm.world.client("tech_a")
    html = client.get(reverse("crm:customer_list")).content.decode()
    assert _phones(html) == {"138****8001", "138****8002", "138****8005", "13912345678"}
    assert PHONES["a_home"] not in html
    detail = client.get(reverse("crm:customer_detail", args=[crm.org.pk])).content.decode()
    assert PHONES["a_org"] not in detail and PHONES["a_key"] not in detail
    assert "138****8006" in detail
    body = crm.world.api("tech_a").get(f"/api/crm/customers/{crm.org.pk}").json()
    assert body["organization"]["contact_phone"] == "138****8005"
    assert body["organization"]["key_person_phone"] == "138****8006"
    mine = crm.world.api("tech_a").get(f"/api/crm/customers/{own.pk}").json()
    assert mine["phone"] == "13912345678"


@pytest.mark.usefixtures("tech_without_phones")
def test_the_timeline_does_not_leak_a_changed_number(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    services.customer_update(actor=SYSTEM, customer=c, data={"phone": "13600000000"})
    html = (
        crm.world.client("tech_a").get(reverse("crm:customer_detail", args=[c.pk])).content.decode()
    )
    assert "13600000000" not in html and PHONES["a_home"] not in html
    assert "136****0000" in html


@pytest.mark.usefixtures("tech_without_phones")
def test_searching_by_number_needs_the_right_to_see_numbers(crm: CrmWorld) -> None:
    url = reverse("crm:customer_list") + "?q=8001"
    assert "客户a_home" not in crm.world.client("tech_a").get(url).content.decode()
    assert "客户a_home" in crm.world.client("account_a").get(url).content.decode()


def test_contacts_are_masked_by_the_same_rule(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.contact_create(
        actor=SYSTEM, customer=crm.customers["a_home"], name="户主", phone="13711112222"
    )
    url = reverse("crm:customer_detail", args=[crm.customers["a_home"].pk])
    assert "13711112222" in crm.world.client("manager_a").get(url).content.decode()
    without_action(monkeypatch, Role.GRID_MANAGER, CoreAction.VIEW_PHONE)
    html = crm.world.client("manager_a").get(url).content.decode()
    assert "13711112222" not in html and "137****2222" in html


def _export_phones(crm: CrmWorld, persona: str) -> set[str]:
    user = crm.world.user(persona)
    spec = get_spec("households")
    data = export_workbook(spec, user, spec.queryset(user), {})
    rows = read(data)
    column = rows[0].index("联系电话")
    return {r[column] for r in rows[1:] if r[column]}


def test_an_agent_exports_their_own_customers_numbers_whole(crm: CrmWorld) -> None:
    assert VISIBLE["agent_a"] == {"a_agent"}
    assert _export_phones(crm, "agent_a") == {PHONES["a_agent"]}
    html = crm.world.client("agent_a").get(reverse("crm:customer_list")).content.decode()
    assert PHONES["a_agent"] in html


@pytest.mark.usefixtures("tech_without_phones")
def test_the_export_masks_others_numbers_and_agrees_with_the_page(crm: CrmWorld) -> None:
    services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[3],
        name="装维自己的客户",
        owner=crm.world.staff["tech_a"],
        relationship="new",
        phone="13912345678",
    )
    exported = _export_phones(crm, "tech_a")
    assert "13912345678" in exported
    others = exported - {"13912345678"}
    assert others and all(MASKED.fullmatch(p) for p in others)
    html = crm.world.client("tech_a").get(reverse("crm:customer_list")).content.decode()
    page = {
        p
        for p in re.findall(r'data-testid="phone">([^<]*)<', html)
        if p and p not in (PHONES["a_org"], "138****8005")
    }
    assert exported == page
