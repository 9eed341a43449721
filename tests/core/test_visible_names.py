"""Names with no visible character (zero-width spaces, bidi controls, blanks) are refused by
the model field, so forms, the API, services and imports all refuse them."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from wangge.core.validators import visible_text
from wangge.crm import services as crm_services
from wangge.crm.models import Organization
from wangge.org import services as org_services
from wangge.territory import services as territory_services
from wangge.territory.models import Site


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


INVISIBLE = [
    "\u200b\u202e",
    " ",
    "\u3000\u3000",
    "\u200d\u2066\u2069",
    "\ufeff",
    "\u3164",
    "\u0301",
]
VISIBLE = ["张三", "A", "王\u200b五", "e\u0301", "\u202e李四", "①"]


@pytest.mark.parametrize("value", INVISIBLE)
def test_text_without_a_visible_character_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        visible_text(value)
    assert exc.value.code == "invisible"


@pytest.mark.parametrize("value", VISIBLE)
def test_text_with_a_visible_character_passes(value: str) -> None:
    visible_text(value)


@pytest.mark.django_db
def test_api_refuses_a_customer_named_with_invisible_characters(crm: CrmWorld) -> None:
    w = crm.world
    body = {
        "site_id": crm.t.sites_a[0].pk,
        "name": "\u200b\u202e",
        "owner_id": w.staff["account_a"].pk,
        "status": "potential",
    }
    response = w.api("market_admin").post(
        "/api/crm/customers", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "name"]]


@pytest.mark.django_db
def test_services_refuse_invisible_names_of_staff_grids_teams_sites_and_contacts(
    crm: CrmWorld,
) -> None:
    w = crm.world
    admin = w.user("market_admin")
    blank = "\u200b\u202e"
    attempts = {
        "staff": lambda: org_services.staff_create(
            actor=admin, username="ghost", password=None, name=blank,
            employee_no="G1", role="account_marketer", primary_grid=w.grid_a,
        ),
        "grid": lambda: org_services.grid_create(
            actor=admin, code="Z", name=blank, region=w.region_a
        ),
        "team": lambda: org_services.team_create(actor=admin, name=blank, kind="virtual"),
        "site": lambda: territory_services.site_create(
            actor=admin, code="Z001", kind=Site.Kind.ESTATE, name=blank, lon=111.71, lat=27.21
        ),
        "contact": lambda: crm_services.contact_create(
            actor=admin, customer=crm.org.customer, name=blank
        ),
    }  # fmt: skip
    refused = []
    for kind, create in attempts.items():
        with pytest.raises(ValidationError) as exc:
            create()
        if "name" in exc.value.message_dict:
            refused.append(kind)
    assert refused == list(attempts)


def test_an_organisations_name_needs_a_visible_character() -> None:
    with pytest.raises(ValidationError) as exc:
        Organization(name="\u200b\u202e").clean_fields()
    assert exc.value.message_dict["name"] == ["不能只包含空格或不可见字符。"]
