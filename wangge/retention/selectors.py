"""Every read of the retention app, scoped with `visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.org.models import Grid, Staff
from wangge.retention import compliance
from wangge.retention.models import CareCount, CareDue, CareRule, CollectionTask, Contact

#: Care due within this many days shows as due (a person plans a few days ahead).
DUE_SOON_DAYS = 3


def care_list(
    *,
    user: Any,
    state: str = "",
    grid_id: int | None = None,
    owner_id: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[CareDue]:
    """Care items the user may see; `state` `overdue` (late), `due` (due within
    `DUE_SOON_DAYS`, late or not) or empty (every customer under a rule)."""
    today = today or clock.today()
    qs = CareDue.objects.visible_to(user).select_related(
        "customer", "customer__site", "rule", "owner"
    )
    if state == "overdue":
        qs = qs.filter(due_on__lt=today)
    elif state == "due":
        qs = qs.filter(due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("due_on", "id")


def rule_list(*, user: Any) -> QuerySet[CareRule]:
    return CareRule.objects.visible_to(user).select_related("grid").order_by("name", "id")


def contact_list(*, user: Any, customer_id: int | None = None) -> QuerySet[Contact]:
    qs = Contact.objects.visible_to(user).select_related("customer", "staff")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


@dataclass(frozen=True)
class Rate:
    key: int | None
    name: str
    total: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.total if self.total else None


def _group(by: str) -> tuple[str, str]:
    return ("grid_id", "grid__name") if by == "grid" else ("owner_id", "owner__name")


def care_compliance(*, user: Any, by: str = "grid", today: dt.date | None = None) -> list[Rate]:
    """Per grid or person: the customers under care, and how many are not overdue (the
    share kept on time). Read from the kept counts (`CareCount`: a few rows per grid, owner
    and due date), not the care items, so a county's figure costs the same at any size."""
    today = today or clock.today()
    key, name = _group(by)
    rows = (
        CareCount.objects.visible_to(user)
        .values(key, name)
        .annotate(total=Sum("n"), done=Sum("n", filter=Q(due_on__gte=today)))
        .order_by(name, key)
    )
    return [Rate(r[key], r[name] or "—", r["total"], r["done"] or 0) for r in rows if r["total"]]


def care_compliance_period(
    *, user: Any, start: dt.date, end: dt.date, by: str = "grid"
) -> list[Rate]:
    """Per grid or person: the contacts that fell due from `start` to `end` (both included)
    and how many were made by their due date (`retention.compliance`)."""
    counts = compliance.compliance(scope=scope_for(user), start=start, end=end, by=by)
    model = Grid if by == "grid" else Staff
    names = dict(
        model.objects.filter(pk__in=[k for k in counts if k is not None]).values_list("pk", "name")
    )
    rows = [Rate(k, names.get(k, "—"), due, kept) for k, (due, kept) in counts.items()]
    return sorted(rows, key=lambda r: (r.name, r.key or 0))


def collection_list(
    *,
    user: Any,
    status: str = "",
    kind: str = "",
    grid_id: int | None = None,
    owner_id: int | None = None,
) -> QuerySet[CollectionTask]:
    qs = CollectionTask.objects.visible_to(user).select_related(
        "customer", "subscription", "subscription__plan", "owner"
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("due_on", "id")


@dataclass(frozen=True)
class CollectionRate:
    key: int | None
    name: str
    renewals: int
    renewed: int
    arrears: int
    collected: int

    @property
    def renewal_rate(self) -> float | None:
        return self.renewed / self.renewals if self.renewals else None

    @property
    def collection_rate(self) -> float | None:
        return self.collected / self.arrears if self.arrears else None


def collection_rates(
    *, user: Any, by: str = "grid", month: dt.date | None = None
) -> list[CollectionRate]:
    """Per grid or person, of the tasks made in `month` (first tasks, not follow-ups): how
    many renewals and arrears were paid. A promise kept counts through its follow-up."""
    month = (month or clock.today()).replace(day=1)
    end = (month + dt.timedelta(days=32)).replace(day=1)
    key, name = _group(by)
    paid = Q(status="paid") | Q(follow_ups__status="paid")
    rows = (
        CollectionTask.objects.visible_to(user)
        .filter(parent__isnull=True, created_on__gte=month, created_on__lt=end)
        .values(key, name)
        .annotate(
            renewals=Count("id", filter=Q(kind="renewal"), distinct=True),
            renewed=Count("id", filter=Q(kind="renewal") & paid, distinct=True),
            arrears=Count("id", filter=Q(kind="arrears"), distinct=True),
            collected=Count("id", filter=Q(kind="arrears") & paid, distinct=True),
        )
        .order_by(name, key)
    )
    return [
        CollectionRate(
            r[key], r[name] or "—", r["renewals"], r["renewed"], r["arrears"], r["collected"]
        )
        for r in rows
    ]
