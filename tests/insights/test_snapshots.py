"""Snapshots store what the figures compute; the nightly job, the CLI and the API read the
same numbers."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.insights.world import InsightsWorld
from wangge.core import clock, schedule
from wangge.core.access import SYSTEM
from wangge.insights import figures, services
from wangge.insights.models import Snapshot

pytestmark = pytest.mark.django_db

COLUMNS = ("day", "measure", "level", "grid_id", "staff_id", "numerator", "denominator")


def test_a_day_is_stored_per_grid_person_and_county_and_replaced_when_retaken(
    county: InsightsWorld,
) -> None:
    day = clock.today()
    written = services.snapshot_take(actor=SYSTEM, on=day)
    results = figures.compute(day)
    rows = Snapshot.objects.filter(day=day)
    assert rows.count() == written
    a = county.world.grid_a
    for key in figures.MEASURES:
        c = rows.get(level="county", measure=key)
        assert (c.numerator, c.denominator) == (
            results.county(key).numerator,
            results.county(key).denominator,
        )
        g = rows.filter(level="grid", measure=key, grid=a).first()
        assert g is not None, key
        assert figures.Ratio(g.numerator, g.denominator) == results.grid(key, a.pk)
    account = county.world.staff["account_a"]
    mine = rows.get(level="person", staff=account, measure="reach.customers")
    assert (
        figures.Ratio(mine.numerator, mine.denominator)
        == results.people["reach.customers"][account.pk]
    )
    assert mine.grid_id == a.pk  # the person's primary grid: their manager sees it
    surveyed = rows.get(level="person", staff=account, measure="coverage.surveyed")
    assert (
        figures.Ratio(surveyed.numerator, surveyed.denominator)
        == results.people["coverage.surveyed"][account.pk]
    )
    assert services.snapshot_take(actor=SYSTEM, on=day) == written
    assert Snapshot.objects.filter(day=day).count() == written


def test_only_the_system_and_the_market_department_take_snapshots(
    county: InsightsWorld,
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.snapshot_take(actor=county.world.user("manager_a"))
    assert not Snapshot.objects.exists()
    services.snapshot_take(actor=county.world.user("market_admin"))
    assert Snapshot.objects.exists()


def test_the_backfill_equals_taking_each_day(county: InsightsWorld) -> None:
    days = [clock.today() - dt.timedelta(days=n) for n in range(0, 5)]
    services.snapshots_backfill(actor=SYSTEM, days=days)
    fill = sorted(
        Snapshot.objects.values_list(
            "day", "measure", "level", "grid_id", "staff_id", "numerator", "denominator"
        )
    )
    for day in days:
        services.snapshot_take(actor=SYSTEM, on=day)
    taken = sorted(
        Snapshot.objects.values_list(
            "day", "measure", "level", "grid_id", "staff_id", "numerator", "denominator"
        )
    )
    assert fill == taken


def test_the_backfill_equals_taking_each_day_over_a_month_of_history(
    county: InsightsWorld,
) -> None:
    # Customers filed and sites and intelligence verified on different past days, so each
    # day's on-file customers, reached ones and fresh surveys differ.
    from tests.insights.world import ago
    from wangge.crm.models import CompetitorIntel, Customer
    from wangge.territory.models import Site

    for n, pk in enumerate(Customer.objects.order_by("pk").values_list("pk", flat=True)):
        Customer.objects.filter(pk=pk).update(created_at=ago(7 * n, hour=23))
    for n, pk in enumerate(Site.objects.order_by("pk").values_list("pk", flat=True)):
        Site.objects.filter(pk=pk).update(verified_at=ago(5 * n) if n % 3 else None)
    CompetitorIntel.objects.filter(pk=county.crm.intel_b.pk).update(verified_at=ago(20))
    days = [clock.today() - dt.timedelta(days=n) for n in range(0, 45, 4)]
    services.snapshots_backfill(actor=SYSTEM, days=days)
    fill = sorted(Snapshot.objects.values_list(*COLUMNS))
    assert {d for d, *_ in fill} == set(days)
    for day in days:
        services.snapshot_take(actor=SYSTEM, on=day)
    assert fill == sorted(Snapshot.objects.values_list(*COLUMNS))
    reach = Snapshot.objects.filter(level="county", measure=figures.REACHED.key)
    assert len({(r.numerator, r.denominator) for r in reach}) > 2  # history, not one value


def test_the_nightly_job_is_registered_after_the_care_jobs() -> None:
    job = schedule.jobs()["insights_snapshot"]
    assert job.at > dt.time(2, 30)
    assert job.run is services.nightly


def test_the_cli_prints_each_figure_with_its_numerator_and_denominator(
    county: InsightsWorld,
) -> None:
    out = io.StringIO()
    call_command("kpis", "--grid", "A", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["grid"] == "A" and data["on"] == clock.today().isoformat()
    measures = {m["key"]: m for f in data["figures"] for m in f["measures"]}
    assert set(measures) == set(figures.MEASURES)
    assert (
        measures["reach.customers"]["numerator"],
        measures["reach.customers"]["denominator"],
    ) == (2, 3)
    text = io.StringIO()
    call_command("kpis", stdout=text)
    assert "客户触及率: 60.0% (3/5)" in text.getvalue()
    assert not Snapshot.objects.exists()
    call_command("kpis", "--snapshot", stdout=io.StringIO())
    assert Snapshot.objects.filter(day=clock.today()).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--on", "2026-13-01"], "--on"), (["--grid", "NOPE"], "--grid")],
)
def test_the_cli_refuses_what_it_cannot_read(
    county: InsightsWorld, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("kpis", *args, stdout=io.StringIO())
