"""`Site.customers` is derived from the crm once it holds the site's customers: one truth."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.models import Customer
from wangge.territory import services as territory_services
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`); they reload the customers they
    change (`_fresh`), so the world's objects stay as built."""
    return crm_shared


def _fresh(crm: CrmWorld, key: str) -> Customer:
    return Customer.objects.get(pk=crm.customers[key].pk)


def _subscribers(site: Site) -> int:
    return Customer.objects.filter(
        site=site, relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
    ).count()


def _count(site: Site) -> int:
    return Site.objects.get(pk=site.pk).customers


def _household(crm: CrmWorld, site: Site, relationship: str, name: str = "新户") -> Customer:
    return services.customer_create(
        actor=SYSTEM,
        site=site,
        name=name,
        owner=crm.world.staff["account_a"],
        relationship=relationship,
    )


def test_the_world_sites_with_customers_count_their_subscribers(crm: CrmWorld) -> None:
    for site in Site.objects.all():
        if Customer.objects.filter(site=site).exists():
            assert site.customers == _subscribers(site), site.code


def test_creating_a_subscriber_counts_it_and_a_prospect_does_not(crm: CrmWorld) -> None:
    site = crm.t.sites_a[0]
    before = _count(site)
    _household(crm, site, Customer.Relationship.NEW)
    assert _count(site) == before + 1
    _household(crm, site, Customer.Relationship.POTENTIAL, name="潜在户")
    assert _count(site) == before + 1 == _subscribers(site)


def test_changing_the_relationship_or_the_site_moves_the_count(crm: CrmWorld) -> None:
    c = _fresh(crm, "a_home")  # existing, at sites_a[0]
    here, there = crm.t.sites_a[0], crm.t.sites_a[1]
    at_here, at_there = _count(here), _count(there)
    c = services.customer_update(actor=SYSTEM, customer=c, data={"relationship": "potential"})
    assert _count(here) == at_here - 1
    c = services.customer_update(actor=SYSTEM, customer=c, data={"relationship": "existing"})
    assert _count(here) == at_here
    services.customer_update(actor=SYSTEM, customer=c, data={"site": there})
    assert (_count(here), _count(there)) == (at_here - 1, at_there + 1)
    assert (_count(here), _count(there)) == (_subscribers(here), _subscribers(there))


def test_importance_alone_does_not_make_a_subscriber(crm: CrmWorld) -> None:
    site = crm.t.sites_a[3]
    c = _household(crm, site, Customer.Relationship.POTENTIAL)
    services.customer_update(actor=SYSTEM, customer=c, data={"tier": Customer.Tier.KEY})
    assert _count(site) == 0 == _subscribers(site)


def test_a_site_the_crm_knows_nothing_of_keeps_its_surveyed_figure(crm: CrmWorld) -> None:
    site = crm.t.sites_b[3]
    assert not Customer.objects.filter(site=site).exists()
    surveyed = _count(site)
    assert surveyed > 0
    services.site_counts_refresh()
    assert _count(site) == surveyed
    _household(crm, site, Customer.Relationship.INTENDED)
    assert _count(site) == 0  # from now on the crm's records are the truth


def test_a_group_customer_counts_at_its_premises(crm: CrmWorld) -> None:
    premises = territory_services.site_create(
        actor=SYSTEM,
        code="P900",
        kind=Site.Kind.PREMISES,
        name="供电所",
        lon=crm.t.sites_a[0].lon,
        lat=crm.t.sites_a[0].lat,
    )
    services.organization_create(
        actor=SYSTEM,
        site=premises,
        name="供电所",
        owner=crm.world.staff["manager_a"],
        relationship=Customer.Relationship.EXISTING,
    )
    assert _count(premises) == 1
    assert Site.objects.get(pk=premises.pk).households == 0  # premises: no household rule


def test_more_subscribers_than_surveyed_households_raise_the_household_count(
    crm: CrmWorld,
) -> None:
    site = crm.t.sites_a[3]
    Site.objects.filter(pk=site.pk).update(households=1, covered_households=0, customers=0)
    for i in range(2):
        _household(crm, site, Customer.Relationship.EXISTING, name=f"户{i}")
    fresh = Site.objects.get(pk=site.pk)
    assert (fresh.customers, fresh.households) == (2, 2)


def test_a_site_whose_last_customer_leaves_counts_none(crm: CrmWorld) -> None:
    here = crm.t.sites_a[0]
    assert list(Customer.objects.filter(site=here)) == [crm.customers["a_home"]]
    services.customer_update(
        actor=SYSTEM, customer=_fresh(crm, "a_home"), data={"site": crm.t.sites_a[1]}
    )
    assert _count(here) == 0


def test_the_refresh_is_one_update_for_many_sites(crm: CrmWorld) -> None:
    sites = list(Site.objects.all())
    Site.objects.update(customers=0)
    with CaptureQueriesContext(connection) as queries:
        updated = services.site_counts_refresh(site_ids=[s.pk for s in sites])
    # One UPDATE for the lines' stored grid (`Subscription.grid`), then per 500 sites: the
    # sites locked (PostgreSQL), one UPDATE for `Site.customers`, one grouped count and one
    # upsert for the kept counts (`SiteCustomerCount`).
    locks = ["SELECT"] if connection.features.has_select_for_update else []
    statements = [q["sql"].split()[0] for q in queries]
    assert statements == ["UPDATE", *locks, "UPDATE", "SELECT", "INSERT"]
    assert updated == len(sites)
    for site in sites:
        if Customer.objects.filter(site=site).exists():
            assert _count(site) == _subscribers(site)
