"""The grid dashboard's split per team member as data: each person's row of every figure,
from the snapshots (a day without one is computed live and says so), scoped like the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from wangge.core import clock
from wangge.core.api import MAX_ID, ApiRouter, with_errors
from wangge.insights import selectors
from wangge.insights.api.kpis import ratio_out
from wangge.insights.figures import MEASURES, PERSON_NOTE
from wangge.sales.api.funnel import DayIn

router = ApiRouter()


class PeopleQuery(Schema):
    grid: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="网格 id：该网格的人员（按主网格）；不填：本人主网格，市场部为全县人员",
    )
    on: DayIn | None = Field(None, description="日期；默认最近一次快照")


class PersonMeasureOut(Schema):
    key: str
    numerator: int
    denominator: int
    value: float | None


class PersonFiguresOut(Schema):
    id: int
    code: str = Field(description="工号")
    name: str
    grid: int | None = Field(description="当日的主网格")
    measures: list[PersonMeasureOut] = Field(
        description="客户触及（名下客户）和分给本人调查的单元的指标；没有分到单元的人只有客户触及"
    )


class PeopleMeasureOut(Schema):
    key: str
    label: str
    definition: str


class PeopleOut(Schema):
    on: dt.date
    level: str = Field(description="county | grid")
    grid: int | None
    source: str = Field(description="snapshot：夜间快照；live：当场计算（该日尚无快照）")
    note: str = Field(description="个人数字的口径")
    measures: list[PeopleMeasureOut]
    people: list[PersonFiguresOut] = Field(description="按客户触及率从高到低；只含可见的人员")


@router.get("/insights/people", response=with_errors({200: PeopleOut}))
def people(request: HttpRequest, query: Query[PeopleQuery]) -> dict[str, Any]:
    """Each person's figures on a day: a grid's people (its manager sees the team, the
    others themselves), or the county's people for the market department."""
    user = request.user
    target = selectors.target_for(user, grid_id=query.grid)
    grid_id = target.grid.pk if target.grid is not None else None
    on = query.on or selectors.latest_day(user)
    if on is not None and selectors.snapshot_taken(on):
        rows, source = selectors.people_figures(user=user, on=on, grid_id=grid_id), "snapshot"
    else:
        on = on or clock.today()
        rows, source = selectors.people_live(user=user, on=on, grid_id=grid_id), "live"
    return {
        "on": on,
        "level": target.level,
        "grid": grid_id,
        "source": source,
        "note": str(PERSON_NOTE),
        "measures": [
            {"key": m.key, "label": str(m.label), "definition": str(m.definition)}
            for m in MEASURES.values()
        ],
        "people": [
            {
                "id": p.key,
                "code": p.code,
                "name": p.name,
                "grid": p.grid_id,
                "measures": [{"key": m.key, **ratio_out(r)} for m, r in p.cells if r is not None],
            }
            for p in rows
        ],
    }
