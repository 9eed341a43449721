"""Request and response bodies of the grid-division endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from wangge.core.api import MAX_ID, QUERY_TEXT_PATTERN, BodyIn, Choice, PageParams, integer, text
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import Site

Attribute = Annotated[str, Choice(BALANCE_ATTRIBUTES)]


class SiteOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    address: str
    lon: float
    lat: float
    grid_id: int | None
    estate_id: int | None
    households: int
    covered_households: int
    free_ports: int
    customers: int = Field(
        description="现有用户数：由客户档案统计（存量和新增客户数），只读，随客户的录入和导入更新"
    )


class SitePage(Schema):
    count: int
    items: list[SiteOut]


class SiteFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    kind: Annotated[str, Choice(Site.Kind, blank=True)] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    outside: bool = False
    limit: int = Field(100, ge=1, le=1000)


class PlanOut(Schema):
    id: int
    name: str
    status: str
    source: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    progress: float
    failed: str
    params: dict[str, Any]
    summary: dict[str, Any] = Field(description="县级汇总（均衡、重叠、缝隙）：仅方案编制者可见")

    @staticmethod
    def resolve_summary(obj: Any, context: Any) -> dict[str, Any]:
        from wangge.territory import selectors

        return selectors.plan_summary(user=context["request"].user, plan=obj)


class AutoPlanIn(BodyIn):
    name: text(100, 1)  # type: ignore[valid-type]
    k: integer(1, 5000)  # type: ignore[valid-type]
    attributes: list[Attribute] = Field(min_length=1, max_length=5)
    tolerance: float = Field(0.05, ge=0.005, le=0.5)
    secondary_tolerance: float = Field(0.10, ge=0.005, le=0.5)
    compactness: float = Field(0.5, ge=0, le=1)
    stable: bool = True
    locked_codes: list[text(32, 1)] = Field(default_factory=list, max_length=5000)  # type: ignore[valid-type]


class ActivateIn(BodyIn):
    # JSON has no date type: the ISO string must be parsed, which strict mode would refuse.
    effective_from: dt.date = Field(strict=False)


class FeatureCollection(Schema):
    type: str
    features: list[dict[str, Any]]
