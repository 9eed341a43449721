"""The grid page's customer counts: what the scoped list would count, read from the
(site, relationship) index where the user sees the whole grid."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from tests.crm.world import CrmWorld
from wangge.crm import selectors
from wangge.crm.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


PERSONAS = ["market_admin", "manager_a", "manager_b", "account_a", "sales_b", "agent_a"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_counts_are_those_of_the_visible_customers(crm: CrmWorld, persona: str) -> None:
    user = crm.world.user(persona)
    for grid in (crm.world.grid_a, crm.world.grid_b):
        visible = Customer.objects.visible_to(user).filter(site__grid_id=grid.pk)
        expected = visible.aggregate(
            customers=Count("id"),
            subscribers=Count("id", filter=Q(relationship__in=("existing", "new"))),
            prospects=Count("id", filter=Q(relationship__in=("potential", "intended"))),
        )
        assert selectors.grid_customer_counts(user=user, grid=grid) == expected, grid.code


def test_the_grid_team_counts_without_reading_the_rows(crm: CrmWorld) -> None:
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.grid_customer_counts(
            user=crm.world.user("manager_a"), grid=crm.world.grid_a
        )
    assert counts["customers"] == Customer.objects.filter(site__grid=crm.world.grid_a).count()
    (sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"]]
    assert "owner_id" not in sql  # no per-row scope test: the index answers
    # account_a owns a customer in grid B without being on its team: counted row by row.
    with CaptureQueriesContext(connection) as ctx:
        selectors.grid_customer_counts(user=crm.world.user("account_a"), grid=crm.world.grid_b)
    (sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"]]
    assert "owner_id" in sql
