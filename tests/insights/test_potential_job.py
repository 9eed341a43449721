"""The market potential is the nightly job's work: it fits, cross-validates, forecasts and
splits each grid's potential among its people, and stores the run; the page, the API, the
person dashboard and the lower apps read the stored run and never fit."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.insights.world import rolled_back
from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core import potential as hook
from wangge.core import schedule
from wangge.core.access import SYSTEM
from wangge.crm.models import Customer
from wangge.insights import potential, services_potential
from wangge.insights import selectors_potential as sel
from wangge.insights.models import PersonPotential, PotentialRun, SiteForecast
from wangge.territory import services as territory_services
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _t_once(world_once: World, django_db_blocker: Any) -> Iterator[Territory]:
    with rolled_back(django_db_blocker):
        yield _territory(world_once)


@pytest.fixture
def t(_t_once: Territory, world: World) -> Territory:
    return _t_once


def _territory(world: World) -> Territory:
    """Four estates per grid, surveyed, and a building of A's first estate."""
    t = build_territory(world, per_grid=4)
    for i, site in enumerate([*t.sites_a, *t.sites_b]):
        Site.objects.filter(pk=site.pk).update(
            pc_owners=30 + 9 * i, tenant_share=Decimal("0.1") + Decimal(i % 3) / 10
        )
    territory_services.site_create(
        actor=SYSTEM, code="A-B1", kind=Site.Kind.BUILDING, name="一号楼", lon=111.7015,
        lat=27.2015, households=40, covered_households=30, estate=t.sites_a[0],
    )  # fmt: skip
    return t


def _never(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("a page fitted or cross-validated the model")


def test_the_page_and_the_api_read_the_stored_run_and_never_fit(
    world: World, t: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = services_potential.potential_compute(actor=SYSTEM)
    for name in ("fit", "cross_validate", "forecast"):
        monkeypatch.setattr(potential, name, _never)
    monkeypatch.setattr(sel, "compute", _never)
    for persona in ("market_admin", "manager_a"):
        page = world.client(persona).get(reverse("insights:potential"))
        assert page.status_code == 200
        assert 'data-testid="potential-computed"' in page.text
        assert f"{timezone.localtime(run.computed_at):%Y-%m-%d %H:%M}" in page.text
        api = world.client(persona).get("/api/insights/potential")
        assert api.status_code == 200
        model = api.json()["model"]
        assert model["fitted_on"] == run.fitted_on == 8
        assert model["held_out"]["model_mae"] == round(run.model_mae, 4)
        assert model["computed_at"]
    person = world.client("manager_a").get(
        reverse("insights:person", args=[world.staff["account_a"].pk])
    )
    assert person.status_code == 200


def test_before_the_first_run_the_page_says_so_and_estates_take_the_stand_in(
    world: World, t: Territory
) -> None:
    page = world.client("market_admin").get(reverse("insights:potential"))
    assert page.status_code == 200
    assert "市场潜力模型尚未计算" in page.text
    data = world.client("market_admin").get(f"/api/insights/potential?grid={world.grid_a.pk}")
    body = data.json()
    assert body["model"] is None
    for row in body["sites"]:
        assert row["modelled"] is False
        assert row["untapped"] == max(row["households"] - row["customers"], 0)


def test_the_nightly_job_stores_a_run_and_keeps_the_last_few(t: Territory) -> None:
    job = schedule.jobs()["insights_potential"]
    assert job.run() == 8  # estates forecast
    run = sel.latest_run()
    assert run is not None and run.fitted_on == 8 and run.folds == 5
    estates = {s.pk for s in [*t.sites_a, *t.sites_b]}
    assert set(SiteForecast.objects.filter(run=run).values_list("site_id", flat=True)) == estates
    assert set(run.model) == {key for key, _l, _f in potential.FACTORS}
    for _ in range(services_potential.KEEP_RUNS):
        services_potential.potential_compute(actor=SYSTEM)
    assert PotentialRun.objects.count() == services_potential.KEEP_RUNS
    assert not PotentialRun.objects.filter(pk=run.pk).exists()


def test_the_command_computes_on_demand_and_stores_only_when_asked(t: Territory) -> None:
    out = io.StringIO()
    call_command("potential", "--json", stdout=out)
    assert json.loads(out.getvalue())["model"]["fitted_on"] == 8
    assert not PotentialRun.objects.exists()
    call_command("potential", "--store", stdout=io.StringIO())
    assert PotentialRun.objects.count() == 1


def _customers(site: Site, owner: Any, n: int) -> None:
    for i in range(n):
        Customer.objects.create(kind="household", name=f"{site.code}-{i}", site=site, owner=owner)


def test_a_grids_untapped_potential_is_split_among_its_people(world: World, t: Territory) -> None:
    a0, a1, a2, a3 = t.sites_a
    account, tech = world.staff["account_a"], world.staff["tech_a"]
    territory_services.survey_assign(actor=SYSTEM, sites=[a0], assignee=account)
    _customers(a1, account, 2)
    _customers(a1, tech, 1)
    building = Site.objects.get(code="A-B1")
    rows = sel.split_people({a0.pk: 30, a1.pk: 10, a2.pk: 5, a3.pk: 0})
    got = {(s, b): (u, n) for g, s, b, u, n in rows if g == world.grid_a.pk}
    stand_in = building.households - building.customers
    assert got == {
        # a0 and its building go to a0's surveyor
        (account.pk, "survey"): (30 + stand_in, 2),
        # a1: its 10 by the customers each owns there, 2 : 1, in whole customers
        (account.pk, "owned"): (7, 1),
        (tech.pk, "owned"): (3, 1),
        # a2 has neither; a3 has nothing left to win
        (None, "nobody"): (5, 1),
    }


def test_the_split_adds_up_to_the_grids_potential_and_reaches_people_and_performance(
    world: World, t: Territory
) -> None:
    account, tech = world.staff["account_a"], world.staff["tech_a"]
    territory_services.survey_assign(actor=SYSTEM, sites=t.sites_a[:2], assignee=account)
    _customers(t.sites_a[2], tech, 3)
    run = services_potential.potential_compute(actor=SYSTEM)
    stored = sel.stored()
    assert stored is not None
    grid_a = [*t.sites_a, Site.objects.get(code="A-B1")]
    total = 0
    for site in grid_a:
        site.refresh_from_db()
        f = stored.forecasts.get(site.pk)
        households = f[1] if f is not None else site.households
        total += max(households - site.customers, 0)
    rows = PersonPotential.objects.filter(run=run, grid=world.grid_a)
    assert sum(r.untapped for r in rows) == total
    mine = sum(r.untapped for r in rows if r.staff_id == account.pk)
    theirs = sum(r.untapped for r in rows if r.staff_id == tech.pk)

    # Performance's target weights ask through the hook (no import of insights).
    ids = [account.pk, tech.pk, world.staff["manager_a"].pk]
    assert hook.people_untapped(ids, world.grid_a.pk) == {
        account.pk: mine, tech.pk: theirs, world.staff["manager_a"].pk: 0,
    }  # fmt: skip
    with hook.using(None):
        assert hook.people_untapped(ids) is None  # no provider: the caller's own weights

    # The person dashboard shows one's share: to oneself and one's manager.
    url = reverse("insights:person", args=[account.pk])
    for persona in ("account_a", "manager_a"):
        page = world.client(persona).get(url)
        assert page.status_code == 200
        assert 'data-testid="person-potential"' in page.text
        assert page.context["person_potential"].untapped == mine
    assert world.client("sales_b").get(url).status_code == 404


def test_share_out_splits_whole_customers_that_add_up() -> None:
    assert potential.share_out(10, {1: 2, 2: 1}) == {1: 7, 2: 3}
    assert potential.share_out(1, {5: 1, 3: 1}) == {3: 1}  # a tie goes to the smaller key
    assert potential.share_out(0, {1: 1}) == {}
    assert potential.share_out(7, {1: 0}) == {}
    parts = potential.share_out(101, {1: 3, 2: 3, 3: 5, 4: 0})
    assert sum(parts.values()) == 101 and 4 not in parts
