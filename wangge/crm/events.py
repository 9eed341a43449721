"""What the information base announces to higher apps (published on commit)."""

from __future__ import annotations

from dataclasses import dataclass

from wangge.core.events import Event, event


@event
@dataclass(frozen=True)
class CustomerCreated(Event):
    name = "customer_created"
    customer_id: int
    site_id: int
    owner_id: int
    kind: str


@event
@dataclass(frozen=True)
class SubscriptionCreated(Event):
    """A customer subscribed (sales, performance and service listen: a sale, an install)."""

    name = "subscription_created"
    subscription_id: int
    customer_id: int
    plan_id: int
