"""Reads of sites and grid plans, scoped to the acting user."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from wangge.core.permissions import can, require
from wangge.org.models import Grid
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.freshness import resurvey_cutoff
from wangge.territory.models import (
    SURVEYED_KINDS,
    GridPlan,
    PlanGrid,
    Site,
    SiteAssignment,
    SurveyAssignment,
)
from wangge.territory.permissions import Action


def site_list(
    *,
    user: Any,
    q: str = "",
    kind: str = "",
    grid_id: int | None = None,
    outside: bool = False,
) -> QuerySet[Site]:
    qs = Site.objects.visible_to(user).select_related("grid", "region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if outside:
        qs = qs.filter(grid__isnull=True)
    return qs


# Grid plans are the market department's working material (网格划分 is its job): planners
# (`EDIT_PLANS`) see every plan with the county's figures. Grid managers may read the plans in
# force and past ones (`VIEW_PLANS`), but only their own grids' rows and shapes, without the
# county-wide summary; everyone else has the grid map and their grid's pages, and no plans
# (404). Pages and the API read plans only through these functions, so they agree.


def plan_list(*, user: Any) -> QuerySet[GridPlan]:
    require(user, Action.VIEW_PLANS)
    return GridPlan.objects.visible_to(user).select_related("created_by")


def plan_detail(*, user: Any, pk: int) -> GridPlan:
    """A plan the user may read; missing, unseen and not allowed all answer 404."""
    require(user, Action.VIEW_PLANS)
    return get_object_or_404(GridPlan.objects.visible_to(user), pk=pk)


def plan_grid_ids(*, user: Any) -> set[int] | None:
    """The grids whose figures the user may read in a plan (None: all of them)."""
    if plan_figures_visible(user=user):
        return None
    return set(Grid.objects.visible_to(user).values_list("id", flat=True))


def plan_grids(*, user: Any, plan: GridPlan) -> QuerySet[PlanGrid]:
    """The plan's grids with their totals, limited to those the user may read."""
    qs = plan.grids.select_related("grid").order_by("code")
    ids = plan_grid_ids(user=user)
    return qs if ids is None else qs.filter(grid_id__in=ids)


def plan_figures_visible(*, user: Any) -> bool:
    """May the user read a plan's county-wide figures (balance, overlaps, sites outside)?"""
    return can(user, Action.EDIT_PLANS)


def plan_summary(*, user: Any, plan: GridPlan) -> dict[str, Any]:
    """The plan's county-wide figures, for planners only (others get none).

    A frontier not yet chosen from keeps every point's assignment (a number per unit, tens
    of thousands per point) in the summary: those stay out, with the unit ids they align
    with; one point's assignment is read on request (`frontier_point`).
    """
    if not plan_figures_visible(user=user):
        return {}
    summary = plan.summary or {}
    data = summary.get("frontier")
    if not data:
        return summary
    brief = {k: v for k, v in data.items() if k != "site_ids"}
    brief["points"] = [
        {k: v for k, v in pt.items() if k != "assignment"} for pt in data.get("points") or []
    ]
    return {**summary, "frontier": brief}


def frontier_point(*, user: Any, plan: GridPlan, index: int) -> dict[str, Any] | None:
    """Point `index` (0-based) of the plan's frontier with its assignment: the unit ids and
    each one's grid number (1…k); None when the plan has no such point (or it was chosen, and
    the assignments dropped). Planners only."""
    require(user, Action.EDIT_PLANS)
    data = (plan.summary or {}).get("frontier") or {}
    points = data.get("points") or []
    if not 0 <= index < len(points) or "assignment" not in points[index]:
        return None
    point = points[index]
    return {
        **{k: v for k, v in point.items() if k != "assignment"},
        "index": index,
        "site_ids": list(data.get("site_ids") or []),
        "assignment": [int(g) + 1 for g in point["assignment"]],
    }


#: Above this share of units moved, starting from the plan in force bought little stability.
WARM_START_NOTE_SHARE = 0.3


def warm_start_moved_share(plan: GridPlan) -> float | None:
    """The share of units an automatic plan started from the plan in force ("尽量少调整")
    still moved, when it is so large that the start bought little stability: the old grids'
    cores stay put and grow tendrils to reach the balance. On the demo (current grids ±295%
    off on households) it moves 68% of the units (54% after matching grid labels; starting
    from scratch moves 49%) and mean Polsby-Popper falls from 0.46 to 0.19, hull fill from
    0.85 to 0.62 (bench/compactness.py). None when there is nothing to say."""
    moved = (plan.summary.get("partition") or {}).get("moved") or 0
    units = plan.summary.get("sites") or 0
    if not plan.params.get("stable") or plan.based_on_id is None or not units:
        return None
    share = moved / units
    return share if share > WARM_START_NOTE_SHARE else None


def plan_geojson(*, user: Any, plan: GridPlan) -> dict[str, Any]:
    return plan_feature_collection(plan, grid_ids=plan_grid_ids(user=user))


def plan_feature_collection(plan: GridPlan, *, grid_ids: set[int] | None = None) -> dict[str, Any]:
    """The plan's grids as GeoJSON, with their totals and deviations as properties."""
    features = []
    for g in plan.grids.order_by("code"):
        if grid_ids is not None and g.grid_id not in grid_ids:
            continue
        if not g.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "id": g.code,
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "grid_id": g.grid_id,
                    "compactness": g.compactness,
                    **g.totals,
                },
                "geometry": g.boundary,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def active_plan_features(*, user: Any) -> dict[str, Any]:
    """The active plan's grids the user may see (a grid manager: their grids)."""
    plan = GridPlan.objects.active()
    if plan is None:
        return {"type": "FeatureCollection", "features": []}
    visible = set(Grid.objects.visible_to(user).values_list("id", flat=True))
    return plan_feature_collection(plan, grid_ids=visible)


def grid_on(*, site: Site, day: dt.date) -> Grid | None:
    """The grid a site belonged to on `day`, for attributing past work correctly."""
    plan = GridPlan.objects.in_force_on(day)
    if plan is None:
        return None
    row = SiteAssignment.objects.filter(plan=plan, site=site).select_related("plan_grid__grid")
    a = row.first()
    return a.plan_grid.grid if a and a.plan_grid else None


@dataclass
class BalanceRow:
    code: str
    name: str
    # attribute -> total, "<attribute>_dev" -> relative deviation from the plan's mean,
    # "compactness" (Polsby-Popper) and "hull_fill" (compactness.py) per side
    before: dict[str, float | None] = field(default_factory=dict)
    after: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Comparison:
    plan: GridPlan
    base: GridPlan | None
    rows: list[BalanceRow]
    moves: list[tuple[str, str, int, int]]  # from code, to code, sites, customers
    moved_sites: list[tuple[Site, str, str]]
    moved_count: int
    moved_customers: int
    base_balance: dict[str, Any]
    plan_balance: dict[str, Any]


def plan_compare(plan: GridPlan, base: GridPlan | None, *, limit: int = 300) -> Comparison:
    """Balance before/after by grid code, and which sites move from which grid to which."""

    def codes(p: GridPlan | None) -> dict[int, str]:
        if p is None:
            return {}
        return dict(
            p.assignments.filter(plan_grid__isnull=False).values_list("site_id", "plan_grid__code")
        )

    new, old = codes(plan), codes(base)
    flows: Counter[tuple[str, str]] = Counter()
    flow_customers: Counter[tuple[str, str]] = Counter()
    customers = dict(Site.objects.values_list("id", "customers"))
    moved_ids = []
    for site_id in set(new) | set(old):
        a, b = old.get(site_id, "—"), new.get(site_id, "—")
        if a != b:
            flows[(a, b)] += 1
            flow_customers[(a, b)] += customers.get(site_id, 0)
            moved_ids.append(site_id)
    moved_ids.sort()
    sites = Site.objects.in_bulk(moved_ids[:limit])
    rows: dict[str, BalanceRow] = {}
    for p, side in ((base, "before"), (plan, "after")):
        if p is None:
            continue
        for g in PlanGrid.objects.filter(plan=p):
            row = rows.setdefault(g.code, BalanceRow(g.code, g.name))
            figures = getattr(row, side)
            for a in BALANCE_ATTRIBUTES:
                figures[a] = g.totals.get(a, 0)
                figures[f"{a}_dev"] = g.totals.get(f"{a}_dev")
            figures["compactness"] = g.compactness
            figures["hull_fill"] = g.totals.get("hull_fill")
    return Comparison(
        plan=plan,
        base=base,
        rows=sorted(rows.values(), key=lambda r: r.code),
        moves=sorted(
            ((a, b, n, flow_customers[(a, b)]) for (a, b), n in flows.items()), key=lambda m: -m[2]
        ),
        moved_sites=[
            (sites[i], old.get(i, "—"), new.get(i, "—")) for i in moved_ids[:limit] if i in sites
        ],
        moved_count=len(moved_ids),
        moved_customers=sum(flow_customers.values()),
        base_balance=(base.summary.get("balance", {}) if base else {}),
        plan_balance=plan.summary.get("balance", {}),
    )


# --- survey assignment and progress -----------------------------------------------------------


@dataclass(frozen=True)
class SurveyProgress:
    """Of the sites assigned (to a person, or in a grid), how many were surveyed (verified)
    since `since`; `unassigned`: surveyable sites of the grid nobody has (grids only)."""

    key: Any
    label: str
    assigned: int
    surveyed: int
    unassigned: int = 0

    @property
    def share(self) -> float | None:
        return self.surveyed / self.assigned if self.assigned else None


def survey_since() -> dt.datetime:
    """The start of the survey period: a site verified since is surveyed (待复核 rule)."""
    return resurvey_cutoff()


def survey_assignments(
    *, user: Any, grid_id: int | None = None, assignee_id: int | None = None
) -> QuerySet[SurveyAssignment]:
    require(user, Action.VIEW_SITES)
    qs = SurveyAssignment.objects.visible_to(user).select_related("site", "assignee")
    if grid_id:
        qs = qs.filter(site__grid_id=grid_id)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    return qs.order_by("site__verified_at", "site__code")


def surveyable_sites(*, user: Any, grid_id: int) -> QuerySet[Site]:
    """The grid's estates and premises, with their assignment, oldest survey first."""
    require(user, Action.VIEW_SITES)
    return (
        Site.objects.visible_to(user)
        .filter(grid_id=grid_id, kind__in=SURVEYED_KINDS)
        .select_related("survey__assignee", "verified_by")
        .order_by(F("verified_at").asc(nulls_first=True), "code")
    )


def survey_progress(
    *, user: Any, grid_ids: list[int] | None = None, since: dt.datetime | None = None
) -> tuple[list[SurveyProgress], list[SurveyProgress]]:
    """Progress per grid and per person over the grids the user sees (or `grid_ids`):
    two grouped queries, whatever the number of sites."""
    require(user, Action.VIEW_SITES)
    since = since or survey_since()
    sites = Site.objects.visible_to(user).filter(kind__in=SURVEYED_KINDS, grid__isnull=False)
    if grid_ids is not None:
        sites = sites.filter(grid_id__in=grid_ids)
    fresh = Q(verified_at__gte=since)
    by_grid = (
        sites.values("grid_id", "grid__code", "grid__name")
        .annotate(
            total=Count("id"),
            assigned=Count("survey"),
            surveyed=Count("survey", filter=fresh),
        )
        .order_by("grid__code")
    )
    grids = [
        SurveyProgress(
            key=row["grid_id"],
            label=f"{row['grid__code']} {row['grid__name']}",
            assigned=row["assigned"],
            surveyed=row["surveyed"],
            unassigned=row["total"] - row["assigned"],
        )
        for row in by_grid
    ]
    by_person = (
        sites.filter(survey__isnull=False)
        .values("survey__assignee_id", "survey__assignee__name")
        .annotate(assigned=Count("id"), surveyed=Count("id", filter=fresh))
        .order_by("survey__assignee__name", "survey__assignee_id")
    )
    people = [
        SurveyProgress(
            key=row["survey__assignee_id"],
            label=row["survey__assignee__name"],
            assigned=row["assigned"],
            surveyed=row["surveyed"],
        )
        for row in by_person
    ]
    return grids, people
