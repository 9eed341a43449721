"""Reads of work orders, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.http import Http404

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.service.models import OrderKind, OrderState, WorkOrder, WorkOrderPhoto, WorkOrderStep

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


def technician_list(*, user: Any, staff_id: int, limit: int = 100) -> list[WorkOrder]:
    """A technician's open orders, the most urgent first (deadline order)."""
    qs = (
        WorkOrder.objects.visible_to(user)
        .filter(assignee_id=staff_id, state__in=WorkOrder.OPEN_STATES)
        .select_related("site", "customer")
        .order_by("due_at", "id")
    )
    return list(qs[:limit])


#: Overdue first, then the deadline: the board's order.
def _board_order(qs: QuerySet[WorkOrder], now: dt.datetime) -> QuerySet[WorkOrder]:
    late = Case(
        When(met_at__isnull=True, due_at__lt=now, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(late=late).order_by("late", "due_at", "id")


@dataclass
class Board:
    columns: list[tuple[str, Any, list[WorkOrder]]]
    by_person: list[dict[str, Any]]
    overdue: int


def board(*, user: Any, grid_id: int | None = None, per_column: int = 50) -> Board:
    """The manager's board: open orders by state (overdue first, then by deadline) and a
    count per technician."""
    now = clock.now()
    base = WorkOrder.objects.visible_to(user).filter(state__in=WorkOrder.OPEN_STATES)
    if grid_id:
        base = base.filter(grid_id=grid_id)
    columns = []
    for state in WorkOrder.OPEN_STATES:
        qs = _board_order(base.filter(state=state), now).select_related(
            "site", "customer", "assignee"
        )
        columns.append((str(state), OrderState(state).label, list(qs[:per_column])))
    by_person = list(
        base.values("assignee_id", "assignee__name")
        .annotate(
            total=Count("id"),
            late=Count("id", filter=Q(met_at__isnull=True, due_at__lt=now)),
        )
        .order_by("-late", "-total", "assignee__name")[:100]
    )
    overdue = base.filter(met_at__isnull=True, due_at__lt=now).count()
    return Board(columns=columns, by_person=by_person, overdue=overdue)


def sla_dashboard(*, user: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    """On-time rate of the orders whose SLA fell due in [since, until], by kind, by grid
    and by month. Counted: orders met (on time or late) and open ones past their deadline
    (late); open ones not yet due are not counted either way."""
    now = clock.now()
    start, end = clock.start_of_day(since), clock.start_of_day(until + dt.timedelta(days=1))
    qs = (
        WorkOrder.objects.visible_to(user)
        .filter(due_at__gte=start, due_at__lt=end)
        .exclude(state=OrderState.CANCELLED)
        .filter(Q(met_at__isnull=False) | Q(due_at__lt=now))
    )
    counts = {
        "total": Count("id"),
        "on_time": Count("id", filter=Q(on_time=True)),
    }

    def rows(*keys: str) -> list[dict[str, Any]]:
        out = []
        for r in qs.values(*keys).annotate(**counts).order_by(*keys):
            r["rate"] = round(100 * r["on_time"] / r["total"], 1) if r["total"] else None
            out.append(r)
        return out

    kinds = dict(OrderKind.choices)
    by_kind = rows("kind")
    for r in by_kind:
        r["label"] = kinds.get(r["kind"], r["kind"])
    by_grid = rows("grid__code", "grid__name")
    by_month = []
    for r in (
        qs.annotate(month=TruncMonth("due_at")).values("month").annotate(**counts).order_by("month")
    ):
        r["rate"] = round(100 * r["on_time"] / r["total"], 1) if r["total"] else None
        by_month.append(r)
    total = qs.aggregate(**counts)
    total["rate"] = round(100 * total["on_time"] / total["total"], 1) if total["total"] else None
    return {"by_kind": by_kind, "by_grid": by_grid, "by_month": by_month, "total": total}
