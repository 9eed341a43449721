"""The information base in the demo county: estate surveys and survey assignments.

A share of each grid's estates carries the survey the seed asks for (§五(四)1: PC owners,
the owners' age bands, tenants, a note on the residents), entered by the grid's manager
through `territory.services.site_update` as a verification on the ground, then moved back
along the last year with a plain queryset update (the service stamps "now"): most within
the re-survey period, some older (待复核). The survey follows the estate's penetration, with
noise, as the seed's teams describe it (computers and young owners go with broadband, many
tenants against it), so the market potential model has something real to learn.

Each grid's manager then hands some not yet surveyed estates and premises to the grid's
people (`territory.services.survey_assign`); a few were handed out weeks ago and are still
not surveyed (overdue: assigned more than `OVERDUE_DAYS` ago, the site not verified since).

Runs after `load_crm` (the sites' subscribers are counted); a reset deletes the sites, and
the assignments with them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from wangge.core import clock
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.territory import services
from wangge.territory.freshness import resurvey_days
from wangge.territory.models import SURVEYED_KINDS, Site, SurveyAssignment

#: Mixed into the seed so this loader's random stream is its own.
SALT = 0x1B45E
#: Estates surveyed per grid, more in the demo logins' grids (the first two by code). Each
#: is a service call that validates the site's every constraint (~25 ms of CPU): about
#: 160 at the default 30 grids, so the demo stays a few seconds faster than a full survey.
SURVEYED = 5
SURVEYED_BUSY = 12
BUSY_GRIDS = 2
#: Of the surveyed, the share verified longer ago than the re-survey period (待复核).
STALE_SHARE = 0.2
#: Open assignments per grid (of those that are not surveyed yet), at most.
ASSIGNED = 8
#: An assignment older than this with its site still not surveyed is overdue.
OVERDUE_DAYS = 30
OVERDUE_PER_GRID = 2

NOTES = ("年轻家庭为主", "老住户多，子女在外地", "周边学校多，租住学生家庭", "新交房，装修户多", "")


def _share(x: float) -> Decimal:
    return Decimal(str(round(min(max(x, 0.0), 1.0), 2)))


def _survey(site: Site, rng: random.Random) -> dict[str, Any]:
    """The survey an estate's penetration suggests, with noise."""
    pen = site.customers / site.households if site.households else 0.3
    young = _share(min(0.15 + 0.5 * pen + rng.gauss(0, 0.06), 0.7))
    senior = _share(min(0.35 - 0.4 * pen + rng.gauss(0, 0.05), 0.25))
    # The bands together may not pass 100 %: the middle band takes the rest, less a little.
    middle = max(Decimal(1) - young - senior - Decimal(rng.randint(0, 5)) / 100, Decimal(0))
    pc = min(max(0.3 + 0.8 * pen + rng.gauss(0, 0.08), 0.05), 0.98)
    return {
        "pc_owners": round(pc * site.households),
        "owners_young_share": young,
        "owners_middle_share": middle,
        "owners_senior_share": senior,
        "tenant_share": _share(0.35 - 0.4 * pen + rng.gauss(0, 0.05)),
        "residents_note": rng.choice(NOTES),
    }


def _at(days_ago: int, rng: random.Random, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))


def load_infobase(seed: int) -> dict[str, int]:
    rng = random.Random(seed ^ SALT)
    now = clock.now()
    fresh_days = max(resurvey_days() - 1, 1)
    surveyed = assigned = overdue = 0
    with transaction.atomic():
        for n, grid in enumerate(Grid.objects.filter(is_active=True).order_by("code")):
            manager = (
                Staff.objects.filter(
                    memberships__grid=grid, memberships__role=Role.GRID_MANAGER, user__isnull=False
                )
                .select_related("user")
                .order_by("pk")
                .first()
            )
            if manager is None:
                continue
            actor = manager.user
            estates = list(Site.objects.filter(grid=grid, kind=Site.Kind.ESTATE).order_by("code"))
            wanted = SURVEYED_BUSY if n < BUSY_GRIDS else SURVEYED
            picked = rng.sample(estates, min(len(estates), wanted))
            dates: dict[int, dt.datetime] = {}
            for site in picked:
                services.site_update(actor=actor, site=site, data=_survey(site, rng), verified=True)
                stale = rng.random() < STALE_SHARE
                days = rng.randint(resurvey_days() + 1, 2 * resurvey_days()) if stale else None
                dates[site.pk] = _at(days or rng.randint(1, fresh_days), rng, now)
            for pk, at in dates.items():
                Site.objects.filter(pk=pk).update(verified_at=at)
            surveyed += len(picked)
            a, o = _assign(grid, actor, set(dates), rng, now)
            assigned += a
            overdue += o
    return {"小区调查": surveyed, "调查分工": assigned, "逾期未调查": overdue}


def _assign(
    grid: Grid, actor: Any, done: set[int], rng: random.Random, now: dt.datetime
) -> tuple[int, int]:
    """Hand some of the grid's not yet surveyed estates and premises to its people; the
    first `OVERDUE_PER_GRID` were handed out weeks ago."""
    members = GridMembership.objects.filter(grid=grid).exclude(role=Role.AGENT)
    people = list(Staff.objects.filter(pk__in=members.values("staff_id")).order_by("pk"))
    todo = list(
        Site.objects.filter(grid=grid, kind__in=SURVEYED_KINDS)
        .exclude(pk__in=done)
        .order_by("code")[: ASSIGNED * 3]
    )
    if not people or not todo:
        return 0, 0
    sites = rng.sample(todo, min(ASSIGNED, len(todo)))
    for i, person in enumerate(people):
        services.survey_assign(actor=actor, sites=sites[i :: len(people)], assignee=person)
    late = [s.pk for s in sites[:OVERDUE_PER_GRID]]
    for pk in late:
        SurveyAssignment.objects.filter(site_id=pk).update(
            assigned_at=_at(rng.randint(OVERDUE_DAYS + 1, OVERDUE_DAYS + 40), rng, now)
        )
    for s in sites[OVERDUE_PER_GRID:]:
        SurveyAssignment.objects.filter(site_id=s.pk).update(
            assigned_at=_at(rng.randint(0, OVERDUE_DAYS - 5), rng, now)
        )
    return len(sites), len(late)
