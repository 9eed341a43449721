"""What the sales app announces (published on commit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wangge.core.events import Event, event


@event
@dataclass(frozen=True)
class SaleWon(Event):
    """An opportunity became an order: service turns it into an install work order,
    performance into a sales record. `monthly_fee` is a decimal string (exact money)."""

    name = "sale_won"
    opportunity_id: int
    order_id: int
    subscription_id: int
    customer_id: int
    site_id: int
    grid_id: int | None
    seller_id: int
    plan_id: int
    monthly_fee: str
    won_on: dt.date


@event
@dataclass(frozen=True)
class OpportunityDispatched(Event):
    name = "opportunity_dispatched"
    opportunity_id: int
    grid_id: int | None
    assignee_id: int | None


@event
@dataclass(frozen=True)
class VisitRecorded(Event):
    """A contact with a customer (retention's care rules count these)."""

    name = "visit_recorded"
    visit_id: int
    kind: str
    staff_id: int
    customer_id: int | None
    site_id: int
    verified: bool
