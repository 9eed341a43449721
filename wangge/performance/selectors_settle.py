"""Reads for commission settlement: a month's sales as calculator input, claw-backs, who
manages a grid, who installed a subscription, and the statements a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Context, Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from wangge.core import clock
from wangge.org.models import GridMembership, Staff
from wangge.org.roles import Role
from wangge.performance import commission, periods, selectors_sales
from wangge.performance.clawback import is_clawed_back
from wangge.performance.models import (
    CommissionPolicy,
    SalesRecord,
    Settlement,
    Statement,
    StatementLine,
)
from wangge.performance.services_sales import clawback_days
from wangge.service.models import OrderKind, OrderState, WorkOrder


def parse_period(value: Any) -> tuple[dt.date, dt.date] | None:
    """A settlement month "YYYY-MM" (years 2000–2999) → its first and last day; None for
    anything else (a quarter is never settled)."""
    try:
        period = periods.parse_period(str(value or ""))
    except ValueError:
        return None
    if period.months != 1 or not 2000 <= period.year <= 2999:
        return None
    return period.start, period.end


def period_of(day: dt.date) -> str:
    return periods.month_of(day).code


def next_period(period: str) -> str:
    bounds = parse_period(period)
    assert bounds is not None
    return period_of(bounds[1] + dt.timedelta(days=1))


def last_month() -> str:
    return periods.previous_month(clock.today()).code


def clawbacks(start: dt.date, end: dt.date) -> QuerySet[SalesRecord]:
    """Sales of earlier months whose account was cancelled between `start` and `end` within
    the claw-back period (the sales part's rule). A sale cancelled in its own month was
    never paid (`month_sales`), so nothing comes back for it."""
    return selectors_sales.clawbacks(start, end).filter(sold_on__lt=start)


def policies_for(start: dt.date, end: dt.date) -> list[commission.Policy]:
    """The versions in force on some day of the month (each sale is matched to the version
    in force on its day: versions of one key never overlap)."""
    qs = CommissionPolicy.objects.filter(effective_from__lte=end).exclude(effective_to__lt=start)
    return [p.as_policy() for p in qs.order_by("id")]


def grid_managers() -> dict[int, int]:
    """grid id → the staff id of its manager (the lowest id if a grid has two)."""
    out: dict[int, int] = {}
    rows = GridMembership.objects.filter(role=Role.GRID_MANAGER).order_by("-staff_id")
    for grid_id, staff_id in rows.values_list("grid_id", "staff_id"):
        out[grid_id] = staff_id
    return out


def installers(start: dt.date, end: dt.date) -> dict[int, int]:
    """subscription id → the technician of its install work order (the latest one that was
    not cancelled) for the month's sales."""
    subs = SalesRecord.objects.filter(
        sold_on__gte=start, sold_on__lte=end, subscription__isnull=False
    ).values("subscription_id")
    rows = (
        WorkOrder.objects.filter(
            kind=OrderKind.INSTALL, subscription_id__in=subs, assignee__isnull=False
        )
        .exclude(state=OrderState.CANCELLED)
        .order_by("id")
        .values_list("subscription_id", "assignee_id")
    )
    return {sub: staff for sub, staff in rows if sub is not None and staff is not None}


def month_sales(start: dt.date, end: dt.date) -> Iterator[commission.Sale]:
    """The month's sales as calculator input, in no particular order (the calculator sorts
    them by reference: sorting a million rows in the database cost more). A sale cancelled
    by the end of its own month (within the claw-back period) is not paid at all.

    Read with a raw cursor, no model instance and none of the ORM's per-value converters:
    a month holds a million sales, and building them was most of the read."""
    managers = grid_managers()
    techs = installers(start, end)
    days = clawback_days()
    qs = SalesRecord.objects.filter(sold_on__gte=start, sold_on__lte=end).order_by()
    sold_on = "sold_on"
    if connection.vendor == "sqlite":
        # As text: the driver would parse the declared date column once per row; the day
        # reader parses each of the month's 31 days once.
        qs, sold_on = qs.annotate(day_text=Cast("sold_on", CharField())), "day_text"
    cols = (
        "reference",
        "business_line",
        "amount",
        "seller_id",
        "product_id",
        "channel",
        "seller__role",
        "grid_id",
        "subscription_id",
        sold_on,
        "cancelled_on",
        "pk",
    )
    sql, params = qs.values_list(*cols).query.sql_with_params()
    money, day = _money_reader(), _day_reader()
    Sale = commission.Sale
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20000):
            for row in rows:
                (
                    ref,
                    line,
                    amount,
                    seller,
                    product,
                    channel,
                    role,
                    grid,
                    sub,
                    sold,
                    cancelled,
                    pk,
                ) = row
                sold = day(sold)
                if cancelled is not None:
                    cancelled = day(cancelled)
                    if cancelled <= end and is_clawed_back(sold, cancelled, days):
                        continue
                yield Sale(
                    ref,
                    line,
                    money(amount),
                    seller,
                    product,
                    channel,
                    role,
                    managers.get(grid) if grid is not None else None,
                    techs.get(sub) if sub is not None else None,
                    sold,
                    pk,
                )


def _money_reader() -> Callable[[Any], Decimal]:
    """A sale amount as the ORM reads it. PostgreSQL hands back the Decimal; SQLite a float
    (or an int), which Django rounds to 15 digits and then to the fen: the same here,
    remembered per value (a month's amounts repeat, the rounding is the cost)."""
    if connection.vendor != "sqlite":
        return lambda v: v if isinstance(v, Decimal) else Decimal(v).quantize(commission.FEN)
    to_decimal = Context(prec=15).create_decimal_from_float
    seen: dict[Any, Decimal] = {}

    def read(value: Any) -> Decimal:
        found = seen.get(value)
        if found is None:
            found = seen[value] = to_decimal(value).quantize(commission.FEN)
        return found

    return read


def _day_reader() -> Callable[[Any], dt.date]:
    """A date as the ORM reads it (the driver may hand back the ISO text)."""
    seen: dict[Any, dt.date] = {}

    def read(value: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        found = seen.get(value)
        if found is None:
            found = seen[value] = dt.date.fromisoformat(value)
        return found

    return read


def month_clawbacks(start: dt.date, end: dt.date) -> list[commission.Clawback]:
    """What each payee was paid for the claw-back sales, in earlier months' statements
    (net of any earlier claw-back, so a cancellation is taken back once)."""
    # By the sale's id, not its reference: lines are indexed by sale (the reference is
    # not, and a year of lines is tens of millions of rows).
    sales = clawbacks(start, end).values("pk")
    paid: dict[tuple[str, int, str], list[Any]] = {}
    rows = (
        StatementLine.objects.filter(
            sale_id__in=sales,
            kind__in=(StatementLine.Kind.SALE, StatementLine.Kind.CLAWBACK),
            statement__settlement__period__lt=period_of(start),
        )
        .values_list("sale_ref", "statement__staff_id", "payee", "business_line", "base", "amount")
        .order_by("id")
    )
    for ref, staff, payee, line, base, amount in rows:
        key = (ref, staff, payee)
        if key in paid:
            paid[key][2] += amount
        else:
            paid[key] = [line, base, amount]
    return [
        commission.Clawback(
            ref=ref, business_line=line, amount=base, staff=staff, payee=payee, paid=total
        )
        for (ref, staff, payee), (line, base, total) in sorted(paid.items())
        if total > 0
    ]


def primary_grids(staff_ids: set[int]) -> dict[int, int]:
    rows = GridMembership.objects.filter(staff_id__in=staff_ids, is_primary=True)
    return dict(rows.values_list("staff_id", "grid_id"))


def employee_numbers(staff_ids: set[int]) -> dict[int, str]:
    return dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "employee_no"))


def settlement_for(period: str) -> Settlement | None:
    return Settlement.objects.filter(period=period).first()


def statements_for(user: Any) -> QuerySet[Statement]:
    return Statement.objects.visible_to(user).select_related("settlement", "staff", "grid")
