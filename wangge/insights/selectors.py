"""Reads of the headline figures: from the snapshots, scoped (pages, API, the home page).

A day without a snapshot (today before the night's job, or a county that never ran it) is
computed live for the asked grid or the county, and says so (`source`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Max, Q, Sum

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.insights import figures
from wangge.insights.figures import FIGURES, MEASURES, Figure, Measure, Ratio
from wangge.insights.models import Snapshot
from wangge.org.models import Grid, Region, Staff

Level = Snapshot.Level
TREND_DAYS = 30


@dataclass(frozen=True)
class Row:
    measure: Measure
    ratio: Ratio


@dataclass(frozen=True)
class FigureRows:
    figure: Figure
    rows: tuple[Row, ...]

    @property
    def headline(self) -> Row:
        return self.rows[0]


@dataclass(frozen=True)
class Figures:
    on: dt.date
    source: str  # "snapshot" or "live"
    figures: tuple[FigureRows, ...]


def snapshots(user: Any) -> Any:
    return Snapshot.objects.visible_to(user)


def latest_day(user: Any = None) -> dt.date | None:
    qs = Snapshot.objects.all() if user is None else snapshots(user)
    return qs.aggregate(day=Max("day"))["day"]


def _as_figures(on: dt.date, source: str, ratios: dict[str, Ratio], keys: set[str]) -> Figures:
    out = []
    for figure in FIGURES:
        rows = tuple(
            Row(m, ratios.get(m.key, figures.ZERO)) for m in figure.measures if m.key in keys
        )
        if rows:
            out.append(FigureRows(figure, rows))
    return Figures(on, source, tuple(out))


def _where(level: str, grid_id: int | None, staff_id: int | None, region_id: int | None) -> Q:
    if level == Level.PERSON:
        return Q(level=level, staff_id=staff_id)
    if level == Level.GRID and region_id is not None:
        return Q(level=level, grid__region_id=region_id)
    if level == Level.GRID:
        return Q(level=level, grid_id=grid_id)
    return Q(level=Level.COUNTY)


def figures_for(
    *,
    user: Any,
    on: dt.date | None = None,
    grid_id: int | None = None,
    staff_id: int | None = None,
    region_id: int | None = None,
) -> Figures:
    """The figures of the county (no grid, person or region), a region (its grids summed),
    a grid or a person (reach only) on a day; the latest snapshot's day by default.
    The caller has checked that the user may see that level (`visible_level`)."""
    level = (
        Level.PERSON
        if staff_id is not None
        else Level.GRID
        if grid_id is not None or region_id is not None
        else Level.COUNTY
    )
    where = _where(level, grid_id, staff_id, region_id)
    day = on or snapshots(user).filter(where).aggregate(day=Max("day"))["day"]
    if day is not None:
        rows = (
            snapshots(user)
            .filter(where, day=day)
            .values("measure")
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
            .order_by()
        )
        ratios = {r["measure"]: Ratio(int(r["n"]), int(r["d"])) for r in rows}
        if ratios:
            return _as_figures(day, "snapshot", ratios, _keys(level, ratios))
    day = day or clock.today()
    ratios = _live(day, level, grid_id, staff_id, region_id)
    return _as_figures(day, "live", ratios, _keys(level, ratios))


def _keys(level: str, ratios: dict[str, Ratio]) -> set[str]:
    """Every measure of a grid, a region or the county; a person's reach and the site
    measures of the sites assigned to them (none assigned: reach only)."""
    if level != Level.PERSON:
        return set(MEASURES)
    return {figures.REACHED.key} | {k for k, r in ratios.items() if r.denominator}


def _live(
    day: dt.date, level: str, grid_id: int | None, staff_id: int | None, region_id: int | None
) -> dict[str, Ratio]:
    if level == Level.PERSON:
        people = figures.compute_people(day, [staff_id or 0])
        return {key: by.get(staff_id or 0, figures.ZERO) for key, by in people.items()}
    results = figures.compute(day)
    if level == Level.COUNTY:
        return {k: results.county(k) for k in results.grids}
    ids = (
        set(Grid.objects.filter(region_id=region_id).values_list("pk", flat=True))
        if region_id is not None
        else {grid_id}
    )
    out: dict[str, Ratio] = {}
    for key, by_grid in results.grids.items():
        total = figures.ZERO
        for g, ratio in by_grid.items():
            if g in ids:
                total = total + ratio
        out[key] = total
    return out


def trend(
    *,
    user: Any,
    measures: list[str],
    grid_id: int | None = None,
    staff_id: int | None = None,
    region_id: int | None = None,
    days: int = TREND_DAYS,
    until: dt.date | None = None,
) -> dict[str, list[tuple[dt.date, Ratio]]]:
    """Each measure's daily series over the last `days` days (snapshots only: history)."""
    level = (
        Level.PERSON
        if staff_id is not None
        else Level.GRID
        if grid_id is not None or region_id is not None
        else Level.COUNTY
    )
    until = until or clock.today()
    since = until - dt.timedelta(days=days - 1)
    rows = (
        snapshots(user)
        .filter(
            _where(level, grid_id, staff_id, region_id),
            measure__in=measures,
            day__gte=since,
            day__lte=until,
        )
        .values("measure", "day")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by("measure", "day")
    )
    out: dict[str, list[tuple[dt.date, Ratio]]] = defaultdict(list)
    for r in rows:
        out[r["measure"]].append((r["day"], Ratio(int(r["n"]), int(r["d"]))))
    return {m: out.get(m, []) for m in measures}


@dataclass(frozen=True)
class Ranked:
    key: int
    code: str
    name: str
    ratio: Ratio


def ranking(
    *,
    user: Any,
    measure: str,
    on: dt.date,
    level: str = Level.GRID,
    region_id: int | None = None,
    grid_id: int | None = None,
) -> list[Ranked]:
    """Grids (of a region) or people (of a grid) by the measure on a day, best first."""
    qs = snapshots(user).filter(level=level, measure=measure, day=on)
    if region_id is not None:
        qs = qs.filter(grid__region_id=region_id)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if level == Level.PERSON:
        rows = qs.values_list(
            "staff_id", "staff__employee_no", "staff__name", "numerator", "denominator"
        )
    else:
        rows = qs.values_list("grid_id", "grid__code", "grid__name", "numerator", "denominator")
    ranked = [Ranked(k, c, n, Ratio(a, b)) for k, c, n, a, b in rows]
    ranked.sort(key=lambda r: (-(r.ratio.value or 0.0), -r.ratio.denominator, r.code))
    return ranked


@dataclass(frozen=True)
class PersonFigures:
    """One person's figures on a day: reach of the customers they own, the site measures
    of the sites assigned to them to survey (absent: none assigned)."""

    key: int
    code: str
    name: str
    grid_id: int | None
    ratios: dict[str, Ratio]

    @property
    def cells(self) -> list[tuple[Measure, Ratio | None]]:
        return [(m, self.ratios.get(m.key)) for m in MEASURES.values()]


def _by_reach(rows: list[PersonFigures]) -> list[PersonFigures]:
    def order(p: PersonFigures) -> tuple[float, int, str]:
        r = p.ratios.get(figures.REACHED.key, figures.ZERO)
        return (-(r.value or 0.0), -r.denominator, p.code)

    return sorted(rows, key=order)


def snapshot_taken(on: dt.date) -> bool:
    """Whether the nightly job stored that day (whose rows one sees is the scope's)."""
    return Snapshot.objects.filter(day=on).exists()


def people_figures(*, user: Any, on: dt.date, grid_id: int | None = None) -> list[PersonFigures]:
    """Each person's figures on a day's snapshot, best reach first: a grid's people (by
    their primary grid that day) or every person the user may see; the snapshots' scope
    decides whose (a grid manager their team, the others themselves)."""
    qs = snapshots(user).filter(level=Level.PERSON, day=on)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    rows = qs.order_by().values_list(
        "staff_id",
        "staff__employee_no",
        "staff__name",
        "grid_id",
        "measure",
        "numerator",
        "denominator",
    )
    people: dict[int, PersonFigures] = {}
    for staff_id, code, name, grid, measure, n, d in rows:
        p = people.get(staff_id)
        if p is None:
            p = people[staff_id] = PersonFigures(staff_id, code, name, grid, {})
        p.ratios[measure] = Ratio(n, d)
    return _by_reach(list(people.values()))


def people_live(*, user: Any, on: dt.date, grid_id: int | None = None) -> list[PersonFigures]:
    """`people_figures` computed afresh (a day without a snapshot), for the people the
    user may see: a grid's team (`team_of`), or, without a grid, everyone with a primary
    grid for the market department (nobody for the others)."""
    primary: dict[int, int | None]
    if grid_id is not None:
        team = team_of(user, grid_id)
        primary = {p.pk: grid_id for p in team}
    elif scope_for(user).everything:
        from wangge.org.models import GridMembership

        members = GridMembership.objects.filter(is_primary=True)
        primary = dict(members.values_list("staff_id", "grid_id"))
        team = list(Staff.objects.filter(pk__in=primary).order_by("name", "pk"))
    else:
        return []
    computed = figures.compute_people(on, [p.pk for p in team])
    rows = []
    for p in team:
        ratios = {key: by[p.pk] for key, by in computed.items() if p.pk in by}
        if ratios:
            rows.append(PersonFigures(p.pk, p.employee_no, p.name, primary.get(p.pk), ratios))
    return _by_reach(rows)


def team_split(
    user: Any, grid_id: int, on: dt.date | None, team: list[Staff]
) -> list[PersonFigures]:
    """The grid dashboard's split per team member: each person's row of every figure on
    the snapshot's day, then the team members without figures (no customers owned, no
    sites assigned). Without a snapshot (the page computes nothing live): none."""
    if on is None:
        return []
    rows = people_figures(user=user, on=on, grid_id=grid_id)
    seen = {r.key for r in rows}
    rows += [
        PersonFigures(p.pk, p.employee_no, p.name, grid_id, {}) for p in team if p.pk not in seen
    ]
    return rows


# --- who may see which level -------------------------------------------------------------


def grid_visible(user: Any, grid_id: int) -> Grid | None:
    scope = scope_for(user)
    if scope.own_records_only or not (scope.everything or grid_id in scope.grid_ids):
        return None
    return Grid.objects.filter(pk=grid_id).first()


def person_visible(user: Any, staff_id: int) -> Staff | None:
    """One's own figures; a grid manager's team's (their primary grid); the market
    department's everyone's."""
    scope = scope_for(user)
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        return None
    if scope.everything or scope.staff_id == staff_id:
        return staff
    grids = set(staff.memberships.filter(is_primary=True).values_list("grid_id", flat=True))
    return staff if grids & set(scope.managed_grid_ids) else None


def region_list() -> list[Region]:
    return list(Region.objects.order_by("code"))


def grids_of(user: Any, region_id: int | None = None) -> list[Grid]:
    qs = Grid.objects.visible_to(user).filter(is_active=True).order_by("code")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    return list(qs)


def team_of(user: Any, grid_id: int) -> list[Staff]:
    """The grid's people whose figures the user may see."""
    people = Staff.objects.filter(memberships__grid_id=grid_id, memberships__is_primary=True)
    scope = scope_for(user)
    if not (scope.everything or grid_id in scope.managed_grid_ids):
        people = people.filter(pk=scope.staff_id or 0)
    return list(people.order_by("name", "pk").distinct())


def competitor_shares(
    *, grid_id: int | None = None, site_id: int | None = None
) -> list[dict[str, Any]]:
    """Market share against each named competitor in a grid's or a site's household sites:
    ours (subscribers) and theirs (intelligence's estimates), each over the sum. The
    caller has checked the grid or site is the user's."""
    from wangge.crm.models import CompetitorIntel
    from wangge.territory.models import Site

    sites = Site.objects.filter(kind__in=figures.HOUSEHOLD_KINDS)
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    if site_id is not None:
        sites = sites.filter(pk=site_id)
    ours = int(sites.aggregate(n=Sum("customers"))["n"] or 0)
    theirs = list(
        CompetitorIntel.objects.filter(site__in=sites)
        .values("competitor__name")
        .annotate(n=Sum("customers_estimate"))
        .order_by("competitor__name")
    )
    total = ours + sum(int(r["n"] or 0) for r in theirs)
    rows = [{"name": None, "customers": ours, "ratio": Ratio(ours, total)}]
    rows += [
        {
            "name": r["competitor__name"],
            "customers": int(r["n"] or 0),
            "ratio": Ratio(int(r["n"] or 0), total),
        }
        for r in theirs
    ]
    return rows


def home_grid(user: Any) -> int | None:
    """The grid whose figures a person's pages open on: their primary grid."""
    scope = scope_for(user)
    if scope.staff_id is None or scope.own_records_only:
        return None
    from wangge.org.models import GridMembership

    return (
        GridMembership.objects.filter(staff_id=scope.staff_id, is_primary=True)
        .values_list("grid_id", flat=True)
        .first()
    )


class TargetKw(TypedDict):
    grid_id: int | None
    staff_id: int | None
    region_id: int | None


@dataclass(frozen=True)
class Target:
    """Whose figures: the county (all None), a region, a grid or a person."""

    grid: Grid | None = None
    staff: Staff | None = None
    region: Region | None = None

    @property
    def kw(self) -> TargetKw:
        return {
            "grid_id": self.grid.pk if self.grid else None,
            "staff_id": self.staff.pk if self.staff else None,
            "region_id": self.region.pk if self.region else None,
        }

    @property
    def level(self) -> str:
        return (
            "person"
            if self.staff
            else "grid"
            if self.grid
            else "region"
            if self.region
            else "county"
        )


def target_for(
    user: Any,
    *,
    grid_id: int | None = None,
    staff_id: int | None = None,
    region_id: int | None = None,
    default_home: bool = True,
) -> Target:
    """The figures the user asked for, when they may see them: PermissionDenied otherwise
    (answered 404). Without a target, the county for the market department and one's
    primary grid for the others (`default_home`)."""
    from django.core.exceptions import PermissionDenied

    from wangge.core.permissions import can
    from wangge.insights.permissions import Action

    if not can(user, Action.VIEW):
        raise PermissionDenied
    if staff_id is not None:
        staff = person_visible(user, staff_id)
        if staff is None:
            raise PermissionDenied
        return Target(staff=staff)
    if grid_id is not None:
        grid = grid_visible(user, grid_id)
        if grid is None:
            raise PermissionDenied
        return Target(grid=grid)
    if region_id is not None:
        region = Region.objects.filter(pk=region_id).first()
        if region is None or not can(user, Action.COUNTY):
            raise PermissionDenied
        return Target(region=region)
    if can(user, Action.COUNTY):
        return Target()
    home = home_grid(user) if default_home else None
    if home is None:
        raise PermissionDenied
    return Target(grid=Grid.objects.get(pk=home))
