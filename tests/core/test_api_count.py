"""A list endpoint counts no further than the cap (`count` = cap + 1 means more)."""

from __future__ import annotations

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_an_api_list_count_is_exact_below_the_cap_and_cap_plus_one_above(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = crm.world.client("market_admin")
    n = Customer.objects.count()
    assert client.get("/api/crm/customers?limit=1").json()["count"] == n
    monkeypatch.setattr("wangge.core.pagination.COUNT_CAP", 2)
    body = client.get("/api/crm/customers?limit=1").json()
    assert body["count"] == 3 and len(body["items"]) == 1
