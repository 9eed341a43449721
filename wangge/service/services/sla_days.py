"""Keep the SLA dashboard's summary (`SlaDay`) in step with the work orders.

An order counts in the summary once it is met and not cancelled: one on its grid, kind and
due day, and once more in `on_time` if it was met in time. The order services call
`sla_day_shift` with what an order counted for before and after each move, in the move's
transaction; `sla_days_rebuild` recounts everything from the orders (the nightly job, the
demo loader and bulk loads, which write orders without the services).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from wangge.core import clock
from wangge.service.models import OrderState, SlaDay, WorkOrder


class Tally(NamedTuple):
    grid_id: int
    kind: str
    day: dt.date
    on_time: bool


def tally_of(order: Any) -> Tally | None:
    """What `order` adds to the summary as it stands (None: nothing)."""
    if order.grid_id is None or order.met_at is None or order.state == OrderState.CANCELLED:
        return None
    return Tally(order.grid_id, order.kind, clock.local_date(order.due_at), bool(order.on_time))


def _add(tally: Tally, n: int) -> None:
    key = {"day": tally.day, "grid_id": tally.grid_id, "kind": tally.kind}
    change = {"met": F("met") + n, "on_time": F("on_time") + (n if tally.on_time else 0)}
    if SlaDay.objects.filter(**key).update(**change):
        return
    try:
        with transaction.atomic():
            SlaDay.objects.create(**key, met=max(n, 0), on_time=max(n, 0) if tally.on_time else 0)
    except IntegrityError:
        # Another order of the same grid, kind and day made the row meanwhile.
        SlaDay.objects.filter(**key).update(**change)


def sla_day_shift(*, before: Tally | None, after: Tally | None) -> None:
    if before == after:
        return
    if before is not None:
        _add(before, -1)
    if after is not None:
        _add(after, 1)


@transaction.atomic
def sla_days_rebuild() -> int:
    """Recount the whole summary from the orders; returns the rows written."""
    rows = (
        WorkOrder.objects.filter(met_at__isnull=False, grid__isnull=False)
        .exclude(state=OrderState.CANCELLED)
        .annotate(day=TruncDate("due_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "grid_id", "kind")
        .annotate(met=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
        .order_by()
    )
    SlaDay.objects.all().delete()
    made = SlaDay.objects.bulk_create((SlaDay(**r) for r in rows.iterator()), batch_size=2000)
    return len(made)
