"""What the market potential feeds, through `core.potential` (performance and sales sit
below insights and never import it): target decomposition's "按市场潜力" weights and the
dispatch board's potential per lead. Without a provider both keep the plain stand-in,
households not yet subscribed; with one they take its figures; insights installs its model.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core import potential
from wangge.core.access import SYSTEM
from wangge.insights import selectors_potential as sel
from wangge.insights import services_potential
from wangge.performance import services_targets
from wangge.performance.models import Indicator
from wangge.sales import services as sales_services
from wangge.sales.models import Opportunity
from wangge.territory import services as territory_services
from wangge.territory.models import Site


def _fixed(figures: dict[int, int]) -> potential.Provider:
    return potential.Provider(untapped=lambda ids: figures, label="fixed")


def test_without_a_provider_potential_is_households_not_yet_subscribed() -> None:
    with potential.using(None):
        assert potential.untapped({1: (100, 30), 2: (10, 20), 3: (0, 0)}) == {1: 70, 2: 0, 3: 0}


def test_a_provider_replaces_only_the_sites_it_forecasts() -> None:
    with potential.using(_fixed({1: 5, 99: 7})):
        assert potential.untapped({1: (100, 30), 2: (50, 20)}) == {1: 5, 2: 30}


def test_insights_installs_its_model_as_the_provider() -> None:
    assert potential.installed() is sel.PROVIDER


def _weights(t: Territory) -> dict[int, Decimal]:
    w = t.world
    return services_targets.grid_weights(
        "potential",
        [w.grid_a, w.grid_b],
        indicator=Indicator.objects.get(code="broadband_new"),
        year=2026,
    )


@pytest.mark.django_db
def test_target_decomposition_keeps_the_stand_in_without_a_provider(world: World) -> None:
    t = build_territory(world, per_grid=3)
    with potential.using(None):
        got = _weights(t)
    for grid, sites in ((world.grid_a, t.sites_a), (world.grid_b, t.sites_b)):
        assert got[grid.pk] == sum(max(s.households - s.customers, 0) for s in sites)


@pytest.mark.django_db
def test_target_decomposition_weighs_grids_by_the_installed_provider(world: World) -> None:
    t = build_territory(world, per_grid=3)
    first = t.sites_a[0]
    with potential.using(_fixed({first.pk: 1000})):
        got = _weights(t)
    rest = sum(s.households - s.customers for s in t.sites_a[1:])
    assert got[world.grid_a.pk] == 1000 + rest
    assert got[world.grid_b.pk] == sum(s.households - s.customers for s in t.sites_b)

    for i, site in enumerate(t.sites_a + t.sites_b):  # the model's own figures by default
        Site.objects.filter(pk=site.pk).update(pc_owners=20 + 15 * i)
    services_potential.potential_compute(actor=SYSTEM)  # the nightly job
    got = _weights(t)
    assert got[world.grid_a.pk] == sum(_stored_untapped(s.pk) for s in t.sites_a)


@pytest.mark.django_db
def test_the_dispatch_board_shows_each_leads_site_potential(world: World) -> None:
    crm: CrmWorld = build_crm(world)
    lead = sales_services.opportunity_create(
        actor=world.user("tech_a"),
        source=Opportunity.Source.VISIT,
        customer=crm.customers["a_org"],
        need="门口扫码",
    )
    services_potential.potential_compute(actor=SYSTEM)  # the nightly job
    client = world.client("manager_a")
    page = client.get(reverse("sales:board"))
    assert page.status_code == 200
    expected = _stored_untapped(lead.site_id)
    assert page.context["potential"] == {lead.site_id: expected}
    assert f"潜力 +{expected}" in page.text
    with potential.using(_fixed({lead.site_id: 4321})):
        assert "潜力 +4321" in client.get(reverse("sales:board")).text


@pytest.mark.django_db
def test_the_provider_reads_the_stored_run_with_todays_subscribers(world: World) -> None:
    t = build_territory(world, per_grid=3)
    site = t.sites_a[0]
    assert sel.untapped([site.pk]) == {}  # nothing stored yet: the stand-in serves
    services_potential.potential_compute(actor=SYSTEM)
    stored = sel.stored()
    assert stored is not None
    potential_customers = stored.forecasts[site.pk][1]
    customers = Site.objects.get(pk=site.pk).customers
    assert sel.untapped([site.pk]) == {site.pk: max(potential_customers - customers, 0)}
    # A sale today lowers what is left without waiting for the night: the forecast of the
    # estate's customers in all is the run's, its subscribers are today's.
    Site.objects.filter(pk=site.pk).update(customers=potential_customers - 1)
    assert sel.untapped([site.pk]) == {site.pk: 1}
    with pytest.MonkeyPatch.context() as mp:  # reading never fits
        mp.setattr(sel.potential, "fit", _no_fit)
        assert potential.untapped({site.pk: (0, 0)}) == {site.pk: 1}


def _no_fit(*args: object, **kwargs: object) -> None:
    raise AssertionError("fitted on read")


def _stored_untapped(site_id: int) -> int:
    stored = sel.stored()
    assert stored is not None
    return max(stored.forecasts[site_id][1] - Site.objects.get(pk=site_id).customers, 0)


@pytest.mark.django_db
def test_person_weights_by_potential_take_the_stored_split_once_there_is_one(
    world: World,
) -> None:
    t = build_territory(world, per_grid=3)
    account, manager = world.staff["account_a"], world.staff["manager_a"]
    people = [account, manager]

    def weights() -> dict[int, Decimal]:
        return services_targets.person_weights(
            "potential", people, indicator=Indicator.objects.get(code="broadband_new"), year=2026
        )

    before = weights()  # no run yet: the prospects each owns, as before
    assert before == {account.pk: 0, manager.pk: 0}
    territory_services.survey_assign(actor=SYSTEM, sites=t.sites_a, assignee=account)
    Site.objects.filter(pk=t.sites_a[0].pk).update(customers=0)  # plenty left to win there
    services_potential.potential_compute(actor=SYSTEM)
    expected = potential.people_untapped([account.pk, manager.pk])
    assert expected is not None and expected[account.pk] > 0
    assert weights() == {account.pk: expected[account.pk], manager.pk: 0}
    assert expected[account.pk] == sum(_stored_untapped(s.pk) for s in t.sites_a)
