"""The grid page's customer counts: what the scoped list would count, read from the counts
kept per site (`SiteCustomerCount`) where the user sees the whole grid; the kept counts
follow every write (create, edit, move of a customer or a site) and the nightly recount
mends a write around the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.crm import jobs, selectors, services
from wangge.crm.models import Customer, SiteCustomerCount
from wangge.org.models import Grid
from wangge.territory import services as territory_services
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

EAST_LON = 111.735  # inside grid B (tests.territory_world)


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`); they reload the records they
    change, so the world's objects stay as built."""
    return crm_shared


PERSONAS = ["market_admin", "manager_a", "manager_b", "account_a", "sales_b", "agent_a"]


def _truth(user: Any, grid: Grid) -> dict[str, int]:
    return (
        Customer.objects.visible_to(user)
        .filter(site__grid_id=grid.pk)
        .aggregate(
            customers=Count("id"),
            subscribers=Count("id", filter=Q(relationship__in=("existing", "new"))),
            prospects=Count("id", filter=Q(relationship__in=("potential", "intended"))),
        )
    )


def _kept() -> dict[int, tuple[int, int, int]]:
    """Every site's kept counts, sites without customers left out (0 or no row alike)."""
    rows = SiteCustomerCount.objects.values_list("site_id", "customers", "subscribers", "prospects")
    return {site: (n, s, p) for site, n, s, p in rows if n}


def _counted() -> dict[int, tuple[int, int, int]]:
    rows = Customer.objects.values("site_id").annotate(**SiteCustomerCount.tally())
    return {r["site_id"]: (r["customers"], r["subscribers"], r["prospects"]) for r in rows}


def _check_every_persona(crm: CrmWorld) -> None:
    for persona in PERSONAS:
        user = crm.world.user(persona)
        for grid in (crm.world.grid_a, crm.world.grid_b):
            got = selectors.grid_customer_counts(user=user, grid=grid)
            assert got == _truth(user, grid), (persona, grid.code)


def test_the_counts_are_those_of_the_visible_customers(crm: CrmWorld) -> None:
    assert _kept() == _counted()
    _check_every_persona(crm)


def test_the_grid_team_reads_the_kept_counts_and_others_count_their_rows(crm: CrmWorld) -> None:
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.grid_customer_counts(
            user=crm.world.user("manager_a"), grid=crm.world.grid_a
        )
    assert counts["customers"] == Customer.objects.filter(site__grid=crm.world.grid_a).count()
    (sql,) = [q["sql"] for q in ctx.captured_queries if "SUM" in q["sql"]]
    assert "crm_sitecustomercount" in sql and 'crm_customer"' not in sql
    # account_a owns a customer in grid B without being on its team: counted row by row,
    # so that grid B's other customers stay hidden from them.
    with CaptureQueriesContext(connection) as ctx:
        mine = selectors.grid_customer_counts(
            user=crm.world.user("account_a"), grid=crm.world.grid_b
        )
    (sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"]]
    assert "owner_id" in sql
    assert mine["customers"] == 1 < Customer.objects.filter(site__grid=crm.world.grid_b).count()


def test_the_kept_counts_follow_every_write(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    site_a = crm.t.sites_a[3]
    # Created (a prospect, then a subscriber), through the services.
    new = services.customer_create(
        actor=SYSTEM,
        site=site_a,
        name="新户",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.POTENTIAL,
    )
    assert _kept()[site_a.pk] == (1, 0, 1)
    new = services.customer_update(actor=SYSTEM, customer=new, data={"relationship": "new"})
    assert _kept()[site_a.pk] == (1, 1, 0)
    # Moved to a site of grid B: counted there, gone here.
    moved = services.customer_update(actor=SYSTEM, customer=new, data={"site": crm.t.sites_b[3]})
    assert site_a.pk not in _kept() and _kept()[crm.t.sites_b[3].pk] == (1, 1, 0)
    assert _kept() == _counted()
    _check_every_persona(crm)
    # A site moving to grid B (territory's service) carries its counts along, unwritten.
    home = Customer.objects.get(pk=crm.customers["a_home"].pk)
    before_b = selectors.grid_customer_counts(user=SYSTEM, grid=crm.world.grid_b)
    with django_capture_on_commit_callbacks(execute=True):
        territory_services.site_update(
            actor=SYSTEM, site=Site.objects.get(pk=home.site_id), data={"lon": EAST_LON}
        )
    after_b = selectors.grid_customer_counts(user=SYSTEM, grid=crm.world.grid_b)
    assert after_b["customers"] == before_b["customers"] + 1
    assert _kept() == _counted()
    _check_every_persona(crm)
    # Deleted around the services (no service deletes a customer): the nightly job mends.
    Customer.objects.filter(pk=moved.pk).delete()
    assert _kept() != _counted()
    jobs.site_counts_recount()
    assert _kept() == _counted()
    _check_every_persona(crm)


def test_a_deleted_site_takes_its_kept_counts_along(crm: CrmWorld) -> None:
    site = territory_services.site_create(
        actor=SYSTEM,
        code="P901",
        kind=Site.Kind.PREMISES,
        name="临时网点",
        lon=crm.t.sites_a[0].lon,
        lat=crm.t.sites_a[0].lat,
    )
    services.site_counts_refresh(site_ids=[site.pk])  # a write touched it: counted 0
    assert SiteCustomerCount.objects.get(site=site).customers == 0
    Site.objects.filter(pk=site.pk).delete()  # only a site without customers can go
    assert not SiteCustomerCount.objects.filter(site_id=site.pk).exists()
    _check_every_persona(crm)
