"""Writes of sales records (销售记录): from a won opportunity, from billing's sheet, and an
account's cancellation (销户), which may claw the sale back.

The product sale amount of a sale won in wangge (the base of the 17% broadband cap) is what
the customer contracted for: the order's monthly fee times the plan's contract term
(`TariffPlan.term_months`), or times `WANGGE_SALE_AMOUNT_MONTHS` (12 by default) for a plan
without a term. Billing's sheet carries its own amount, which wins for its records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import SYSTEM, scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.crm.models import ProductKind
from wangge.org.models import Staff
from wangge.org.roles import Role
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.permissions_sales import SalesAction
from wangge.sales.models import Order

CENT = Decimal("0.01")
#: What an import or an edit may set on a record (the reference is its identity).
EDITABLE = ("sold_on", "customer", "subscription", "account_no", "product", "plan",
            "business_line", "amount", "seller", "channel", "grid", "grid_id",
            "cancelled_on")  # fmt: skip

_LINES = {
    ProductKind.BROADBAND: BusinessLine.BROADBAND,
    ProductKind.HD: BusinessLine.HD,
    ProductKind.DIGITAL_TV: BusinessLine.DIGITAL_TV,
}


def business_line_of(product_kind: str | None) -> str:
    """The business line a product kind counts for (anything else: other)."""
    return str(_LINES.get(product_kind, BusinessLine.OTHER))  # type: ignore[call-overload]


def channel_of(seller: Staff | None) -> str:
    """Agents sell through the agent channel; the company's own people through staff."""
    if seller is not None and seller.role == Role.AGENT:
        return str(SalesRecord.Channel.AGENT)
    return str(SalesRecord.Channel.STAFF)


def sale_amount(monthly_fee: Decimal, term_months: int) -> Decimal:
    """The product sale amount of a won order: monthly fee × contract term (or the default
    months for a plan without a term), to the fen, rounded half up once."""
    months = term_months or settings.WANGGE_SALE_AMOUNT_MONTHS
    if months <= 0:
        raise ValueError(f"WANGGE_SALE_AMOUNT_MONTHS must be positive, not {months}.")
    return (Decimal(monthly_fee) * months).quantize(CENT, rounding=ROUND_HALF_UP)


def clawback_days() -> int:
    days = int(settings.WANGGE_CLAWBACK_DAYS)
    if days < 0:
        raise ValueError(f"WANGGE_CLAWBACK_DAYS cannot be negative ({days}).")
    return days


def sales_record_from_order(*, order_id: int) -> tuple[SalesRecord, bool]:
    """The sales record of a won order, created once: its reference is the opportunity's
    code, so a repeated `sale_won` (a retried task, a replay) finds it and writes nothing.

    Returns (record, created). Recorded by the system: the seller acted when they won it.
    """
    order = Order.objects.select_related(
        "opportunity", "plan__product", "seller", "subscription__customer__site"
    ).get(pk=order_id)
    reference = order.opportunity.code or f"SJ{order.opportunity_id:08d}"
    found = SalesRecord.objects.filter(reference=reference).first()
    if found is not None:
        return found, False
    subscription = order.subscription
    customer = subscription.customer
    # The grid the customer's site is in on the day of the sale (a later re-division does
    # not move it); the opportunity's board grid only for a customer without one.
    grid_id = customer.site.grid_id or order.opportunity.grid_id
    record = SalesRecord(
        reference=reference,
        sold_on=order.won_on,
        customer=customer,
        subscription=subscription,
        account_no=subscription.account_no,
        product=order.plan.product,
        plan=order.plan,
        business_line=business_line_of(order.plan.product.kind),
        amount=sale_amount(order.monthly_fee, order.plan.term_months),
        seller=order.seller,
        channel=channel_of(order.seller),
        grid_id=grid_id,
        source=SalesRecord.Source.OPPORTUNITY,
    )
    try:
        with transaction.atomic():
            return audited_create(actor=SYSTEM, instance=record), True
    except IntegrityError:
        # Delivered twice at once: the other delivery's record stands.
        return SalesRecord.objects.get(reference=reference), False


def _grid_id(data: Mapping[str, Any], default: int | None) -> int | None:
    if "grid" in data:
        return getattr(data["grid"], "pk", data["grid"])
    return data.get("grid_id", default)


def _may_write_grid(actor: Any, grid_id: int | None) -> bool:
    scope = scope_for(actor)
    return scope.everything or (grid_id is not None and grid_id in scope.managed_grid_ids)


@transaction.atomic
def sales_record_create(*, actor: Any, reference: str, **data: Any) -> SalesRecord:
    """A sales record from billing (source `import`); a manager only into their grids."""
    require(actor, SalesAction.IMPORT)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Fields not settable here: {sorted(unknown)}")
    if not _may_write_grid(actor, _grid_id(data, None)):
        raise ValidationError({"grid": _("不在您管理的网格内")})
    _check_dates(data.get("sold_on"), data.get("cancelled_on"))
    data.setdefault("channel", channel_of(data.get("seller")))
    record = SalesRecord(reference=reference, source=SalesRecord.Source.IMPORT, **data)
    return audited_create(actor=actor, instance=record)


@transaction.atomic
def sales_record_update(*, actor: Any, record: SalesRecord, data: Mapping[str, Any]) -> SalesRecord:
    require(actor, SalesAction.IMPORT)
    if not _may_write_grid(actor, record.grid_id):
        raise ValidationError({"grid": _("不在您管理的网格内")})
    if not _may_write_grid(actor, _grid_id(data, record.grid_id)):
        raise ValidationError({"grid": _("不在您管理的网格内")})
    _check_dates(data.get("sold_on", record.sold_on), data.get("cancelled_on", record.cancelled_on))
    record, _changed = audited_update(actor=actor, instance=record, data=data, fields=EDITABLE)
    return record


def _check_dates(sold_on: dt.date | None, cancelled_on: dt.date | None) -> None:
    today = clock.today()
    errors: dict[str, str] = {}
    if sold_on is not None and sold_on > today:
        errors["sold_on"] = _("销售日期不能晚于今天")
    if cancelled_on is not None and cancelled_on > today:
        errors["cancelled_on"] = _("销户日期不能晚于今天")
    elif cancelled_on is not None and sold_on is not None and cancelled_on < sold_on:
        errors["cancelled_on"] = _("销户日期不能早于销售日期")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def sale_cancel(
    *, actor: Any, record: SalesRecord, cancelled_on: dt.date | None = None
) -> SalesRecord:
    """The sale's account was cancelled (销户) on `cancelled_on` (today by default).

    Within `WANGGE_CLAWBACK_DAYS` of the sale it is clawed back (`selectors_sales`): the
    settlement of the cancellation's month takes the commission back, and the sale counts
    for no target. A record already cancelled keeps its first date.
    """
    require(actor, SalesAction.CANCEL, record)
    day = cancelled_on or clock.today()
    if record.cancelled_on is not None:
        if record.cancelled_on == day:
            return record
        raise ValidationError({"cancelled_on": _("该销售已登记销户")})
    _check_dates(record.sold_on, day)
    record, _changed = audited_update(
        actor=actor, instance=record, data={"cancelled_on": day}, fields=("cancelled_on",)
    )
    return record
