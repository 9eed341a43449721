"""Reads of the asset register and inspections for users: each takes the acting user and
is scoped (`visible_to`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.params import choice_param, flag_param, int_param, text_param
from wangge.org.models import Grid
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.services.assets_capacity import Capacity, capacity_rows
from wangge.territory.models import Site


def list_filters(params: Any) -> dict[str, Any]:
    """The asset list's filters read from a query string (the page, its map, its export)."""
    return {
        "q": text_param(params, "q"),
        "grid_id": int_param(params, "grid"),
        "site_id": int_param(params, "site"),
        "kind": choice_param(params, "kind", Asset.Kind),
        "state": choice_param(params, "state", Asset.State),
        "has_free": flag_param(params, "free"),
    }


def asset_list(
    *,
    user: Any,
    q: str = "",
    grid_id: int | None = None,
    site_id: int | None = None,
    kind: str = "",
    state: str = "",
    has_free: bool = False,
) -> QuerySet[Asset]:
    qs = Asset.objects.visible_to(user).select_related("site", "grid")
    if q:
        qs = qs.filter(Q(code__iexact=q) | Q(code__istartswith=q) | Q(site__name__icontains=q))
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if has_free:
        qs = qs.filter(ports_used__lt=F("ports_total"))
    return qs.order_by("code")


def asset_detail(*, user: Any, pk: int | None = None, code: str | None = None) -> Asset:
    qs = Asset.objects.visible_to(user).select_related("site", "grid")
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def asset_inspections(*, user: Any, asset: Asset) -> QuerySet[Inspection]:
    return (
        Inspection.objects.visible_to(user)
        .filter(asset=asset)
        .select_related("assignee", "done_by")
        .defer("photo")
        .order_by("-due_on", "-id")
    )


def inspection_list(
    *,
    user: Any,
    mine: bool = False,
    grid_id: int | None = None,
    asset_id: int | None = None,
    status: str = "",
    due_by: dt.date | None = None,
    finding: str = "",
) -> QuerySet[Inspection]:
    """`status`: open, done, overdue (open past its due day) or "" (all)."""
    qs = (
        Inspection.objects.visible_to(user)
        .select_related("asset", "asset__site", "assignee", "grid")
        .defer("photo")
    )
    if mine:
        qs = qs.filter(assignee_id=scope_for(user).staff_id or -1)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if asset_id is not None:
        qs = qs.filter(asset_id=asset_id)
    if status == "open":
        qs = qs.filter(done_on__isnull=True)
    elif status == "done":
        qs = qs.filter(done_on__isnull=False)
    elif status == "overdue":
        qs = qs.filter(done_on__isnull=True, due_on__lt=clock.today())
    if due_by is not None:
        qs = qs.filter(due_on__lte=due_by)
    if finding:
        qs = qs.filter(finding=finding)
    return qs.order_by("due_on", "id")


def my_today(*, user: Any) -> QuerySet[Inspection]:
    """A technician's inspections to do today: open, assigned to them, due by today."""
    return inspection_list(user=user, mine=True, status="open", due_by=clock.today())


def inspection_detail(*, user: Any, pk: int) -> Inspection:
    found = (
        Inspection.objects.visible_to(user)
        .select_related("asset", "asset__site", "assignee", "done_by", "grid")
        .defer("photo")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def schedule_list(*, user: Any) -> QuerySet[InspectionSchedule]:
    return InspectionSchedule.objects.visible_to(user).select_related("grid")


# --- capacity ---------------------------------------------------------------------------------


def site_capacity(*, user: Any, site_id: int) -> Capacity:
    return capacity_rows(Asset.objects.visible_to(user).filter(site_id=site_id)).get(
        site_id, Capacity()
    )


@dataclass(frozen=True)
class GridCapacity:
    grid: Grid
    sites: int  # sites with assets
    free_ports: int
    covered_households: int


def grid_capacity(*, user: Any, grid_id: int | None = None) -> list[GridCapacity]:
    """Per visible grid, over its sites with assets: the free ports and covered households
    the register gives them (`Site.free_ports`, `Site.covered_households`, kept equal to
    the register by `site_capacity_refresh`: the figures grid balancing reads). One query
    on the sites, not a pass over every asset."""
    sites = Site.objects.visible_to(user).filter(
        grid__isnull=False, pk__in=Asset.objects.values("site_id")
    )
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    rows = {
        r["grid_id"]: r
        for r in sites.order_by()
        .values("grid_id")
        .annotate(n=Count("id"), free=Sum("free_ports"), covered=Sum("covered_households"))
    }
    grids = Grid.objects.filter(pk__in=rows).order_by("code")
    return [
        GridCapacity(
            grid=g,
            sites=rows[g.pk]["n"],
            free_ports=rows[g.pk]["free"] or 0,
            covered_households=rows[g.pk]["covered"] or 0,
        )
        for g in grids
    ]


# --- coverage (KPI) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    grid: Grid
    due: int  # tasks due in the period by today
    on_time: int
    late: int
    overdue: int  # still open past their day

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def coverage(
    *, user: Any, start: dt.date, end: dt.date, grid_id: int | None = None
) -> list[Coverage]:
    """Inspection plan coverage per visible grid: of the tasks due between `start` and
    `end` (and by today), how many were done on their day or before."""
    today = clock.today()
    last = min(end, today)
    scope = scope_for(user)
    qs = Inspection.objects.filter(due_on__gte=start, due_on__lte=last)
    if not scope.authenticated or scope.own_records_only:
        qs = qs.none()
    elif not scope.everything:
        # The rows are grids the person sees (below): the scope's "or assigned to me"
        # would only add tasks of other grids, dropped there, and make the read an OR
        # that walks the whole county's month instead of the grids' (grid, due) range.
        qs = qs.filter(grid_id__in=scope.grid_ids)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    rows = {
        r["grid_id"]: r
        for r in qs.order_by()
        .values("grid_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(done_on__isnull=False, done_on__lte=F("due_on"))),
            late=Count("id", filter=Q(done_on__gt=F("due_on"))),
            overdue=Count("id", filter=Q(done_on__isnull=True, due_on__lt=today)),
        )
    }
    grids = Grid.objects.visible_to(user).filter(pk__in=rows).order_by("code")
    return [
        Coverage(
            grid=g,
            due=rows[g.pk]["due"],
            on_time=rows[g.pk]["on_time"],
            late=rows[g.pk]["late"],
            overdue=rows[g.pk]["overdue"],
        )
        for g in grids
    ]
