"""A group customer is named and reached the same way on the list page, in the API and in
exports (`crm.display`): by its organisation's name and its contact's phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.crm.world import PHONES, CrmWorld
from wangge.core.access import SYSTEM
from wangge.crm import display, services
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


def _group(crm: CrmWorld) -> Customer:
    customer = Customer.objects.select_related("organization", "owner").get(pk=crm.org.pk)
    # A number on the customer row too (the API could set it): the contact's still wins.
    services.customer_update(actor=SYSTEM, customer=customer, data={"phone": "13911112222"})
    return Customer.objects.select_related("organization", "owner").get(pk=crm.org.pk)


def test_a_group_customer_is_reached_through_its_contact(crm: CrmWorld) -> None:
    customer = _group(crm)
    assert display.customer_phone(customer) == PHONES["a_org"]
    assert display.customer_name(customer) == "两市塘第一中学"


def test_a_group_customer_without_a_contact_number_falls_back_to_its_own(crm: CrmWorld) -> None:
    services.organization_update(actor=SYSTEM, organization=crm.org, data={"contact_phone": ""})
    customer = _group(crm)
    assert display.customer_phone(customer) == "13911112222"


def test_a_household_is_its_own_row(crm: CrmWorld) -> None:
    home = crm.customers["a_home"]
    assert display.customer_phone(home) == PHONES["a_home"]
    assert display.customer_name(home) == home.name


@pytest.mark.parametrize("persona", ["market_admin", "manager_a", "tech_a"])
def test_the_list_page_and_the_api_show_a_group_customer_the_same_phone(
    crm: CrmWorld, persona: str
) -> None:
    _group(crm)
    page = crm.world.client(persona).get(reverse("crm:customer_list"), {"kind": "group"})
    rows = [c for c in page.context["object_list"] if c.pk == crm.org.pk]
    assert rows, "the group customer is on the page"
    listed = crm.world.api(persona).get("/api/crm/customers", {"kind": "group"}).json()
    api_phone = next(c["phone"] for c in listed["items"] if c["id"] == crm.org.pk)
    detail = crm.world.api(persona).get(f"/api/crm/customers/{crm.org.pk}").json()
    html = page.content.decode()
    assert f'data-testid="phone">{api_phone}<' in html
    assert detail["phone"] == api_phone
    assert "13911112222" not in api_phone
