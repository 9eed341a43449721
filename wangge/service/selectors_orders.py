"""Reads of work orders, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.http import Http404

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.org.models import Grid, Staff
from wangge.service.models import (
    OrderKind,
    OrderState,
    SlaDay,
    WorkOrder,
    WorkOrderPhoto,
    WorkOrderStep,
)

_LIST_RELATED = ("site", "customer", "assignee", "grid")


def order_list(
    *,
    user: Any,
    q: str = "",
    state: str | None = None,
    kind: str | None = None,
    grid_id: int | None = None,
    assignee_id: int | None = None,
    customer_id: int | None = None,
    site_id: int | None = None,
    mine: bool = False,
    open_only: bool = False,
    overdue: bool = False,
    source_ref: str = "",
) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.visible_to(user).select_related(*_LIST_RELATED)
    if q:
        qs = qs.filter(
            Q(code__iexact=q) | Q(contact_name__icontains=q) | Q(customer__name__icontains=q)
        )
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if source_ref:
        qs = qs.filter(source_ref=source_ref)
    if mine:
        qs = qs.filter(assignee_id=scope_for(user).staff_id or 0)
    if open_only:
        qs = qs.filter(state__in=WorkOrder.OPEN_STATES)
    if overdue:
        qs = qs.overdue(clock.now())
    return qs


def order_detail(*, user: Any, pk: int | None = None, code: str = "") -> WorkOrder:
    qs = WorkOrder.objects.visible_to(user).select_related(
        *_LIST_RELATED, "product", "created_by", "subscription__plan"
    )
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def order_steps(*, order: WorkOrder) -> QuerySet[WorkOrderStep]:
    return order.steps.select_related("assignee").order_by("at", "id")


def order_photos(*, order: WorkOrder) -> QuerySet[WorkOrderPhoto]:
    return order.photos.defer("data").order_by("id")


def photo_detail(*, user: Any, pk: int) -> WorkOrderPhoto:
    found = WorkOrderPhoto.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


#: What a card on the board or the phone shows (a row's other columns are not read).
_CARD_FIELDS = (
    "code",
    "kind",
    "state",
    "due_at",
    "met_at",
    "on_time",
    "grid_id",
    "assignee_id",
    "site__name",
    "customer__name",
)


def technician_list(*, user: Any, staff_id: int, limit: int = 30) -> list[WorkOrder]:
    """A technician's open orders, the most urgent first (deadline order).

    One query per open state, each read in deadline order from the (assignee, state,
    due_at) index and cut at `limit`, then merged: a single query over the four states
    would sort all of a busy technician's open orders before cutting."""
    base = (
        WorkOrder.objects.visible_to(user)
        .select_related("site", "customer")
        .only(*_CARD_FIELDS, "address", "description", "contact_phone", "site__lat", "site__lon")
    )
    runs = [
        list(base.filter(assignee_id=staff_id, state=state).order_by("due_at", "id")[:limit])
        for state in WorkOrder.OPEN_STATES
    ]
    merged = heapq.merge(*runs, key=lambda o: (o.due_at, o.pk))
    return list(itertools.islice(merged, limit))


def _column(qs: QuerySet[WorkOrder], now: dt.datetime, limit: int) -> list[WorkOrder]:
    """Overdue first (deadline order), then the rest by deadline: two index-ordered reads
    instead of sorting the whole column on a computed key."""
    late = Q(met_at__isnull=True, due_at__lt=now)
    first = list(qs.filter(late).order_by("due_at", "id")[:limit])
    if len(first) < limit:
        first += list(qs.exclude(late).order_by("due_at", "id")[: limit - len(first)])
    return first


@dataclass
class Board:
    columns: list[tuple[str, Any, list[WorkOrder]]]
    by_person: list[dict[str, Any]]
    overdue: int


def board(*, user: Any, grid_id: int | None = None, per_column: int = 20) -> Board:
    """The manager's board: open orders by state (overdue first, then by deadline) and a
    count per technician.

    The board is about grids: the rows are those of the grids the user sees (not the odd
    order of another grid assigned to them), filtered on the grid alone so that each column
    is read in deadline order from the board index and cut at `per_column`; the scope's
    "or assigned to me" would make every column an OR of two indexes, all its overdue rows
    gathered and sorted before the cut."""
    now = clock.now()
    scope = scope_for(user)
    mine = WorkOrder.objects.all()
    if not scope.authenticated or scope.own_records_only:
        mine = mine.none()
    elif not scope.everything:
        mine = mine.filter(grid_id__in=scope.grid_ids)
    if grid_id:
        mine = mine.filter(grid_id=grid_id)
    columns = []
    for state in WorkOrder.OPEN_STATES:
        # The column's one state alone: with the open states' IN beside it, PostgreSQL
        # multiplied the two and expected 22 rows where there were 1,800, joined them all
        # to customers and sites and sorted them before the cut.
        qs = (
            mine.filter(state=state)
            .select_related("site", "customer", "assignee")
            .only(*_CARD_FIELDS, "assignee__name")
        )
        columns.append((str(state), OrderState(state).label, _column(qs, now, per_column)))
    # Grouped on the board index alone (assignee, deadline and met in it: counting rows
    # and deadlines, not ids, lets PostgreSQL answer from the index only); the names are
    # read after; the overdue total is the sum of the people's.
    counts = list(
        mine.filter(state__in=WorkOrder.OPEN_STATES)
        .values("assignee_id")
        .annotate(
            total=Count("*"),
            late=Count("due_at", filter=Q(met_at__isnull=True, due_at__lt=now)),
        )
        .order_by()
    )
    names = dict(
        Staff.objects.filter(
            pk__in=[c["assignee_id"] for c in counts if c["assignee_id"]]
        ).values_list("pk", "name")
    )
    for c in counts:
        c["assignee__name"] = names.get(c["assignee_id"], "")
    by_person = sorted(counts, key=lambda c: (-c["late"], -c["total"], c["assignee__name"]))[:100]
    overdue = sum(c["late"] for c in counts)
    return Board(columns=columns, by_person=by_person, overdue=overdue)


def _months(since: dt.date, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[first, last] of each calendar month touching [since, until], clipped to it."""
    out = []
    day = since
    while day <= until:
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        out.append((day, min(until, nxt - dt.timedelta(days=1))))
        day = nxt
    return out


def _rate(on_time: int, total: int) -> float | None:
    return round(100 * on_time / total, 1) if total else None


def sla_dashboard(*, user: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    """On-time rate of the orders whose SLA fell due in [since, until], by kind, by grid
    and by month. Counted: orders met (on time or late) and open ones past their deadline
    (late); open ones not yet due are not counted either way, nor cancelled ones.

    The figures are about grids: a manager's are their grids' (not the odd order of another
    grid assigned to them). The met orders are summed from the daily summary (`SlaDay`, kept
    by the order services); the unmet ones past their deadline are counted live, from the
    unmet-deadline index alone. One grouped read of each per month, rolled up here."""
    scope = scope_for(user)
    summary = SlaDay.objects.all()
    unmet = WorkOrder.objects.filter(met_at__isnull=True, grid__isnull=False).exclude(
        state=OrderState.CANCELLED
    )
    if not scope.authenticated or scope.own_records_only:
        summary, unmet = summary.none(), unmet.none()
    elif not scope.everything:
        summary = summary.filter(grid_id__in=scope.grid_ids)
        unmet = unmet.filter(grid_id__in=scope.grid_ids)
    now = clock.now()
    by_kind: dict[str, list[int]] = {}
    by_grid: dict[int | None, list[int]] = {}
    by_month = []
    for first, last in _months(since, until):
        start = clock.start_of_day(first)
        end = min(clock.start_of_day(last + dt.timedelta(days=1)), now)
        month = [0, 0]
        rows = list(
            summary.filter(day__gte=first, day__lte=last)
            .values("kind", "grid_id")
            .annotate(total=Sum("met"), on_time=Sum("on_time"))
            .order_by()
        )
        if start < end:
            rows += (
                unmet.filter(due_at__gte=start, due_at__lt=end)
                .values("kind", "grid_id")
                .annotate(total=Count("id"), on_time=Value(0))
                .order_by()
            )
        for r in rows:
            for bucket in (
                by_kind.setdefault(r["kind"], [0, 0]),
                by_grid.setdefault(r["grid_id"], [0, 0]),
                month,
            ):
                bucket[0] += r["total"]
                bucket[1] += r["on_time"]
        if month[0]:
            by_month.append(
                {
                    "month": first,
                    "total": month[0],
                    "on_time": month[1],
                    "rate": _rate(month[1], month[0]),
                }
            )
    kinds = list(OrderKind.values)
    labels = dict(OrderKind.choices)
    grids = {g.pk: g for g in Grid.objects.filter(pk__in=[g for g in by_grid if g])}
    kind_rows = [
        {"kind": k, "label": labels.get(k, k), "total": t, "on_time": o, "rate": _rate(o, t)}
        for k, (t, o) in sorted(by_kind.items(), key=lambda kv: kinds.index(kv[0]))
    ]
    grid_rows = [
        {
            "grid__code": grids[g].code if g in grids else "—",
            "grid__name": grids[g].name if g in grids else "",
            "total": t,
            "on_time": o,
            "rate": _rate(o, t),
        }
        for g, (t, o) in sorted(
            by_grid.items(), key=lambda kv: grids[kv[0]].code if kv[0] in grids else ""
        )
    ]
    total = sum(t for t, _o in by_kind.values())
    on_time = sum(o for _t, o in by_kind.values())
    return {
        "by_kind": kind_rows,
        "by_grid": grid_rows,
        "by_month": by_month,
        "total": {"total": total, "on_time": on_time, "rate": _rate(on_time, total)},
    }
