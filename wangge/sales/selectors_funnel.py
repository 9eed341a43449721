"""The funnel's reads, scoped like every page: the figures of `sales.funnel`, worked out in
the database (one statement for the stages, one for the totals and lost reasons), so a
busy grid's quarter costs a few dozen result rows, not every one of its steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet

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


#: A stage's rank on the ladder (`funnel.LADDER`). Lost counts as 需求's rank: every
#: opportunity stood in 需求, so it never raises how far one got.
_RANK_SQL = (
    "CASE {col} "
    + " ".join(f"WHEN '{stage}' THEN {i}" for i, stage in enumerate(funnel.LADDER))
    + " ELSE 0 END"
)
_TIMED_SQL = ", ".join(f"'{stage}'" for stage in funnel.TIMED)

#: Seconds from `a` to `b`, two stored instants, per database.
_SECONDS = {
    "sqlite": "(julianday({b}) - julianday({a})) * 86400.0",
    "postgresql": "EXTRACT(EPOCH FROM ({b} - {a}))",
}

#: `o`: the scoped opportunities (id, created_at, stage, lost_reason, the order's fee).
#: `w`: each stage move with the stay it ends (as `funnel._stays` reads a history): the
#: stage before it and since when (the previous move, or 需求 since the creation), moves
#: in time order. Per opportunity and stage the stays are added up (a negative one counts
#: as none), then counted, averaged and their median taken (the middle one or the mean
#: of the middle two). Then the number of opportunities per furthest rank ever stood at,
#: and per current stage and lost reason with the orders' fees. Rows: (what, key, n, x, y).
_FUNNEL_SQL = """
WITH o AS ({opportunities}),
w AS (
    SELECT s.opportunity_id AS opp, s.to_stage AS to_stage,
        COALESCE(LAG(s.to_stage) OVER win, '{need}') AS stage,
        {seconds} AS secs
    FROM o JOIN sales_opportunitystep s ON s.opportunity_id = o.id
    WHERE s.kind = %s AND s.to_stage <> ''
    WINDOW win AS (PARTITION BY s.opportunity_id ORDER BY s.at, s.id)
),
stays AS (
    SELECT stage, SUM(CASE WHEN secs > 0 THEN secs ELSE 0 END) / 3600.0 AS hours
    FROM w WHERE stage IN ({timed})
    GROUP BY opp, stage
),
ranked AS (
    SELECT stage, hours,
        ROW_NUMBER() OVER (PARTITION BY stage ORDER BY hours) AS rn,
        COUNT(*) OVER (PARTITION BY stage) AS n
    FROM stays
),
tops AS (
    SELECT MAX({rank}) AS top
    FROM (SELECT id AS opp, stage FROM o UNION ALL SELECT opp, to_stage FROM w) r
    GROUP BY opp
)
SELECT 'stay', stage, MAX(n), AVG(hours),
    AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN hours END)
FROM ranked GROUP BY stage
UNION ALL
SELECT 'top', CAST(top AS TEXT), COUNT(*), NULL, NULL FROM tops GROUP BY top
UNION ALL
SELECT stage, lost_reason, COUNT(*), SUM(fee), NULL FROM o GROUP BY stage, lost_reason
"""


def funnel_for(*, user: Any, filters: FunnelFilters) -> funnel.Funnel:
    """The funnel of what the user may analyse: one statement, a few dozen rows back."""
    qs = funnel_queryset(user=user, filters=filters).annotate(fee=F("order__monthly_fee"))
    inner, params = qs.values(
        "id", "created_at", "stage", "lost_reason", "fee"
    ).query.sql_with_params()
    sql = _FUNNEL_SQL.format(
        opportunities=inner,
        need=funnel.NEED,
        seconds=_SECONDS[connection.vendor].format(
            a="COALESCE(LAG(s.at) OVER win, o.created_at)", b="s.at"
        ),
        timed=_TIMED_SQL,
        rank=_RANK_SQL.format(col="stage"),
    )
    tops: dict[int, int] = {}
    stays: dict[str, funnel.Stays] = {}
    by_stage: dict[str, int] = {}
    reasons: dict[str, int] = {}
    value = Decimal("0.00")
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, OpportunityStep.Kind.STAGE))
        rows = cursor.fetchall()
    for what, key, n, x, y in rows:
        if what == "top":
            tops[int(key)] = n
        elif what == "stay":
            stays[key] = funnel.Stays(n, median_hours=float(y), mean_hours=float(x))
        else:
            by_stage[what] = by_stage.get(what, 0) + n
            if what == funnel.LOST:
                reasons[key] = n
            elif what == funnel.WON and x is not None:
                # SQLite adds decimals as floats: cents, rounded back.
                value += Decimal(str(x)).quantize(Decimal("0.01"))
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
