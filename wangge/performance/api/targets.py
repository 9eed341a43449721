"""Targets and completion endpoints (read): the targets a user may see, and completion per
person, grid or team for a period. Money and targets are decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Schema
from pydantic import Field

from wangge.core import clock
from wangge.core.api import ApiRouter, Choice, PageParams, paginate, with_errors
from wangge.core.permissions import require
from wangge.performance import selectors_targets as sel
from wangge.performance.models import Target
from wangge.performance.periods import month_of, parse_period
from wangge.performance.permissions_targets import Action

router = ApiRouter(tags=["performance"])

Amount = Field(description="目标或实绩：户数为整数，金额为元（字符串，两位小数）")


class TargetFilter(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)
    indicator: str = Field("", max_length=32)
    level: Annotated[str, Choice(Target.Level, blank=True)] = ""


class TargetOut(Schema):
    id: int
    indicator: str = Field(description="指标编码")
    year: int
    month: int = Field(description="0 为全年，1–12 为月份")
    level: str
    grid_id: int | None
    team_id: int | None
    staff_id: int | None
    staff: str | None = Field(description="员工工号")
    value: Decimal = Amount


class TargetPage(Schema):
    count: int
    items: list[TargetOut]


def target_out(t: Target) -> dict[str, Any]:
    return {
        "id": t.pk,
        "indicator": t.indicator.code,
        "year": t.year,
        "month": t.month,
        "level": t.level,
        "grid_id": t.grid_id,
        "team_id": t.team_id,
        "staff_id": t.staff_id,
        "staff": t.staff.employee_no if t.staff else None,
        "value": t.value,
    }


@router.get("/performance/targets", response=with_errors({200: TargetPage}))
def target_list(request: HttpRequest, filters: Query[TargetFilter]) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    qs = sel.visible_targets(user).order_by("indicator__sort", "year", "level", "id")
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.indicator:
        qs = qs.filter(indicator__code=filters.indicator)
    if filters.level:
        qs = qs.filter(level=filters.level)
    return paginate(qs, filters, target_out)


PERIOD_PATTERN = r"^(((19|20|21)\d{2}-(0[1-9]|1[0-2]))|((19|20|21)\d{2}-Q[1-4]))?$"


class CompletionFilter(Schema):
    period: str = Field(
        "", max_length=7, pattern=PERIOD_PATTERN, description="YYYY-MM 或 YYYY-Qn；空为本月"
    )
    by: Annotated[str, Choice(("person", "grid", "team"))] = "person"


class FigureOut(Schema):
    indicator: str
    target: Decimal | None = Amount
    actual: Decimal = Amount
    completion: Decimal | None = Field(description="完成率（%），两位小数（截断）；无目标为 null")


class CompletionRowOut(Schema):
    kind: str
    id: int
    name: str
    score: Decimal | None = Field(description="绩效得分（加权完成率，上不封顶）")
    department_score: Decimal | None = None
    team_score: Decimal | None = None
    figures: list[FigureOut]


class CompletionOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    count: int
    items: list[CompletionRowOut]


@router.get("/performance/completion", response=with_errors({200: CompletionOut}))
def completion(request: HttpRequest, filters: Query[CompletionFilter]) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    if filters.period:
        try:
            period = parse_period(filters.period)
        except ValueError:
            raise ValidationError({"period": _("周期格式为 YYYY-MM 或 YYYY-Qn。")}) from None
    else:
        period = month_of(clock.today())
    rows = sel.completion(user, period, by=filters.by)
    items = [
        {
            "kind": r.kind,
            "id": r.obj.pk,
            "name": r.name,
            "score": r.score,
            "department_score": r.parts[0] if r.parts else None,
            "team_score": r.parts[1] if r.parts else None,
            "figures": [
                {
                    "indicator": code,
                    "target": f.target,
                    "actual": f.actual,
                    "completion": f.completion,
                }
                for code, f in r.figures.items()
            ],
        }
        for r in rows
    ]
    return {
        "period": period.code,
        "start": period.start,
        "end": period.end,
        "count": len(items),
        "items": items,
    }
