"""The headline figures match their definitions, counted here independently: a loop over
the records in Python, not the module's grouped queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from tests.insights.world import InsightsWorld
from wangge.core import clock
from wangge.crm.models import CompetitorIntel, Customer, resurvey_days
from wangge.insights import figures
from wangge.insights.figures import Ratio
from wangge.org.models import GridMembership
from wangge.retention.models import CollectionTask
from wangge.retention.models import Contact as CareContact
from wangge.sales.models import Visit
from wangge.service.models import WorkOrder
from wangge.territory.models import Site, SurveyAssignment

pytestmark = pytest.mark.django_db


def _fresh(at: dt.datetime | None, on: dt.date) -> bool:
    if at is None:
        return False
    return on - dt.timedelta(days=resurvey_days()) < clock.local_date(at) <= on


def _surveyed(site: Site, on: dt.date) -> bool:
    return _fresh(site.verified_at, on)


def _by_grid(site: Site) -> list[int | None]:
    return [site.grid_id]


def _by_surveyor(site: Site) -> list[int | None]:
    """Whoever is assigned to survey the site, or its estate (a building)."""
    for candidate in (site, site.estate):
        survey = SurveyAssignment.objects.filter(site=candidate).first() if candidate else None
        if survey is not None:
            return [survey.assignee_id]
    return []


def _expected_sites(on: dt.date, key_of: Any = _by_grid) -> dict[str, dict[int | None, Ratio]]:
    roles: dict[int | None, set[str]] = defaultdict(set)
    for m in GridMembership.objects.all():
        roles[m.grid_id].add(m.role)
    out: dict[str, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    intel_sites = {i.site_id for i in CompetitorIntel.objects.all() if _fresh(i.verified_at, on)}
    theirs: dict[int | None, int] = defaultdict(int)
    for i in CompetitorIntel.objects.select_related("site"):
        if i.site.kind != "premises":
            for g in key_of(i.site):
                theirs[g] += i.customers_estimate or 0
    for s in Site.objects.all():
        for g in key_of(s):
            _count(out, s, g, roles[s.grid_id], on, intel_sites)
    for g, n in theirs.items():
        out["market.share"][g][1] += n
    return {k: {g: Ratio(*v) for g, v in by.items()} for k, by in out.items()}


def _count(out: Any, s: Site, g: int | None, roles: set[str], on: dt.date, intel: set[int]) -> None:
    """One site's share of each measure, counted into bucket `g` (a grid or a person)."""
    staffed = bool(roles & {"account_marketer", "sales_marketer"}) and ("technician" in roles)
    out["coverage.staffed"][g][0] += staffed
    out["coverage.staffed"][g][1] += 1
    out["coverage.network"][g][0] += s.covered_households
    out["coverage.network"][g][1] += s.households
    out["coverage.surveyed"][g][0] += _surveyed(s, on)
    out["coverage.surveyed"][g][1] += 1
    if s.kind == "estate":
        out["market.known"][g][0] += _surveyed(s, on) and s.pk in intel
        out["market.known"][g][1] += 1
    if s.kind != "premises":
        out["market.penetration"][g][0] += s.customers
        out["market.penetration"][g][1] += s.households
        out["market.share"][g][0] += s.customers
        out["market.share"][g][1] += s.customers


def _reached_ids(on: dt.date) -> set[int]:
    start = on - dt.timedelta(days=figures.reach_days() - 1)

    def within(day: dt.date | None) -> bool:
        return day is not None and start <= day <= on

    ids = {
        v.customer_id
        for v in Visit.objects.all()
        if v.customer_id and v.outcome != "not_home" and within(clock.local_date(v.at))
    }
    ids |= {c.customer_id for c in CareContact.objects.all() if within(clock.local_date(c.at))}
    ids |= {
        t.customer_id
        for t in CollectionTask.objects.all()
        if within(t.closed_on)
        and (t.status in ("promised", "refused") or (t.status == "paid" and not t.payment_id))
    }
    ids |= {
        o.customer_id
        for o in WorkOrder.objects.all()
        if o.customer_id and o.state == "closed" and within(clock.local_date(o.closed_at))
    }
    return ids


def _expected_reach(on: dt.date) -> tuple[dict[int | None, Ratio], dict[int, Ratio]]:
    hit = _reached_ids(on)
    grid: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    person: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for c in Customer.objects.select_related("site"):
        if clock.local_date(c.created_at) > on:
            continue
        for bucket in (grid[c.site.grid_id], person[c.owner_id]):
            bucket[0] += c.pk in hit
            bucket[1] += 1
    return {g: Ratio(*v) for g, v in grid.items()}, {p: Ratio(*v) for p, v in person.items()}


def test_every_measure_matches_its_definition(county: InsightsWorld) -> None:
    today = clock.today()
    results = figures.compute(today)
    expected = _expected_sites(today)
    for key, by_grid in expected.items():
        assert results.grids[key] == by_grid, key
    grids, people = _expected_reach(today)
    assert results.grids["reach.customers"] == grids
    assert results.people["reach.customers"] == people
    # The world is built so that each rule shows: a visit, a closed work order and a
    # promised collection reach; a billing payment and a call 40 days ago do not.
    c = county.crm.customers
    assert _reached_ids(today) == {c["a_home"].pk, c["a_org"].pk, c["b_home"].pk}
    a, b = county.world.grid_a.pk, county.world.grid_b.pk
    assert results.grid("reach.customers", a) == Ratio(2, 3)
    assert results.grid("reach.customers", b) == Ratio(1, 2)
    assert results.county("reach.customers") == Ratio(3, 5)
    # Grid A has a marketer and a technician; grid B has no technician.
    assert results.grid("coverage.staffed", a) == Ratio(4, 4)
    assert results.grid("coverage.staffed", b) == Ratio(0, 4)


def test_each_sites_reach_matches_its_definition(county: InsightsWorld) -> None:
    """The map's drill-down counts the customers of the sites asked for, reached or not."""
    today = clock.today()
    hit = _reached_ids(today)
    sites = list(Site.objects.order_by("pk"))
    got = figures.site_figures(today, [s.pk for s in sites[1:]])  # one left out
    assert set(got) == {s.pk for s in sites[1:]}
    for s in sites[1:]:
        filed = [c.pk for c in Customer.objects.filter(site=s)]
        expected = Ratio(sum(pk in hit for pk in filed), len(filed))
        assert got[s.pk]["reach.customers"] == expected, s.code


def test_reach_in_the_past_counts_the_window_then(county: InsightsWorld) -> None:
    """Forty days ago's call reached b_owned for the thirty days after it."""
    c = county.crm.customers
    on = clock.today() - dt.timedelta(days=25)
    assert c["b_owned"].pk in _reached_ids(on)
    grids, people = figures.reach(on)
    assert (grids, people) == _expected_reach(on)


def test_the_series_equals_the_figure_of_each_day(county: InsightsWorld) -> None:
    today = clock.today()
    days = [today - dt.timedelta(days=n) for n in (0, 1, 9, 10, 11, 25, 45)]
    series = figures.reach_series(days)
    for day in days:
        assert series[day] == figures.reach(day), day


def test_a_shorter_period_reaches_fewer(county: InsightsWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WANGGE_REACH_DAYS = 5
    grids, _people = figures.reach(clock.today())
    assert sum(r.numerator for r in grids.values()) == 2  # the work order is 10 days old


def test_each_persons_site_figures_count_the_sites_assigned_to_them(county: InsightsWorld) -> None:
    """A person's site measures are those of the sites assigned to them to survey, a
    building following its estate; reach counts the customers they own."""
    estate = county.crm.t.sites_a[0]  # account_a's
    building = Site.objects.create(
        code="A000-1",
        kind=Site.Kind.BUILDING,
        name="A小区0 1栋",
        grid=estate.grid,
        estate=estate,
        lon=estate.lon,
        lat=estate.lat,
        households=40,
        covered_households=40,
        customers=10,
    )
    today = clock.today()
    results = figures.compute(today)
    expected = _expected_sites(today, _by_surveyor)
    for key, by_person in expected.items():
        assert results.people[key] == by_person, key
    account, tech = county.world.staff["account_a"].pk, county.world.staff["tech_a"].pk
    # account_a: two estates and the building (one estate verified two days ago).
    assert results.people["coverage.surveyed"][account] == Ratio(1, 3)
    assert (
        results.people["market.penetration"][account].denominator
        == sum(s.households for s in (estate, county.crm.t.sites_a[2])) + building.households
    )
    assert results.people["coverage.surveyed"][tech] == Ratio(0, 1)
    # Nobody else surveys anything: their site figures are absent, not 0/0.
    assert set(results.people["coverage.staffed"]) == {account, tech}
    _grids, people = _expected_reach(today)
    assert results.people["reach.customers"] == people
    live = figures.compute_people(today, [account])
    assert {k: by[account] for k, by in live.items()} == {
        k: by[account] for k, by in results.people.items()
    }
