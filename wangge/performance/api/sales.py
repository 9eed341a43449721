"""Sales records: the list (filters like the page's) and one record. Read-only, scoped like
the pages; money as decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Schema
from pydantic import Field

from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    ApiRouter,
    Choice,
    Id,
    PageParams,
    paginate,
    with_errors,
)
from wangge.core.permissions import require
from wangge.crm.api.schemas import Money
from wangge.performance import selectors_sales as selectors
from wangge.performance.clawback import is_clawed_back
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.periods import period_bounds
from wangge.performance.permissions_sales import SalesAction
from wangge.performance.services_sales import clawback_days

router = ApiRouter()

#: A month or a quarter of the years 1900–9999 (`periods.period_bounds`), or blank.
PERIOD_PATTERN = r"^((19|[2-9]\d)\d{2}-(0[1-9]|1[0-2]|[Qq][1-4]))?$"


class SalesRecordOut(Schema):
    id: int
    reference: str
    sold_on: dt.date
    customer_id: int
    customer_code: str
    subscription_id: int | None
    account_no: str
    product_id: int | None
    plan_id: int | None
    business_line: str
    amount: Decimal = Money
    seller_id: int | None
    seller_employee_no: str | None
    channel: str
    grid_id: int | None
    source: str
    cancelled_on: dt.date | None
    clawed_back: bool


class SalesRecordPage(Schema):
    count: int
    items: list[SalesRecordOut]


class SalesFilter(PageParams):
    period: str = Field("", max_length=8, pattern=PERIOD_PATTERN, description="YYYY-MM 或 YYYY-Qn")
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    seller: int | None = Field(None, ge=1, le=MAX_ID)
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    line: Annotated[str, Choice(BusinessLine, blank=True)] = ""
    source: Annotated[str, Choice(SalesRecord.Source, blank=True)] = ""
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)


def record_out(r: SalesRecord, days: int) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "sold_on": r.sold_on,
        "customer_id": r.customer_id,
        "customer_code": r.customer.code,
        "subscription_id": r.subscription_id,
        "account_no": r.account_no,
        "product_id": r.product_id,
        "plan_id": r.plan_id,
        "business_line": r.business_line,
        "amount": r.amount,
        "seller_id": r.seller_id,
        "seller_employee_no": r.seller.employee_no if r.seller else None,
        "channel": r.channel,
        "grid_id": r.grid_id,
        "source": r.source,
        "cancelled_on": r.cancelled_on,
        "clawed_back": is_clawed_back(r.sold_on, r.cancelled_on, days),
    }


@router.get("/performance/sales", response=with_errors({200: SalesRecordPage}))
def sales_list(request: HttpRequest, filters: Query[SalesFilter]) -> dict[str, Any]:
    require(request.user, SalesAction.VIEW)
    period = filters.period.upper()
    if period:
        try:
            period_bounds(period)
        except ValueError:
            raise ValidationError({"period": _("期间应为 YYYY-MM 或 YYYY-Qn")}) from None
    qs = selectors.sales_list(
        user=request.user,
        period=period,
        grid_id=filters.grid,
        seller_id=filters.seller,
        customer_id=filters.customer,
        business_line=filters.line,
        source=filters.source,
        q=filters.q,
    )
    days = clawback_days()
    return paginate(qs, filters, lambda r: record_out(r, days))


@router.get("/performance/sales/{record_id}", response=with_errors({200: SalesRecordOut}))
def sales_detail(request: HttpRequest, record_id: Path[Id]) -> dict[str, Any]:
    require(request.user, SalesAction.VIEW)
    return record_out(selectors.record_detail(user=request.user, pk=record_id), clawback_days())
