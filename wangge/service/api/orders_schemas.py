"""The work-order API's bodies and filters. Choices come from the models; times are ISO 8601
(without an offset they are Asia/Shanghai time)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from wangge.core.api import MAX_ID, QUERY_TEXT_PATTERN, BodyIn, Choice, Id, PageParams, VersionIn
from wangge.core.api import text as text_in
from wangge.crm.api.schemas import PhoneIn
from wangge.service.models import OrderKind, OrderState, WorkOrder

ISO_DATETIME = re.compile(
    r"(?P<head>[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2})(?::(?P<sec>[0-9]{2})"
    r"(?P<frac>\.[0-9]+)?)?(?P<tz>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)

#: A work order's code as the pages and the API show it.
CODE_PATTERN = r"^GD[0-9]{1,18}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=20)]
#: What a client may use as its idempotency key: printable ASCII, no spaces.
KEY_PATTERN = r"^[!-~]{1,64}$"


def _iso_datetime(value: Any) -> Any:
    match = ISO_DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("Expected an ISO 8601 date and time, e.g. 2026-12-03T15:30:00+08:00.")
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
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"^2[0-9]{3}-"}),
]
Version = Annotated[VersionIn, Field(description="读取时得到的 version；已被他人修改则答 409")]
Kind = Annotated[str, Choice(OrderKind)]
#: Sources a client may name (a sale's install and an inspection's repair open themselves).
ApiSource = Annotated[
    str,
    Choice((WorkOrder.Source.API, WorkOrder.Source.CALL, WorkOrder.Source.STAFF)),
]
ACTIONS = ("assign", "accept", "check_in", "complete", "close", "cancel")


class WorkOrderFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    state: Annotated[str, Choice(OrderState, blank=True)] = ""
    kind: Annotated[str, Choice(OrderKind, blank=True)] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    assignee: int | None = Field(None, ge=1, le=MAX_ID)
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    site: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False
    open: bool = False
    overdue: bool = False
    source_ref: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)


class WorkOrderIn(BodyIn):
    kind: Kind
    customer_id: Id | None = None
    site_id: Id | None = Field(None, description="客户与小区/楼宇至少填一个")
    product_id: Id | None = None
    source: ApiSource = WorkOrder.Source.API
    source_ref: text_in(64) = ""  # type: ignore[valid-type]
    description: text_in(500) = ""  # type: ignore[valid-type]
    contact_name: text_in(32) = ""  # type: ignore[valid-type]
    contact_phone: PhoneIn = ""
    address: text_in(200) = ""  # type: ignore[valid-type]
    idempotency_key: Annotated[str, Field(pattern=KEY_PATTERN)] | None = Field(
        None,
        description="幂等键（也可用 Idempotency-Key 请求头）：同一键重复提交返回原工单（200）",
    )


class TransitionIn(BodyIn):
    """One move of the state machine; the fields each action needs."""

    action: Annotated[str, Choice(ACTIONS)]
    version: Version
    assignee_id: Id | None = Field(None, description="assign：装维人员（员工 id）")
    note: text_in(500) = ""  # type: ignore[valid-type]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None
    position_at: DateTimeIn | None = None
    result: text_in(500) = Field("", description="complete：处理结果")  # type: ignore[valid-type]
    materials: text_in(300) = ""  # type: ignore[valid-type]
    customer_confirmed: bool = False
    confirmed_by: text_in(32) = ""  # type: ignore[valid-type]
    follow_up: text_in(300) = Field("", description="close：回访记录")  # type: ignore[valid-type]
    satisfied: bool | None = None
    reason: text_in(200) = Field("", description="cancel：取消原因")  # type: ignore[valid-type]


class WorkOrderStepOut(Schema):
    at: dt.datetime
    actor: str
    from_state: str
    to_state: str
    assignee_id: int | None
    note: str


class WorkOrderOut(Schema):
    id: int
    code: str
    version: int
    kind: str
    product_id: int | None
    state: str
    source: str
    source_ref: str
    customer_id: int | None
    site_id: int
    site_name: str
    grid_id: int | None
    assignee_id: int | None
    assignee_name: str
    description: str
    contact_name: str
    contact_phone: str
    address: str
    created_at: dt.datetime
    due_at: dt.datetime
    sla_measure: str
    met_at: dt.datetime | None
    on_time: bool | None
    overdue: bool
    accepted_at: dt.datetime | None
    checkin_at: dt.datetime | None
    checkin_verified: bool
    checkin_flags: list[str]
    done_at: dt.datetime | None
    result: str
    closed_at: dt.datetime | None
    cancel_reason: str


class WorkOrderDetailOut(WorkOrderOut):
    materials: str
    customer_confirmed: bool
    confirmed_by: str
    follow_up: str
    subscription_id: int | None
    photo_ids: list[int]
    allowed_actions: list[str]
    history: list[WorkOrderStepOut]


class WorkOrderPage(Schema):
    count: int
    items: list[WorkOrderOut]


__all__ = [
    "Code",
    "TransitionIn",
    "WorkOrderDetailOut",
    "WorkOrderFilter",
    "WorkOrderIn",
    "WorkOrderOut",
    "WorkOrderPage",
]


class PhotoIn(BodyIn):
    photo: str = Field(
        ..., min_length=1, max_length=7_000_000, description="JPEG 或 PNG，base64，不超过 5 MB"
    )


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
