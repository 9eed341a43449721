"""A site's market section: our penetration beside the competitors' offers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS, assert_status_matrix
from wangge.core.access import SYSTEM
from wangge.crm import selectors, services
from wangge.crm.models import Customer
from wangge.territory import services as territory_services
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

#: The line the territory site page includes (see the report for where it goes).
#: The site page renders the panels other apps registered for it; crm's is the market.
INCLUDE = '{% load wangge %}{% panels "site" object %}'


def _render_include(crm: CrmWorld, persona: str, site: Site) -> str:
    request = RequestFactory().get("/")
    request.user = crm.world.user(persona)
    template = engines["django"].from_string(INCLUDE)
    return template.render({"object": site}, request)


def test_penetration_counts_our_subscribers_per_household(crm: CrmWorld) -> None:
    site = crm.t.sites_a[0]
    services.customer_create(
        actor=SYSTEM,
        site=site,
        name="潜在户",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.POTENTIAL,
        current_provider=services.competitors_ensure_national(actor=SYSTEM)[0],
    )
    m = selectors.site_market(user=crm.world.user("manager_a"), site=site)
    assert (m.subscribers, m.prospects, m.customers) == (1, 1, 2)
    assert m.penetration == pytest.approx(1 / site.households)
    assert [(p.name, p.households) for p in m.providers] == [("电信", 1)]
    [intel] = m.competitors
    assert [o.plan_name for o in intel.current_offers] == ["天翼宽带"]  # type: ignore[attr-defined]


def test_an_estate_counts_the_customers_of_its_buildings(crm: CrmWorld) -> None:
    estate = crm.t.sites_a[0]
    building = territory_services.site_create(
        actor=SYSTEM,
        code="A0-1",
        kind=Site.Kind.BUILDING,
        name="1栋",
        lon=estate.lon,
        lat=estate.lat,
    )
    Site.objects.filter(pk=building.pk).update(estate=estate, grid=estate.grid)
    building.refresh_from_db()
    services.customer_create(
        actor=SYSTEM,
        site=building,
        name="楼栋户",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.NEW,
    )
    m = selectors.site_market(user=crm.world.user("market_admin"), site=estate)
    assert m.subscribers == 2


def test_ended_offers_are_history_not_the_current_market(crm: CrmWorld) -> None:
    import datetime as dt

    services.competitor_offer_update(
        actor=SYSTEM,
        offer=crm.offer_a,
        data={"ended_on": dt.date(2020, 1, 1), "seen_on": dt.date(2019, 1, 1)},
    )
    m = selectors.site_market(user=crm.world.user("market_admin"), site=crm.t.sites_a[0])
    assert m.competitors[0].current_offers == []  # type: ignore[attr-defined]


def test_the_site_page_shows_the_crm_market_panel_to_those_who_see_the_site(crm: CrmWorld) -> None:
    html = _render_include(crm, "account_a", crm.t.sites_a[0])
    assert 'data-testid="site-market"' in html
    assert re.search(r'data-testid="penetration">\d+\.\d%<', html)
    assert "天翼宽带" in html and "首年半价" in html and "80.00" in html
    assert reverse("crm:intel_create", args=[crm.t.sites_a[0].pk]) in html


def test_the_market_page_is_scoped_like_the_site(crm: CrmWorld) -> None:
    url = reverse("crm:site_market", args=[crm.t.sites_b[0].pk])
    assert_status_matrix(
        crm.world, url, {p: 200 if p in ("market_admin", "sales_b") else 404 for p in PERSONAS}
    )
    html = crm.world.client("sales_b").get(url).content.decode()
    assert "移动宽带" in html and "天翼宽带" not in html


def test_an_offer_name_that_says_its_bandwidth_is_not_repeated(crm: CrmWorld) -> None:
    services.competitor_offer_create(
        actor=SYSTEM,
        intel=crm.intel_a,
        plan_name="质检天翼宽带 500M",
        bandwidth_mbps=500,
        price=Decimal("100.00"),
    )
    services.competitor_offer_create(
        actor=SYSTEM,
        intel=crm.intel_a,
        plan_name="天翼宽带 1000M",
        bandwidth_mbps=100,
        price=Decimal("90.00"),
    )
    url = reverse("crm:site_market", args=[crm.intel_a.site_id])
    html = crm.world.client("market_admin").get(url).content.decode()
    names = set(re.findall(r'data-testid="offer-name">([^<]*)<', html))
    assert names == {"质检天翼宽带 500M", "天翼宽带 300M", "天翼宽带 1000M 100M"}
