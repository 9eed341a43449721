"""The headline figures and the dashboards' data: the same numbers as the pages, from the
snapshots (a day without one is computed live and says so), scoped like the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from wangge.core.api import MAX_ID, ApiRouter, with_errors
from wangge.insights import selectors
from wangge.insights.figures import MEASURES, Ratio
from wangge.sales.api.funnel import DayIn

router = ApiRouter()

MEASURE_PATTERN = "^(" + "|".join(k.replace(".", r"\.") for k in MEASURES) + ")$"


class TargetQuery(Schema):
    grid: int | None = Field(None, ge=1, le=MAX_ID, description="网格 id")
    person: int | None = Field(None, ge=1, le=MAX_ID, description="人员（员工 id）：客户触及")
    region: int | None = Field(None, ge=1, le=MAX_ID, description="区域 id（市场部）")


class KpisQuery(TargetQuery):
    on: DayIn | None = Field(None, description="日期；默认最近一次快照")


class MeasureOut(Schema):
    key: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    definition: str


class KpiFigureOut(Schema):
    key: str
    label: str
    definition: str
    measures: list[MeasureOut]


class KpisOut(Schema):
    on: dt.date
    level: str = Field(description="county | region | grid | person")
    grid: int | None
    person: int | None
    region: int | None
    source: str = Field(description="snapshot：夜间快照；live：当场计算（该日尚无快照）")
    figures: list[KpiFigureOut]


def _target(request: HttpRequest, q: TargetQuery) -> selectors.Target:
    return selectors.target_for(request.user, grid_id=q.grid, staff_id=q.person, region_id=q.region)


def ratio_out(r: Ratio) -> dict[str, Any]:
    value = None if r.value is None else round(r.value, 4)
    return {"numerator": r.numerator, "denominator": r.denominator, "value": value}


def _target_out(t: selectors.Target) -> dict[str, Any]:
    kw = t.kw
    return {
        "level": t.level,
        "grid": kw["grid_id"],
        "person": kw["staff_id"],
        "region": kw["region_id"],
    }


@router.get("/insights/kpis", response=with_errors({200: KpisOut}))
def kpis(request: HttpRequest, query: Query[KpisQuery]) -> dict[str, Any]:
    target = _target(request, query)
    result = selectors.figures_for(user=request.user, on=query.on, **target.kw)
    return {
        "on": result.on,
        "source": result.source,
        **_target_out(target),
        "figures": [
            {
                "key": f.figure.key,
                "label": str(f.figure.label),
                "definition": str(f.figure.definition),
                "measures": [
                    {
                        "key": r.measure.key,
                        "label": str(r.measure.label),
                        "definition": str(r.measure.definition),
                        **ratio_out(r.ratio),
                    }
                    for r in f.rows
                ],
            }
            for f in result.figures
        ],
    }


class TrendQuery(TargetQuery):
    measure: str | None = Field(None, pattern=MEASURE_PATTERN, description="指标；默认全部")
    days: int = Field(30, ge=1, le=366)


class PointOut(Schema):
    day: dt.date
    numerator: int
    denominator: int
    value: float | None


class SeriesOut(Schema):
    measure: str
    points: list[PointOut]


class TrendOut(Schema):
    level: str
    grid: int | None
    person: int | None
    region: int | None
    series: list[SeriesOut]


@router.get("/insights/trend", response=with_errors({200: TrendOut}))
def trend(request: HttpRequest, query: Query[TrendQuery]) -> dict[str, Any]:
    """Daily series from the snapshots (history; no live computation)."""
    target = _target(request, query)
    keys = [query.measure] if query.measure else list(MEASURES)
    series = selectors.trend(user=request.user, measures=keys, days=query.days, **target.kw)
    return {
        **_target_out(target),
        "series": [
            {"measure": k, "points": [{"day": d, **ratio_out(r)} for d, r in pts]}
            for k, pts in series.items()
        ],
    }


class RankingQuery(Schema):
    measure: str = Field("reach.customers", pattern=MEASURE_PATTERN)
    on: DayIn | None = None
    region: int | None = Field(None, ge=1, le=MAX_ID, description="该区域的网格（市场部）")
    grid: int | None = Field(None, ge=1, le=MAX_ID, description="该网格的人员（客户触及）")


class RankedOut(Schema):
    id: int
    code: str
    name: str
    numerator: int
    denominator: int
    value: float | None


class RankingOut(Schema):
    on: dt.date | None
    measure: str
    level: str = Field(description="grid | person")
    rows: list[RankedOut]


@router.get("/insights/ranking", response=with_errors({200: RankingOut}))
def ranking(request: HttpRequest, query: Query[RankingQuery]) -> dict[str, Any]:
    """Grids (of the county or a region) or a grid's people, best first, on a day's
    snapshot (the latest by default); only the rows the user may see."""
    target = (
        selectors.target_for(
            request.user, grid_id=query.grid, region_id=query.region, default_home=False
        )
        if (query.grid or query.region)
        else None
    )
    if target is None:
        selectors.target_for(request.user)  # the right to look at all
    on = query.on or selectors.latest_day(request.user)
    level = "person" if query.grid else "grid"
    rows = (
        selectors.ranking(
            user=request.user,
            measure=query.measure,
            on=on,
            level=level,
            region_id=query.region,
            grid_id=query.grid,
        )
        if on
        else []
    )
    return {
        "on": on,
        "measure": query.measure,
        "level": level,
        "rows": [{"id": r.key, "code": r.code, "name": r.name, **ratio_out(r.ratio)} for r in rows],
    }
