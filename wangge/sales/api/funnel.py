"""The sales funnel: the same numbers as the page (`sales:funnel`), for a grid, a person and
a period (opportunities created between two days, inclusive; the last 90 days if not
given). Managers and the market department (`Action.FUNNEL`), scoped like the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from wangge.core.api import MAX_ID, ApiRouter, with_errors
from wangge.core.permissions import require
from wangge.crm.api.schemas import Money
from wangge.sales import selectors_funnel
from wangge.sales.permissions import Action
from wangge.sales.selectors_funnel import FunnelFilters

router = ApiRouter()


def _day(value: Any) -> Any:
    day = selectors_funnel.parse_day(value)
    if day is None:
        raise ValueError("Expected an ISO date, YYYY-MM-DD, between the years 2000 and 2999.")
    return day


DayIn = Annotated[
    dt.date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^2[0-9]{3}-"}),
]


class FunnelQuery(Schema):
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    person: int | None = Field(None, ge=1, le=MAX_ID, description="负责人（员工 id）")
    date_from: DayIn | None = Field(None, alias="from", description="创建日期起（含）")
    date_to: DayIn | None = Field(None, alias="to", description="创建日期止（含）")


class StageOut(Schema):
    stage: str
    reached: int = Field(description="到达该阶段（或更后阶段）的商机数")
    conversion: float | None = Field(description="到达下一阶段的比例")
    stays: int = Field(description="已结束的停留次数（计时样本数）")
    median_hours: float | None
    mean_hours: float | None


class LostReasonOut(Schema):
    reason: str
    count: int


class FunnelOut(Schema):
    date_from: dt.date
    date_to: dt.date
    total: int
    won: int
    lost: int
    open: int
    win_rate: float | None = Field(description="成交 / (成交 + 失败)")
    value_won: Decimal = Money
    stages: list[StageOut]
    lost_reasons: list[LostReasonOut]


@router.get("/sales/funnel", response=with_errors({200: FunnelOut}))
def funnel(request: HttpRequest, query: Query[FunnelQuery]) -> dict[str, Any]:
    require(request.user, Action.FUNNEL)
    start, end = selectors_funnel.default_period()
    start, end = query.date_from or start, query.date_to or end
    if end < start:
        start, end = end, start
    filters = FunnelFilters(grid_id=query.grid, assignee_id=query.person, start=start, end=end)
    result = selectors_funnel.funnel_for(user=request.user, filters=filters)
    return {
        "date_from": start,
        "date_to": end,
        "total": result.total,
        "won": result.won,
        "lost": result.lost,
        "open": result.open,
        "win_rate": result.win_rate,
        "value_won": result.value_won,
        "stages": [vars(s) for s in result.stages],
        "lost_reasons": [{"reason": r, "count": n} for r, n in result.lost_reasons],
    }
