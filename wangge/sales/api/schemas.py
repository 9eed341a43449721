"""The sales API's bodies and filters. Choices come from the models; money is a decimal
string of yuan; times are ISO 8601 (without an offset they are Asia/Shanghai time)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    BodyIn,
    Choice,
    Id,
    PageParams,
    VersionIn,
    text,
)
from wangge.crm.api.schemas import DateIn, Money, MoneyIn, PhoneIn, filled
from wangge.sales.models import Opportunity, Stage, Visit

#: RFC 3339 date-time (what the schema's `format: date-time` promises), offset optional.
ISO_DATETIME = re.compile(
    r"(?P<head>[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2})(?::(?P<sec>[0-9]{2})"
    r"(?P<frac>\.[0-9]+)?)?(?P<tz>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


#: Years 2000–2999 only: what a due time or a phone's fix can be (and far from overflow).
DATETIME_PATTERN = r"^2[0-9]{3}-"


def _iso_datetime(value: Any) -> Any:
    match = ISO_DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("Expected an ISO 8601 date and time, e.g. 2026-12-03T15:30:00+08:00.")
    # A leap second (:60) is valid RFC 3339 that Python cannot hold: it is the 59th second.
    sec = min(int(match["sec"] or 0), 59)
    frac = (match["frac"] or "")[:7]
    tz = (match["tz"] or "").upper().replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(f"{match['head'].replace('t', 'T')}:{sec:02d}{frac}{tz}")
    if not 2000 <= parsed.year <= 2999:
        raise ValueError("Expected a date and time between the years 2000 and 2999.")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


DateTimeIn = Annotated[
    dt.datetime,
    BeforeValidator(_iso_datetime),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
    ),
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
#: Every state change sends the version it read: required here (unlike crm's PATCH).
Version = Annotated[VersionIn, Field(description="读取时得到的 version；已被他人修改则答 409")]


class OpportunityFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    stage: Annotated[str, Choice(Stage, blank=True)] = ""
    open: bool = False
    mine: bool = False
    assignee: int | None = Field(None, ge=1, le=MAX_ID)
    dispatch: Annotated[str, Choice(Opportunity.Dispatch, blank=True)] = ""
    overdue: bool = False
    unassigned: bool = False
    source: Annotated[str, Choice(Opportunity.Source, blank=True)] = ""
    kind: Annotated[str, Choice(Opportunity.Kind, blank=True)] = ""


class StepOut(Schema):
    at: dt.datetime
    kind: str
    actor: str
    from_stage: str
    to_stage: str
    grid_id: int | None
    assignee_id: int | None
    due: dt.datetime | None
    note: str


class OpportunityOut(Schema):
    id: int
    code: str
    version: int
    kind: str
    source: str
    stage: str
    customer_id: int | None
    customer_name: str
    site_id: int
    site_name: str
    grid_id: int | None
    contact_name: str
    contact_phone: str
    product_id: int | None
    need: str
    competitor_id: int | None
    expected_monthly: Decimal = Money
    expected_close: dt.date | None
    lost_reason: str
    lost_note: str
    assignee_id: int | None
    assignee_name: str
    dispatch: str
    contact_due: dt.datetime | None
    outcome_due: dt.datetime | None
    first_contact_at: dt.datetime | None
    overdue: bool
    campaign_id: int | None
    piece_id: int | None
    external_ref: str
    created_at: dt.datetime
    stage_since: dt.datetime


class OpportunityDetailOut(OpportunityOut):
    history: list[StepOut]
    allowed_stages: list[str]
    order_id: int | None
    subscription_id: int | None


class OpportunityPage(Schema):
    count: int
    items: list[OpportunityOut]


class OpportunityIn(BodyIn):
    customer_id: Id | None = None
    site_id: Id | None = Field(None, description="客户与小区/楼宇至少填一个")
    kind: Annotated[str, Choice(Opportunity.Kind)] = Opportunity.Kind.NEW
    source: Annotated[str, Choice(Opportunity.Source)]
    product_id: Id | None = None
    need: text(500) = ""  # type: ignore[valid-type]
    competitor_id: Id | None = None
    expected_monthly: MoneyIn = Decimal("0.00")
    expected_close: DateIn | None = None
    contact_name: text(32) = ""  # type: ignore[valid-type]
    contact_phone: PhoneIn = ""
    campaign_id: Id | None = None
    external_ref: text(64) = ""  # type: ignore[valid-type]


class OpportunityPatch(BodyIn):
    """Edit fields and/or move the stage (`stage`; `lost` needs `lost_reason`)."""

    version: Version
    stage: Annotated[str, Choice(tuple(s for s in Stage.values if s != Stage.WON))] | None = None
    lost_reason: Annotated[str, Choice(Opportunity.LostReason)] | None = None
    lost_note: text(200) = ""  # type: ignore[valid-type]
    kind: Annotated[str, Choice(Opportunity.Kind)] | None = None
    product_id: Id | None = None
    need: text(500) | None = None  # type: ignore[valid-type]
    competitor_id: Id | None = None
    expected_monthly: MoneyIn | None = None
    expected_close: DateIn | None = None
    contact_name: text(32) | None = None  # type: ignore[valid-type]
    contact_phone: PhoneIn | None = None
    campaign_id: Id | None = None


class DispatchIn(BodyIn):
    assignee: Id | None = Field(None, description="接单人（员工 id）；与 grid 二选一")
    grid: Id | None = Field(None, description="派至网格（仅市场部）；与 assignee 二选一")
    due: DateTimeIn = Field(description="首次联系时限")
    outcome_due: DateTimeIn | None = Field(None, description="结果反馈时限")
    note: text(500) = ""  # type: ignore[valid-type]
    version: Version


class VersionBody(BodyIn):
    version: Version


class ReturnIn(BodyIn):
    version: Version
    reason: filled(500)  # type: ignore[valid-type]


class WinIn(BodyIn):
    version: Version
    plan_id: Id
    monthly_fee: MoneyIn | None = Field(None, description="元；不填则按套餐资费")
    account_no: text(32) = ""  # type: ignore[valid-type]
    customer_name: text(100) = Field("", description="商机未关联客户时必填：新客户名称")  # type: ignore[valid-type]
    customer_phone: PhoneIn = ""


class WinOut(Schema):
    order_id: int
    subscription_id: int
    customer_id: int
    opportunity: OpportunityOut


class VisitIn(BodyIn):
    customer: Id | None = None
    site: Id | None = Field(None, description="客户与小区/楼宇至少填一个")
    kind: Annotated[str, Choice(Visit.Kind)]
    outcome: Annotated[str, Choice(Visit.Outcome)]
    note: text(500) = ""  # type: ignore[valid-type]
    next_step: text(200) = ""  # type: ignore[valid-type]
    next_on: DateIn | None = None
    opportunity: Id | None = None
    agent: Id | None = Field(None, description="渠道督导（kind=supervision）时：被督导的代理商")
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None
    position_at: DateTimeIn | None = None


class VisitOut(Schema):
    id: int
    kind: str
    outcome: str
    staff_id: int
    customer_id: int | None
    site_id: int
    at: dt.datetime
    note: str
    next_step: str
    next_on: dt.date | None
    opportunity_id: int | None
    agent_id: int | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    position_at: dt.datetime | None
    verified: bool
    distance_m: float | None
    flags: list[str]


class VisitFilter(PageParams):
    staff: int | None = Field(None, ge=1, le=MAX_ID)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    flagged: bool = False
    day: DateIn | None = None


class VisitPage(Schema):
    count: int
    items: list[VisitOut]
