"""The settlement's fast paths give what the plain ones gave: the raw reader of a month's
sales reads what the ORM reads, the calculator's per-key policy choice is `choose`, and the
raw line insert stores the calculator's lines. On the bench's own month (`bulk_month`),
built small."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.performance import factories_settle as f
from wangge.core.access import SYSTEM
from wangge.performance import commission, services_settle
from wangge.performance import selectors_settle as sel
from wangge.performance.clawback import is_clawed_back
from wangge.performance.models import SalesRecord, Statement, StatementLine
from wangge.performance.services_sales import clawback_days

START, END = dt.date(2024, 3, 1), dt.date(2024, 3, 31)


@pytest.fixture
def month(db: None) -> None:
    f.bulk_month(300, 60, seed=3)
    # Two sales cancelled in their own month (not paid), one cancelled long after (paid).
    first = list(SalesRecord.objects.order_by("reference")[:3])
    for record, cancelled in zip(first, (START, END, dt.date(2024, 9, 1)), strict=True):
        record.sold_on = START
        record.cancelled_on = cancelled
        record.save()


def _orm_sales() -> list[commission.Sale]:
    """The month's sales read through model instances: what the raw reader must equal."""
    managers, techs, days = sel.grid_managers(), sel.installers(START, END), clawback_days()
    out = []
    qs = SalesRecord.objects.filter(sold_on__range=(START, END)).select_related("seller")
    for r in qs.order_by("reference"):
        if (
            r.cancelled_on
            and r.cancelled_on <= END
            and is_clawed_back(r.sold_on, r.cancelled_on, days)
        ):
            continue
        out.append(
            commission.Sale(
                ref=r.reference,
                business_line=r.business_line,
                amount=r.amount,
                seller=r.seller_id,
                product_id=r.product_id,
                channel=r.channel,
                seller_role=r.seller.role if r.seller else None,
                manager=managers.get(r.grid_id) if r.grid_id else None,
                technician=techs.get(r.subscription_id) if r.subscription_id else None,
                day=r.sold_on,
                sale_id=r.pk,
            )
        )
    return out


def test_the_raw_reader_reads_the_month_as_the_orm_does(month: None) -> None:
    # In no particular order: the calculator sorts by reference.
    raw, orm = sorted(sel.month_sales(START, END)), _orm_sales()
    assert len(orm) == 298  # the two cancelled in their month are not paid
    assert raw == orm
    # The same Decimals to the exponent (the CLI prints them, PostgreSQL stores them).
    assert [str(s.amount) for s in raw] == [str(s.amount) for s in orm]
    assert any(s.technician for s in raw) and any(s.manager for s in raw)


def test_the_stored_lines_are_the_calculators_lines(month: None) -> None:
    outcome = services_settle.settle_now(actor=SYSTEM, period=f.PERIOD)
    lines = outcome.result.lines
    assert len(lines) > 300 and {ln.policy_id for ln in lines} and not outcome.adjustments
    stored = list(
        StatementLine.objects.filter(statement__settlement__period=f.PERIOD)
        .order_by("id")
        .values_list(
            "statement__staff_id", "sale_ref", "sale_id", "payee", "policy_id", "rate",
            "amount", "capped", "base",
        )
    )  # fmt: skip
    # Written grouped by person (statement), each person's in the calculator's order.
    assert stored == [
        (ln.staff, ln.sale, ln.sale_id, ln.payee, ln.policy_id, ln.rate, ln.amount, ln.capped,
         ln.base)
        for ln in sorted(lines, key=lambda ln: ln.staff)
    ]  # fmt: skip
    ids = dict(SalesRecord.objects.values_list("reference", "pk"))
    assert all(ln.sale_id == ids[ln.sale] for ln in lines)
    for st in Statement.objects.filter(settlement__period=f.PERIOD):
        mine = [ln for ln in lines if ln.staff == st.staff_id]
        assert st.total == sum((ln.amount for ln in mine), Decimal(0))
        assert (st.lines_count, st.capped_lines) == (len(mine), sum(ln.capped for ln in mine))
    # A re-run replaces the month with identical lines.
    assert services_settle.settle_now(actor=SYSTEM, period=f.PERIOD).result.lines == lines
    assert StatementLine.objects.count() == len(lines)
