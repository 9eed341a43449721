"""Sales records in the demo county: one per won order of the growth month (as `sale_won`
would write them), and billing's sheet for the three months before the demo day, every grid
and every business line, with a few accounts cancelled soon after (claw-backs), so that last
month can always be settled and scored.

Won orders go through `services_sales.sales_record_from_order` (the event handler's own
function: the demo's transaction commits after every loader, and the handler then finds
them written). Billing's rows are written in bulk with their audit entries (`BulkWriter`),
as the import's bulk path would: a few hundred rows in well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection, transaction

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.imports.bulk import BulkWriter
from wangge.crm.models import Customer, TariffPlan
from wangge.org.models import Grid, GridMembership
from wangge.org.roles import Role
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.services_sales import business_line_of, channel_of, sale_amount
from wangge.sales.models import Order

#: Mixed into the seed so this loader's random stream is its own.
SALT = 0x9E7F
MONTHS = 3
#: Billing rows per grid and month (before the scale).
PER_GRID_MONTH = (8, 14)
#: Share of billing's sales whose account is cancelled later (about half within 90 days).
CANCELLED_SHARE = 0.06
SELLING_ROLES = (Role.GRID_MANAGER, Role.ACCOUNT_MARKETER, Role.SALES_MARKETER, Role.AGENT)
#: How often each business line sells (broadband leads, as in the seed).
LINE_WEIGHTS = {BusinessLine.BROADBAND: 55, BusinessLine.HD: 20, BusinessLine.DIGITAL_TV: 20,
                BusinessLine.OTHER: 5}  # fmt: skip


def _month_starts(today: dt.date) -> list[dt.date]:
    starts, first = [], today.replace(day=1)
    for _i in range(MONTHS):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        starts.append(first)
    return starts


@transaction.atomic
def load_performance_sales(seed: int, *, scale: float = 1.0) -> dict[str, int]:
    from wangge.performance.services_sales import sales_record_from_order

    won = 0
    for order_id in Order.objects.order_by("pk").values_list("pk", flat=True):
        _record, created = sales_record_from_order(order_id=order_id)
        won += created
    rng = random.Random(seed ^ SALT)
    today = clock.today()
    plans: dict[str, list[TariffPlan]] = {}
    for plan in TariffPlan.objects.filter(is_active=True).select_related("product"):
        plans.setdefault(business_line_of(plan.product.kind), []).append(plan)
    lines = [line for line in LINE_WEIGHTS if line in plans or line == BusinessLine.OTHER]
    weights = [LINE_WEIGHTS[line] for line in lines]
    writer = BulkWriter(SalesRecord)
    seq = 0
    clawed = 0
    last_month = _month_starts(today)[0]
    for grid in Grid.objects.filter(is_active=True).order_by("code"):
        members = GridMembership.objects.filter(grid=grid, role__in=SELLING_ROLES)
        sellers = [m.staff for m in members.select_related("staff").order_by("staff_id")]
        customers = list(
            Customer.objects.filter(site__grid=grid)
            .order_by("pk")
            .values_list("pk", flat=True)[:400]
        )
        if not sellers or not customers:
            continue
        for start in _month_starts(today):
            days = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - start
            n = max(1, round(rng.randint(*PER_GRID_MONTH) * scale))
            for i in range(n):
                seq += 1
                line = rng.choices(lines, weights)[0]
                plan = rng.choice(plans[line]) if line in plans else None
                sold = start + dt.timedelta(days=rng.randrange(days.days))
                seller = rng.choice(sellers)
                if plan is not None:
                    amount = sale_amount(plan.monthly_price, plan.term_months)
                else:
                    amount = Decimal(rng.randrange(5000, 30000)) / 100
                cancelled = None
                if i == 0 and start == last_month:
                    # Each grid's first sale of last month is cancelled within the month:
                    # every settlement of last month has a claw-back to show.
                    sold = start + dt.timedelta(days=rng.randrange(5))
                    cancelled = sold + dt.timedelta(days=rng.randint(3, 20))
                    clawed += 1
                elif rng.random() < CANCELLED_SHARE:
                    later = sold + dt.timedelta(days=rng.randint(5, 150))
                    cancelled = later if later <= today else None
                    clawed += cancelled is not None and (cancelled - sold).days <= 90
                writer.create(SalesRecord(
                    reference=f"JF{start:%Y%m}{seq:06d}", sold_on=sold,
                    customer_id=rng.choice(customers), product=plan.product if plan else None,
                    plan=plan, business_line=line, amount=amount, seller=seller,
                    channel=channel_of(seller), grid=grid, source=SalesRecord.Source.IMPORT,
                    cancelled_on=cancelled,
                ))  # fmt: skip
    writer.flush(SYSTEM)
    return {"销售记录（商机成交）": won, "销售记录（计费导入）": seq, "其中销户追回": clawed}


def reset_performance_sales() -> None:
    """Delete every sales record (before the customers, products and staff they name)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(SalesRecord._meta.db_table)}")
