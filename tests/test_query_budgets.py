"""Every list page and list endpoint costs the same number of queries with 3x the rows.

The lists are found by walking the routes and the OpenAPI schema (`tests.querybudget`), so
a new list page or endpoint is held to its budget without being added here.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from tests.querybudget import api_lists, assert_flat, grower, list_pages

pytestmark = pytest.mark.django_db

#: The whole county, a grid (and one's own accounts), one's own accounts only.
PERSONAS = ("market_admin", "account_a", "agent_a")


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_the_walk_finds_the_lists_we_know() -> None:
    pages = set(list_pages())
    assert {
        "crm:customer_list",
        "org:staff_list",
        "territory:site_list",
        "core:audit_list",
    } <= pages
    assert {"/api/crm/customers", "/api/org/staff", "/api/territory/sites"} <= set(api_lists())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list_pages())
def test_a_list_page_does_not_grow_with_its_rows(crm: CrmWorld, name: str, persona: str) -> None:
    client = crm.world.client(persona)
    url = reverse(name)
    if client.get(url).status_code == 404:
        pytest.skip(f"{persona} may not open {name}")
    assert_flat(client, url, grower(crm))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", api_lists())
def test_a_list_endpoint_does_not_grow_with_its_rows(
    crm: CrmWorld, path: str, persona: str
) -> None:
    client = crm.world.client(persona)  # the session: the same scope as a token
    url = f"{path}?limit=200" if "?" not in path else path
    status = client.get(url).status_code
    if status in (403, 404):
        pytest.skip(f"{persona} may not list {path}")
    assert_flat(client, url, grower(crm))
