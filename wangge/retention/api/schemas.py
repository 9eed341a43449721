"""The retention API's bodies and filters (choices from the models; dates ISO)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from wangge.core.api import MAX_ID, BodyIn, Choice, Id, PageParams, VersionIn, text
from wangge.crm.api.schemas import DateIn, Money
from wangge.retention.models import CollectionTask
from wangge.retention.models.care import ContactKind

Version = Annotated[VersionIn, Field(description="读取时得到的 version；已被他人修改则答 409")]


class CareFilter(PageParams):
    state: Annotated[str, Choice(("due", "overdue"), blank=True)] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False


class CareOut(Schema):
    id: int
    customer_id: int
    customer: str = Field(description="客户编号")
    customer_name: str
    rule_id: int
    rule: str
    due_on: dt.date
    overdue_days: int
    last_contact_on: dt.date | None
    owner_id: int
    owner: str = Field(description="负责人工号")
    grid_id: int | None


class CarePage(Schema):
    count: int
    items: list[CareOut]


class CareContactIn(BodyIn):
    customer: Id
    kind: Annotated[str, Choice(ContactKind)]
    note: text(500) = ""  # type: ignore[valid-type]


class CareContactOut(Schema):
    id: int
    customer_id: int
    staff_id: int
    kind: str
    at: dt.datetime
    note: str


class CollectionTaskFilter(PageParams):
    status: Annotated[str, Choice(CollectionTask.Status, blank=True)] = ""
    kind: Annotated[str, Choice(CollectionTask.Kind, blank=True)] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False


class CollectionTaskOut(Schema):
    id: int
    version: int
    kind: str
    status: str
    customer_id: int
    customer_name: str
    subscription_id: int
    owner_id: int
    grid_id: int | None
    cycle: dt.date
    due_on: dt.date
    amount: Decimal = Money
    promised_on: dt.date | None
    reason: str
    note: str
    parent_id: int | None
    payment_id: int | None
    closed_on: dt.date | None


class CollectionTaskPage(Schema):
    count: int
    items: list[CollectionTaskOut]


class CollectionTaskPatch(BodyIn):
    """Record the outcome of an open task: `promised` needs `promised_on` (a follow-up task
    is made for that day), `refused` a `reason`."""

    version: Version
    outcome: Annotated[str, Choice(CollectionTask.OUTCOMES)]
    promised_on: DateIn | None = None
    reason: text(200) = ""  # type: ignore[valid-type]
    note: text(500) = ""  # type: ignore[valid-type]


class ComplianceFilter(Schema):
    """The period (both days included; at most a year); by default the last 30 days."""

    by: Annotated[str, Choice(("grid", "owner"))] = "grid"
    start: DateIn | None = None
    end: DateIn | None = None


class ComplianceRow(Schema):
    id: int | None = Field(description="网格或负责人 id（按 by）")
    name: str
    due: int = Field(description="期间到期的应联系次数")
    on_time: int = Field(description="其中在到期日当天或之前完成的")
    rate: float | None = Field(description="on_time / due；无到期时为 null")


class ComplianceOut(Schema):
    by: str
    start: dt.date
    end: dt.date
    items: list[ComplianceRow]
