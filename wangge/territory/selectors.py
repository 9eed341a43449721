"""Reads of sites and grid plans, scoped to the acting user."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from wangge.org.models import Grid
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import GridPlan, PlanGrid, Site, SiteAssignment


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


def plan_list(*, user: Any) -> QuerySet[GridPlan]:
    return GridPlan.objects.visible_to(user).select_related("created_by")


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
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)


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
            getattr(row, side).update({a: g.totals.get(a, 0) for a in BALANCE_ATTRIBUTES})
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
