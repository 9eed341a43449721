"""The funnel's reads, scoped like every page: the figures of `sales.funnel`, worked out in
the database in one statement over one row per opportunity (the history's figures are kept
on it), so a busy grid's quarter costs a few dozen result rows and no step is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from wangge.core import clock
from wangge.core.permissions import require
from wangge.org.models import Grid, Staff
from wangge.sales import funnel
from wangge.sales.models import Opportunity
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


#: `o`: the scoped opportunities, one row each with what it keeps of its history (the
#: furthest stage it reached, its completed stays per open stage: `services.funnel_keep`).
#: Per timed stage the stays on file are counted and averaged, and their median is the
#: middle one or the mean of the middle two (read past half of them in order); then the
#: number of opportunities per furthest stage, per current stage and lost reason, and the
#: won ones' order fees (the only rows joined to their order). No step is read.
#: Rows: (what, key, n, x, y).
_FUNNEL_SQL = """
WITH o AS ({opportunities})
{stays}
UNION ALL
SELECT 'top', furthest_stage, COUNT(*), NULL, NULL FROM o GROUP BY furthest_stage
UNION ALL
SELECT stage, lost_reason, COUNT(*), NULL, NULL FROM o GROUP BY stage, lost_reason
UNION ALL
SELECT 'value', '', COUNT(*), SUM(r.monthly_fee), NULL
FROM o JOIN sales_order r ON r.opportunity_id = o.id WHERE o.stage = '{won}'
"""
_STAY_SQL = """
SELECT 'stay', '{stage}', COUNT({c}), AVG({c}), (
    SELECT AVG(h) FROM (
        SELECT {c} AS h FROM o WHERE {c} IS NOT NULL ORDER BY {c}
        LIMIT 2 - (SELECT COUNT({c}) FROM o) %% 2 OFFSET ((SELECT COUNT({c}) FROM o) - 1) / 2
    ) middle
) FROM o"""  # `%%`: a literal % in a statement with parameters
_STAYS_SQL = " UNION ALL ".join(
    _STAY_SQL.format(stage=stage, c=column) for stage, column in Opportunity.STAY_COLUMNS.items()
)
_RANK = {stage: i for i, stage in enumerate(funnel.LADDER)}


def funnel_for(*, user: Any, filters: FunnelFilters) -> funnel.Funnel:
    """The funnel of what the user may analyse: one statement, a few dozen rows back."""
    qs = funnel_queryset(user=user, filters=filters)
    inner, params = qs.values(
        "id", "stage", "lost_reason", "furthest_stage", *Opportunity.STAY_COLUMNS.values()
    ).query.sql_with_params()
    sql = _FUNNEL_SQL.format(opportunities=inner, stays=_STAYS_SQL, won=funnel.WON)
    tops: dict[int, int] = {}
    stays: dict[str, funnel.Stays] = {}
    by_stage: dict[str, int] = {}
    reasons: dict[str, int] = {}
    value = Decimal("0.00")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for what, key, n, x, y in rows:
        if what == "top":
            rank = _RANK.get(key, 0)
            tops[rank] = tops.get(rank, 0) + n
        elif what == "stay":
            if n:
                stays[key] = funnel.Stays(n, median_hours=float(y), mean_hours=float(x))
        elif what == "value":
            # SQLite adds decimals as floats: cents, rounded back.
            value = Decimal(str(x or 0)).quantize(Decimal("0.01"))
        else:
            by_stage[what] = by_stage.get(what, 0) + n
            if what == funnel.LOST:
                reasons[key] = n
    return funnel.assemble(
        by_stage=by_stage, tops=tops, stays=stays, lost_reasons=reasons, value_won=value
    )


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
