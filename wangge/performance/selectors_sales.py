"""Reads of sales records: the list (pages, API, export), one record, the period's figures
the targets and the settlement need (`actuals`, `clawbacks`), and the panels' recent sales.

Pages and the API scope with `visible_to(user)`; `sales_in_period`, `actuals` and
`clawbacks` are the whole county's (the settlement and the scores run as the system and
scope their own output), and callers that show them to a person scope them first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from wangge.core.params import choice_param, int_param, text_param
from wangge.performance.clawback import is_clawed_back, last_clawback_day
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.periods import period_bounds
from wangge.performance.services_sales import clawback_days

Indicator = Literal["broadband_new", "broadband_revenue", "hd", "digital_tv", "revenue"]
By = Literal["seller", "grid"]
#: indicator → (business line or None for all, "count" or "sum").
INDICATORS: dict[str, tuple[str | None, str]] = {
    "broadband_new": (BusinessLine.BROADBAND, "count"),
    "broadband_revenue": (BusinessLine.BROADBAND, "sum"),
    "hd": (BusinessLine.HD, "count"),
    "digital_tv": (BusinessLine.DIGITAL_TV, "count"),
    "revenue": (None, "sum"),
}
_BY_FIELD = {"seller": "seller_id", "grid": "grid_id"}
ZERO = Decimal("0.00")


def period_param(params: Any, name: str = "period") -> str:
    """A "YYYY-MM" or "YYYY-Qn" from a query string, or "" when absent or not a period."""
    raw = text_param(params, name, max_length=8)
    try:
        period_bounds(raw)
    except ValueError:
        return ""
    return raw.upper()


def list_filters(params: Any) -> dict[str, Any]:
    """The sales list's filters from a query string (the page, its export, the API)."""
    return {
        "period": period_param(params),
        "grid_id": int_param(params, "grid"),
        "seller_id": int_param(params, "seller"),
        "business_line": choice_param(params, "line", BusinessLine),
        "source": choice_param(params, "source", SalesRecord.Source),
        "q": text_param(params, "q", max_length=64),
    }


def sales_list(
    *,
    user: Any,
    period: str = "",
    grid_id: int | None = None,
    seller_id: int | None = None,
    business_line: str = "",
    source: str = "",
    q: str = "",
    customer_id: int | None = None,
) -> QuerySet[SalesRecord]:
    qs = SalesRecord.objects.visible_to(user)
    if period:
        start, end = period_bounds(period)
        qs = qs.filter(sold_on__range=(start, end))
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if business_line:
        qs = qs.filter(business_line=business_line)
    if source:
        qs = qs.filter(source=source)
    if q:
        qs = qs.filter(
            Q(reference__istartswith=q) | Q(account_no__istartswith=q) | Q(customer__code=q)
        )
    return qs.select_related("customer", "seller", "grid", "plan", "product").order_by(
        "-sold_on", "-id"
    )


@dataclass(frozen=True)
class Totals:
    count: int
    amount: Decimal


def totals(qs: QuerySet[SalesRecord]) -> Totals:
    """The list's totals row: how many records and their amount (before claw-backs)."""
    row = qs.order_by().aggregate(n=Count("id"), amount=Sum("amount"))
    return Totals(count=row["n"] or 0, amount=Decimal(row["amount"] or 0).quantize(ZERO))


def record_detail(*, user: Any, pk: int) -> SalesRecord:
    found = (
        SalesRecord.objects.visible_to(user)
        .select_related(
            "customer", "customer__site", "seller", "grid", "plan", "product", "subscription"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def is_record_clawed_back(record: SalesRecord) -> bool:
    return is_clawed_back(record.sold_on, record.cancelled_on, clawback_days())


def clawback_ids(records: Iterable[tuple[int, dt.date, dt.date | None]]) -> set[int]:
    days = clawback_days()
    return {pk for pk, sold, cancelled in records if is_clawed_back(sold, cancelled, days)}


def sales_in_period(start: dt.date, end: dt.date) -> QuerySet[SalesRecord]:
    """Every record sold from `start` to `end` (both included), claw-backs included: scope
    it with `.visible_to(user)` before showing it to a person."""
    return SalesRecord.objects.filter(sold_on__gte=start, sold_on__lte=end)


def clawed_back_in(qs: QuerySet[SalesRecord]) -> set[int]:
    """Ids of the records of `qs` that are clawed back (cancelled within the period)."""
    rows = qs.filter(cancelled_on__isnull=False).values_list("pk", "sold_on", "cancelled_on")
    return clawback_ids(rows)


def clawbacks(period: str | dt.date, end: dt.date | None = None) -> QuerySet[SalesRecord]:
    """The claw-backs charged to `period` ("YYYY-MM" or "YYYY-Qn", or the days `period`
    to `end`, both included): records whose account was cancelled within those days, no
    later than `WANGGE_CLAWBACK_DAYS` after the sale (whichever month it was sold in, the
    same month included). Whole county; ordered by cancellation."""
    if isinstance(period, str):
        start, end = period_bounds(period)
    elif end is None:
        raise TypeError("clawbacks(start, end) needs both days.")
    else:
        start = period
    earliest_sale = start - dt.timedelta(days=clawback_days())
    candidates = SalesRecord.objects.filter(
        cancelled_on__gte=start, cancelled_on__lte=end, sold_on__gte=earliest_sale
    ).values_list("pk", "sold_on", "cancelled_on")
    ids = clawback_ids(candidates)
    return (
        SalesRecord.objects.filter(pk__in=sorted(ids))
        .select_related("seller", "grid", "customer")
        .order_by("cancelled_on", "id")
    )


def actuals(
    period_start: dt.date, period_end: dt.date, *, by: By, indicator: Indicator
) -> dict[int, Decimal]:
    """What each seller (`by="seller"`) or grid (`by="grid"`) achieved from `period_start`
    to `period_end` (both included) on `indicator`, net of claw-backs: a sale clawed back
    (cancelled within `WANGGE_CLAWBACK_DAYS`) counts for nothing. Counts are whole
    Decimals, sums Decimals to the fen; who achieved nothing is absent (read it as 0).
    Whole county (the targets scope their pages themselves)."""
    if by not in _BY_FIELD:
        raise ValueError(f"by must be 'seller' or 'grid', not {by!r}")
    if indicator not in INDICATORS:
        raise ValueError(f"Unknown indicator {indicator!r}; one of {sorted(INDICATORS)}")
    line, measure = INDICATORS[indicator]
    qs = sales_in_period(period_start, period_end)
    if line is not None:
        qs = qs.filter(business_line=line)
    late = last_clawback_day(period_end, clawback_days())
    clawed = clawed_back_in(qs.filter(cancelled_on__lte=late))
    if clawed:
        qs = qs.exclude(pk__in=sorted(clawed))
    field = _BY_FIELD[by]
    agg = Count("id") if measure == "count" else Sum("amount")
    rows = qs.filter(**{f"{field}__isnull": False}).order_by().values(field).annotate(v=agg)
    if measure == "count":
        return {r[field]: Decimal(r["v"] or 0) for r in rows}
    # SQLite sums decimals as numbers: back to the fen.
    return {r[field]: Decimal(r["v"] or 0).quantize(ZERO) for r in rows}


def recent(*, user: Any, customer_id: int | None = None, seller_id: int | None = None,
           limit: int = 10) -> list[SalesRecord]:  # fmt: skip
    """The panels' latest sales of a customer or a person, as the user may see them."""
    qs = SalesRecord.objects.visible_to(user).select_related(
        "plan", "product", "seller", "customer"
    )
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    return list(qs.order_by("-sold_on", "-id")[:limit])
