"""The demo information base: reproducible, plausible, and loadable over the demo sites."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from tests.personas import World
from tests.territory_world import build_territory
from wangge.crm.models import Customer, Organization, Subscription, stale_q
from wangge.crm.selectors import site_market
from wangge.demo.crm import SiteIn, StaffIn, generate_crm
from wangge.demo.load_crm import load_crm, reset_crm
from wangge.territory.models import Site

TODAY = dt.date(2026, 6, 1)
SITES = [
    SiteIn("E001", "estate", "城区书香华府", "G1", 300, 280, 150),
    SiteIn("B002", "building", "城区临街1号楼", "G1", 40, 36, 20),
    SiteIn("B003", "building", "廉桥东塘村3组", "G2", 35, 20, 9),
    SiteIn("P004", "premises", "廉桥中心小学", "G2", 60, 60, 1),
    SiteIn("P005", "premises", "廉桥供电所", "G2", 20, 20, 0),
]
STAFF = [
    StaffIn("SD0001", "market_admin", ()),
    StaffIn("SD0002", "grid_manager", ("G1", "G2")),
    StaffIn("SD0003", "account_marketer", ("G1",)),
    StaffIn("SD0004", "sales_marketer", ("G1",)),
    StaffIn("SD0005", "agent", ("G1",)),
    StaffIn("SD0006", "account_marketer", ("G2",)),
]


def test_the_same_seed_and_day_give_the_same_information_base() -> None:
    a = generate_crm(7, SITES, STAFF, TODAY)
    assert asdict(a) == asdict(generate_crm(7, list(reversed(SITES)), STAFF, TODAY))
    assert asdict(a) != asdict(generate_crm(8, SITES, STAFF, TODAY))


def test_households_follow_the_sites_figures() -> None:
    data = generate_crm(7, SITES, STAFF, TODAY)
    subscribers = Counter(c.site for c in data.customers if c.relationship in ("existing", "new"))
    households = {s.code: s.customers for s in SITES if s.kind != "premises"}
    assert {k: subscribers[k] for k in households} == households
    prospects = Counter(
        c.site for c in data.customers if c.relationship in ("potential", "intended")
    )
    assert prospects["E001"] > 0
    groups = [c for c in data.customers if c.kind == "group"]
    assert {c.site for c in groups} == {"P004", "P005"} and len(data.organizations) == 2


def test_owners_are_the_grids_people_by_kind_of_account() -> None:
    data = generate_crm(7, SITES, STAFF, TODAY)
    g1 = [c for c in data.customers if c.site in ("E001", "B002")]
    keepers = {c.owner for c in g1 if c.relationship == "existing"}
    assert keepers == {"SD0003"}
    assert {c.owner for c in g1 if c.relationship in ("potential", "intended")} == {"SD0004"}
    assert {c.owner for c in g1 if c.relationship == "new"} <= {"SD0003", "SD0005"}


def test_importance_is_a_fact_beside_the_relationship() -> None:
    """重点 and 金牌 are few and sit on existing customers and prospects alike; gold is for
    our own customers only, and most organisations are key accounts."""
    sites = [SiteIn(f"E{i:03d}", "estate", f"小区{i}", "G1", 300, 280, 150) for i in range(8)]
    data = generate_crm(7, [*sites, *SITES[3:]], STAFF, TODAY)
    households = [c for c in data.customers if c.kind == "household"]
    tiers = Counter(c.tier for c in households)
    assert 0 < tiers["gold"] < tiers["key"] < 0.1 * len(households)
    key_by_relationship = Counter(c.relationship for c in households if c.tier == "key")
    assert key_by_relationship["existing"] > 0 and key_by_relationship["potential"] > 0
    assert all(c.relationship in ("existing", "new") for c in households if c.tier == "gold")
    assert {c.relationship for c in data.customers} <= {
        "covered",
        "existing",
        "potential",
        "intended",
        "new",
    }


def test_money_and_dates_are_consistent() -> None:
    data = generate_crm(7, SITES, STAFF, TODAY)
    for s in data.subscriptions:
        assert s.monthly_fee >= 0 and s.arrears >= 0
        assert s.monthly_fee.as_tuple().exponent == -2
        assert s.expires_on is None or s.expires_on >= s.started_on
    for i in data.intel:
        for o in i.offers:
            assert o.ended_on is None or o.ended_on >= o.seen_on


@pytest.mark.django_db
def test_the_loader_fills_the_demo_sites(world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    t = build_territory(world, per_grid=3)
    counts = load_crm(5)
    site = t.sites_a[0]
    assert (
        counts["customers"]
        == Customer.objects.count()
        > sum(s.customers for s in t.sites_a + t.sites_b)
    )
    for s in Site.objects.all():
        subscribers = Customer.objects.filter(
            site=s, relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
        ).count()
        assert subscribers == s.customers, s.code
    site.refresh_from_db()
    m = site_market(user=world.user("market_admin"), site=site)
    assert m.penetration == pytest.approx(site.customers / site.households)
    assert Subscription.objects.filter(arrears__gt=0).exists()
    assert Customer.objects.filter(stale_q()).exists()
    assert Customer.objects.exclude(stale_q()).exists()
    reset_crm()
    assert not Customer.objects.exists() and not Organization.objects.exists()
    assert Site.objects.count() == 6
    assert load_crm(5) == counts


@pytest.mark.django_db
def test_at_any_scale_every_site_counts_its_subscribers(
    world: World, time_machine: TimeMachineFixture
) -> None:
    """A small demo keeps few households: the sites' 现有用户数 follow what was loaded, even
    where a site was left with no customer at all."""
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    build_territory(world, per_grid=4)
    load_crm(5, scale=0.012)
    counts = {s.code: s.customers for s in Site.objects.all()}
    assert 0 in counts.values() and any(counts.values())
    for site in Site.objects.all():
        subscribers = Customer.objects.filter(
            site=site, relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS
        ).count()
        assert subscribers == site.customers, site.code
