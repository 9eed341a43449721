"""The year's targets decomposed, and a month's awards, in the demo county.

For new broadband customers and broadband revenue: the company's year (sized on the last
twelve months' sales when the county has them, on its households otherwise), split over the
grids by market potential, each grid over its sellers and their months equally, and a
virtual team's own set, all through the services (audited, checked to add up); then last
month's 成长之星 and 超越团队 and, for the last quarter, one 创业之星 nominated and approved.
Runs after the sales records are loaded. Dates count back from the clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.org.models import Grid, Team
from wangge.performance import decompose, services_awards, services_targets
from wangge.performance.models import Award, Indicator, Target
from wangge.performance.periods import Period, previous_month
from wangge.performance.selectors_targets import (
    actuals,
    grid_people,
    person_rows,
    visible_people,
)

#: Without sales to go by: a year's new broadband customers per 100 households, and the
#: revenue of one (a year of the 68 元 plan).
NEW_PER_100_HOUSEHOLDS = Decimal(3)
REVENUE_PER_NEW = Decimal("816.00")


def reset_performance_targets() -> None:
    """Delete awards and targets (before the organisation they point at)."""
    with connection.cursor() as cursor:
        for model in (Award, Target):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _year_total(ind: Indicator, today: dt.date, grids: list[Grid]) -> Decimal:
    start = today - dt.timedelta(days=365)
    sold = actuals(start=start, end=today, by="company", indicator=ind)[None]
    if sold > 0:
        total = sold * Decimal("1.1")
    else:
        weights = services_targets.grid_weights("households", grids, indicator=ind, year=0)
        new = sum(weights.values(), Decimal(0)) * NEW_PER_100_HOUSEHOLDS / 100
        total = new if ind.unit == Indicator.Unit.COUNT else new * REVENUE_PER_NEW
    return total.quantize(Decimal(1).scaleb(-ind.places)).max(Decimal(12))


def load_performance_targets(seed: int) -> dict[str, int]:
    del seed  # the figures follow the county and its sales; nothing is drawn at random
    today = clock.today()
    grids = list(Grid.objects.filter(is_active=True).order_by("code"))
    inds = list(Indicator.objects.filter(code__in=["broadband_new", "broadband_revenue"]))
    # Last month's awards are judged on last month's year: in January, that is last year.
    for year in sorted({previous_month(today).year, today.year}):
        _decompose(year, today, grids, inds)
    month = previous_month(today)
    granted = services_awards.awards_grant(actor=SYSTEM, period=month)
    granted += _pioneer(today)
    return {"目标": Target.objects.count(), "获奖": len(granted)}


def _decompose(year: int, today: dt.date, grids: list[Grid], inds: list[Indicator]) -> None:
    """The company's year over its grids, each grid's over its people and months, and a
    virtual team's set, for `year`."""
    for ind in inds:
        total = _year_total(ind, today, grids)
        shares = services_targets.propose_grids(
            indicator=ind, year=year, total=total, basis="potential", grids=grids
        )
        services_targets.company_targets_save(
            actor=SYSTEM,
            indicator=ind,
            year=year,
            total=total,
            grids={g: shares[g.pk] for g in grids},
        )
        for grid in grids:
            people = grid_people(grid)
            if not people:
                continue
            months = services_targets.propose_people(
                indicator=ind, year=year, total=shares[grid.pk], basis="equal", people=people
            )
            services_targets.grid_targets_save(
                actor=SYSTEM,
                indicator=ind,
                year=year,
                grid=grid,
                people={p: months[p.pk] for p in people},
            )
        virtual = Team.objects.filter(kind=Team.Kind.VIRTUAL).order_by("pk").first()
        if virtual is not None:
            members = list(virtual.members.order_by("employee_no"))
            team_total = (total / 10).quantize(Decimal(1).scaleb(-ind.places))
            split = decompose.split(team_total, {m.pk: 1 for m in members}, places=ind.places)
            services_targets.team_targets_save(
                actor=SYSTEM,
                indicator=ind,
                year=year,
                team=virtual,
                total=team_total,
                members={
                    m: decompose.split_months(split[m.pk], places=ind.places) for m in members
                },
            )


def _pioneer(today: dt.date) -> list[Award]:
    """The last quarter's 创业之星: the best-scored seller nominated, the committee approves."""
    q = (today.month - 1) // 3
    last = Period(today.year, q * 3 - 2, 3) if q else Period(today.year - 1, 10, 3)
    people = list(visible_people(SYSTEM).order_by("employee_no")[:40])
    scored = [r for r in person_rows(last, people) if r.score is not None]
    if not scored:
        return []
    best = max(scored, key=lambda r: (r.score, -r.obj.pk))
    award = services_awards.pioneer_nominate(
        actor=SYSTEM, staff=best.obj, period=last, note="季度业绩突出，新开发小区"
    )
    services_awards.pioneer_decide(actor=SYSTEM, award=award, approve=True)
    return [award]
