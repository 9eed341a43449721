"""Reads of targets, actuals, completion, scores and rankings (scoped to the user).

Who sees whose figures: a person their own; a grid manager the people and grids they manage
(and the virtual teams they lead); the market department everything. Rankings of grids and
teams are the company's competition and shown to every member of staff; rankings of persons
to the people of the viewer's own grids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from wangge.core.access import scope_for
from wangge.org.models import Grid, GridMembership, Staff, Team, TeamMembership
from wangge.org.roles import Role
from wangge.performance import awards, decompose
from wangge.performance.models import Indicator, SalesRecord, Target, TeamWeights
from wangge.performance.periods import Period
from wangge.retention.models import CollectionTask

#: Who carries named sales targets (实名制): the people who sell.
SELLER_ROLES = (Role.GRID_MANAGER, Role.ACCOUNT_MARKETER, Role.SALES_MARKETER, Role.AGENT)


def indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True))


# --- actuals ------------------------------------------------------------------------------


def actuals(
    *, start: dt.date, end: dt.date, by: str, indicator: Indicator
) -> dict[int | None, Decimal]:
    """An indicator's actuals between two days (inclusive) by "staff" or "grid" (key None:
    the company's total under by="company").

    Sales: records of the indicator's business line sold in the period, less those whose
    account was cancelled by the period's end; a count or the amount. Renewals: renewal
    tasks paid in the period (the retention app's 续费), by their owner or grid.
    This is the one place actuals are computed: perf-sales's `selectors_sales.actuals`
    replaces it when it lands.
    """
    if indicator.source == Indicator.Source.RENEWALS:
        qs: Any = CollectionTask.objects.filter(
            kind=CollectionTask.Kind.RENEWAL,
            status=CollectionTask.Status.PAID,
            closed_on__gte=start,
            closed_on__lte=end,
        )
        column = {"staff": "owner_id", "grid": "grid_id", "company": None}[by]
        agg: Any = Count("id")
    else:
        qs = SalesRecord.objects.filter(sold_on__gte=start, sold_on__lte=end).exclude(
            cancelled_on__lte=end
        )
        if indicator.business_line:
            qs = qs.filter(business_line=indicator.business_line)
        column = {"staff": "seller_id", "grid": "grid_id", "company": None}[by]
        agg = Sum("amount") if indicator.unit == Indicator.Unit.MONEY else Count("id")
    if column is None:
        value = qs.aggregate(v=agg)["v"]
        return {None: Decimal(value or 0)}
    rows = qs.values(column).annotate(v=agg).values_list(column, "v")
    return {key: Decimal(v or 0) for key, v in rows}


# --- targets for a period -----------------------------------------------------------------


def _period_value(
    year_value: Decimal | None, months: dict[int, Decimal], period: Period, places: int
) -> Decimal | None:
    """A period's target: its months' rows, or the year's share when nobody split it."""
    if months:
        return sum((months.get(m, Decimal(0)) for m in period.month_numbers), Decimal(0))
    if year_value is None:
        return None
    split = decompose.split_months(year_value, places=places)
    return sum((split[m - 1] for m in period.month_numbers), Decimal(0))


def period_targets(
    period: Period,
    *,
    level: str,
    key: str,
    team_set: bool = False,
    ids: Iterable[int] | None = None,
) -> dict[tuple[int, int], Decimal]:
    """(indicator id, key id) → the period's target, at one level ("grid", "team",
    "person"); `team_set` reads persons' virtual-team set instead of their department's."""
    qs = Target.objects.filter(year=period.year, level=level)
    if level == Target.Level.PERSON:
        qs = qs.filter(team__isnull=not team_set)
    if ids is not None:
        qs = qs.filter(**{f"{key}_id__in": list(ids)})
    years: dict[tuple[int, int], Decimal] = {}
    months: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    places = {i.pk: i.places for i in Indicator.objects.all()}
    for ind, who, month, value in qs.values_list("indicator_id", f"{key}_id", "month", "value"):
        if month == 0:
            years[(ind, who)] = value
        else:
            months[(ind, who)][month] = value
    out: dict[tuple[int, int], Decimal] = {}
    for k in set(years) | set(months):
        v = _period_value(years.get(k), months.get(k, {}), period, places.get(k[0], 0))
        if v is not None:
            out[k] = v
    return out


# --- completion ---------------------------------------------------------------------------


@dataclass
class Figure:
    target: Decimal | None
    actual: Decimal

    @property
    def completion(self) -> Decimal | None:
        return None if self.target is None else awards.completion(self.actual, self.target)


@dataclass
class Row:
    """One person's, grid's or team's figures for a period."""

    kind: str  # person, grid, team
    obj: Any
    figures: dict[str, Figure] = field(default_factory=dict)
    score: Decimal | None = None
    #: Virtual-team members: the department part, the team part (both scores).
    parts: tuple[Decimal | None, Decimal | None] | None = None

    @property
    def name(self) -> str:
        return str(self.obj)

    def sales_completion(self, inds: list[Indicator]) -> Decimal | None:
        for i in inds:
            if i.is_sales and i.code in self.figures:
                return self.figures[i.code].completion
        return None


def _score(figures: dict[str, Figure], inds: list[Indicator]) -> Decimal | None:
    return awards.score(
        {c: (f.actual, f.target) for c, f in figures.items() if f.target is not None},
        {i.code: i.score_weight for i in inds},
    )


def visible_people(user: Any) -> Any:
    """The persons whose targets and completion the user sees."""
    scope = scope_for(user)
    qs = Staff.objects.filter(role__in=SELLER_ROLES)
    if scope.everything:
        return qs
    mine = Q(pk=scope.staff_id or 0)
    if scope.own_records_only:
        return qs.filter(mine)
    managed = GridMembership.objects.filter(grid_id__in=scope.managed_grid_ids).values("staff_id")
    return qs.filter(mine | Q(pk__in=managed))


def visible_grids(user: Any) -> Any:
    scope = scope_for(user)
    if scope.everything:
        return Grid.objects.filter(is_active=True)
    return Grid.objects.filter(pk__in=scope.managed_grid_ids)


def visible_teams(user: Any) -> Any:
    scope = scope_for(user)
    qs = Team.objects.filter(kind__in=[Team.Kind.GRID, Team.Kind.VIRTUAL])
    if scope.everything:
        return qs
    return qs.filter(Q(grid_id__in=scope.managed_grid_ids) | Q(leader_id=scope.staff_id or 0))


def person_rows(period: Period, people: Iterable[Staff]) -> list[Row]:
    inds = indicators()
    people = list(people)
    ids = [p.pk for p in people]
    dept = period_targets(period, level="person", key="staff", ids=ids)
    team_set = period_targets(period, level="person", key="staff", team_set=True, ids=ids)
    acts = {
        i.code: actuals(start=period.start, end=period.end, by="staff", indicator=i) for i in inds
    }
    weights = {w.team_id: w for w in TeamWeights.objects.filter(team__kind=Team.Kind.VIRTUAL)}
    virtual = dict(
        TeamMembership.objects.filter(staff_id__in=ids, team__kind=Team.Kind.VIRTUAL).values_list(
            "staff_id", "team_id"
        )
    )
    rows = []
    for p in people:
        row = Row("person", p)
        team_figures: dict[str, Figure] = {}
        for i in inds:
            actual = acts[i.code].get(p.pk, Decimal(0))
            row.figures[i.code] = Figure(dept.get((i.pk, p.pk)), actual)
            if (i.pk, p.pk) in team_set:
                team_figures[i.code] = Figure(team_set[(i.pk, p.pk)], actual)
        row.score = _score(row.figures, inds)
        if p.pk in virtual and team_figures:
            w = weights.get(virtual[p.pk])
            team_score = _score(team_figures, inds)
            row.parts = (row.score, team_score)
            row.score = awards.two_part(
                row.score,
                team_score,
                w.department_weight if w else TeamWeights.DEFAULT_DEPARTMENT,
                w.team_weight if w else TeamWeights.DEFAULT_TEAM,
            )
        rows.append(row)
    return rows


def grid_rows(period: Period, grids: Iterable[Grid]) -> list[Row]:
    inds = indicators()
    grids = list(grids)
    ids = [g.pk for g in grids]
    targets = period_targets(period, level="grid", key="grid", ids=ids)
    acts = {
        i.code: actuals(start=period.start, end=period.end, by="grid", indicator=i) for i in inds
    }
    rows = []
    for g in grids:
        row = Row("grid", g)
        for i in inds:
            row.figures[i.code] = Figure(
                targets.get((i.pk, g.pk)), acts[i.code].get(g.pk, Decimal(0))
            )
        row.score = _score(row.figures, inds)
        rows.append(row)
    return rows


def team_rows(period: Period, teams: Iterable[Team]) -> list[Row]:
    """Grid teams carry their grid's targets and actuals; a virtual team its own targets
    against the sum of its members' actuals."""
    inds = indicators()
    teams = list(teams)
    grid_ids = [t.grid_id for t in teams if t.kind == Team.Kind.GRID and t.grid_id]
    grid_targets = period_targets(period, level="grid", key="grid", ids=grid_ids)
    team_targets = period_targets(period, level="team", key="team", ids=[t.pk for t in teams])
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, staff_id in TeamMembership.objects.filter(
        team_id__in=[t.pk for t in teams]
    ).values_list("team_id", "staff_id"):
        members[team_id].append(staff_id)
    by_grid = {
        i.code: actuals(start=period.start, end=period.end, by="grid", indicator=i) for i in inds
    }
    by_staff = {
        i.code: actuals(start=period.start, end=period.end, by="staff", indicator=i) for i in inds
    }
    rows = []
    for t in teams:
        row = Row("team", t)
        for i in inds:
            if t.kind == Team.Kind.GRID:
                target = grid_targets.get((i.pk, t.grid_id or 0))
                actual = by_grid[i.code].get(t.grid_id, Decimal(0))
            else:
                target = team_targets.get((i.pk, t.pk))
                actual = sum(
                    (by_staff[i.code].get(s, Decimal(0)) for s in members[t.pk]), Decimal(0)
                )
            row.figures[i.code] = Figure(target, actual)
        row.score = _score(row.figures, inds)
        rows.append(row)
    return rows


def completion(user: Any, period: Period, *, by: str) -> list[Row]:
    """The user's visible persons, grids or teams with their figures for the period."""
    if by == "grid":
        return grid_rows(period, visible_grids(user).order_by("code"))
    if by == "team":
        return team_rows(period, visible_teams(user).order_by("kind", "name"))
    return person_rows(period, visible_people(user).order_by("employee_no"))


def ranking_people(user: Any) -> Any:
    """Persons on the viewer's leaderboard: everyone for the market department, else the
    people of the grids the viewer works in."""
    scope = scope_for(user)
    qs = Staff.objects.filter(role__in=SELLER_ROLES)
    if scope.everything:
        return qs
    grids = GridMembership.objects.filter(grid_id__in=scope.grid_ids).values("staff_id")
    return qs.filter(Q(pk__in=grids) | Q(pk=scope.staff_id or 0))


def rankings(user: Any, period: Period) -> dict[str, list[tuple[int, Row]]]:
    """Persons, grids and teams ranked by performance score (no cap)."""
    out: dict[str, list[tuple[int, Row]]] = {}
    sets = {
        "person": person_rows(period, ranking_people(user).order_by("employee_no")),
        "grid": grid_rows(period, Grid.objects.filter(is_active=True).order_by("code")),
        "team": team_rows(
            period,
            Team.objects.filter(kind__in=[Team.Kind.GRID, Team.Kind.VIRTUAL]).order_by(
                "kind", "name"
            ),
        ),
    }
    for kind, rows in sets.items():
        ranked = awards.rank({i: r.score for i, r in enumerate(rows)})
        out[kind] = [(r.rank, rows[r.key]) for r in ranked]
    return out


# --- the targets page ---------------------------------------------------------------------


def visible_targets(user: Any) -> Any:
    return Target.objects.visible_to(user).select_related("indicator", "grid", "staff", "team")


def grid_people(grid: Grid) -> list[Staff]:
    """The sellers whose primary grid this is: whose named targets its manager splits."""
    return list(
        Staff.objects.filter(
            role__in=SELLER_ROLES, memberships__grid=grid, memberships__is_primary=True
        ).order_by("employee_no")
    )
