"""The funnel's reads: the rows `sales.funnel` computes over, scoped like every page.

Two queries whatever the number of opportunities: the opportunities (with their order's fee)
and their stage moves, the latter filtered by the same scoped subquery.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from wangge.core import clock
from wangge.core.permissions import require
from wangge.org.models import Grid, Staff
from wangge.sales import funnel
from wangge.sales.models import Opportunity, OpportunityStep
from wangge.sales.permissions import Action
from wangge.sales.services.dispatch import ASSIGNABLE_ROLES

#: The period shown when none is asked for: the last quarter, today included.
DEFAULT_DAYS = 90


def default_period() -> tuple[dt.date, dt.date]:
    today = clock.today()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def parse_day(raw: Any) -> dt.date | None:
    """An ISO day from a query string (years 2000–2999), else None (ignored)."""
    if not isinstance(raw, str) or len(raw) != 10:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2999 else None


@dataclass(frozen=True)
class FunnelFilters:
    grid_id: int | None = None
    assignee_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def funnel_queryset(*, user: Any, filters: FunnelFilters) -> QuerySet[Opportunity]:
    """The opportunities the user may analyse, created in the period (inclusive days)."""
    require(user, Action.FUNNEL)
    qs = Opportunity.objects.visible_to(user)
    if filters.grid_id is not None:
        qs = qs.filter(grid_id=filters.grid_id)
    if filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.start is not None:
        qs = qs.filter(created_at__gte=clock.start_of_day(filters.start))
    if filters.end is not None:
        qs = qs.filter(created_at__lt=clock.start_of_day(filters.end + dt.timedelta(days=1)))
    return qs.order_by()


def funnel_rows(*, user: Any, filters: FunnelFilters) -> list[funnel.FunnelRow]:
    qs = funnel_queryset(user=user, filters=filters)
    opps = list(qs.values_list("id", "created_at", "stage", "lost_reason", "order__monthly_fee"))
    moves: dict[int, list[tuple[dt.datetime, str]]] = {}
    steps = (
        OpportunityStep.objects.filter(
            opportunity__in=qs.values("id"), kind=OpportunityStep.Kind.STAGE
        )
        .exclude(to_stage="")
        .order_by()
        .values_list("opportunity_id", "at", "to_stage")
    )
    for opp_id, at, to_stage in steps:
        moves.setdefault(opp_id, []).append((at, to_stage))
    return [
        funnel.FunnelRow(
            created_at=created_at,
            stage=stage,
            moves=moves.get(pk, ()),
            lost_reason=lost_reason,
            won_value=fee if fee is not None else Decimal("0.00"),
        )
        for pk, created_at, stage, lost_reason, fee in opps
    ]


def funnel_for(*, user: Any, filters: FunnelFilters) -> funnel.Funnel:
    return funnel.compute(funnel_rows(user=user, filters=filters))


def filter_choices(*, user: Any) -> tuple[QuerySet[Grid], QuerySet[Staff]]:
    """The grids and people the filters offer: what the user sees of each."""
    grids = Grid.objects.visible_to(user).filter(is_active=True).order_by("code")
    # Who can hold a sale (technicians pass leads on, they are nobody's assignee).
    people = (
        Staff.objects.visible_to(user)
        .filter(role__in=ASSIGNABLE_ROLES)
        .order_by("name", "id")
        .only("id", "name", "employee_no")
    )
    return grids, people
