"""The insights app's one write: the day's snapshot of every figure.

Snapshots are derived data the system recomputes (taking a day again replaces it), so they
are written in bulk without one audit entry per row; who may take one is still checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from wangge.core import clock
from wangge.core.permissions import require
from wangge.insights import figures
from wangge.insights.models import Snapshot
from wangge.insights.permissions import Action
from wangge.org.models import Grid, GridMembership

Level = Snapshot.Level


def _primary_grids() -> dict[int, int]:
    return dict(GridMembership.objects.filter(is_primary=True).values_list("staff_id", "grid_id"))


def _rows(results: figures.Results, primary: dict[int, int], grid_ids: set[int]) -> list[Snapshot]:
    day, now = results.on, clock.now()
    rows: list[Snapshot] = []
    for key, by_grid in results.grids.items():
        county = results.county(key)
        rows.append(
            Snapshot(
                day=day,
                measure=key,
                level=Level.COUNTY,
                numerator=county.numerator,
                denominator=county.denominator,
                taken_at=now,
            )
        )
        # Every active grid has a row (0/0 when it has nothing to count) so that rankings
        # and trends list it; sites in no grid count in the county only.
        for grid_id in sorted(grid_ids | {g for g in by_grid if g is not None}):
            ratio = by_grid.get(grid_id, figures.ZERO)
            rows.append(
                Snapshot(
                    day=day,
                    measure=key,
                    level=Level.GRID,
                    grid_id=grid_id,
                    numerator=ratio.numerator,
                    denominator=ratio.denominator,
                    taken_at=now,
                )
            )
    for key, by_person in results.people.items():
        for staff_id, ratio in by_person.items():
            rows.append(
                Snapshot(
                    day=day,
                    measure=key,
                    level=Level.PERSON,
                    staff_id=staff_id,
                    grid_id=primary.get(staff_id),
                    numerator=ratio.numerator,
                    denominator=ratio.denominator,
                    taken_at=now,
                )
            )
    return rows


def snapshots_store(*, actor: Any, results: list[figures.Results]) -> int:
    """Replace the snapshots of the results' days with them; returns the rows written."""
    require(actor, Action.SNAPSHOT)
    primary = _primary_grids()
    grid_ids = set(Grid.objects.filter(is_active=True).values_list("pk", flat=True))
    rows = [row for r in results for row in _rows(r, primary, grid_ids)]
    with transaction.atomic():
        Snapshot.objects.filter(day__in=[r.on for r in results]).delete()
        Snapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def snapshot_take(*, actor: Any, on: dt.date | None = None) -> int:
    """Compute every figure on `on` (default: yesterday, the last whole day) and store it."""
    require(actor, Action.SNAPSHOT)
    day = on or clock.today() - dt.timedelta(days=1)
    return snapshots_store(actor=actor, results=[figures.compute(day)])


def snapshots_backfill(*, actor: Any, days: list[dt.date]) -> int:
    """Several days at once, equal to taking each: reach from one read of the contacts and
    the customers (`figures.reach_series`), the site figures (per grid and per person) from
    one read of the sites (`figures.sites_series`)."""
    require(actor, Action.SNAPSHOT)
    reach = figures.reach_series(days)
    sites = figures.sites_series(days)
    results = []
    for day in days:
        r = figures.Results(on=day)
        r.grids.update(sites[day][0])
        r.people.update(sites[day][1])
        r.grids[figures.REACHED.key], r.people[figures.REACHED.key] = reach[day]
        results.append(r)
    return snapshots_store(actor=actor, results=results)


def nightly() -> int:
    """The scheduler's job: yesterday's figures (the scheduler acts as the system)."""
    from wangge.core.access import SYSTEM

    return snapshot_take(actor=SYSTEM)
