"""Who sees which retention rows: care and collections are a person's own work.

A marketer or agent sees the care items, contacts and collection tasks of the customers they
own (名单制); a grid manager those of the grids they lead; the market department everything.
Technicians own no customers and lead no grid, so they see none. The grid is the customer's
grid when the row was written (copied like a visit's), so a list filters by it on an index.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from wangge.core.access import Scope, ScopedQuerySet


def work_q(scope: Scope, prefix: str = "", person: str = "owner_id") -> Q:
    own = Q(**{f"{prefix}{person}": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
    if scope.own_records_only:
        return own
    return own | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})


def work_visible(scope: Scope, obj: Any, person: str = "owner_id") -> bool:
    if scope.staff_id is not None and getattr(obj, person) == scope.staff_id:
        return True
    return not scope.own_records_only and obj.grid_id in scope.managed_grid_ids


class OwnedWorkQuerySet(ScopedQuerySet):
    """Care items and collection tasks: their owner's, and their grid manager's."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return work_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return work_visible(scope, obj)


class ContactQuerySet(ScopedQuerySet):
    """Contacts someone recorded: theirs, and their grid manager's to read."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return work_q(scope, prefix, person="staff_id")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return work_visible(scope, obj, person="staff_id")


class RuleQuerySet(ScopedQuerySet):
    """Care rules are the company's: every member of staff who keeps customers reads them."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q() if scope.staff_id is not None else Q(pk__in=[])

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return scope.staff_id is not None


class PaymentQuerySet(ScopedQuerySet):
    """Payments: seen with their subscription's customer, by its owner and grid manager."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        c = f"{prefix}subscription__customer__"
        own = Q(**{f"{c}owner_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
        if scope.own_records_only:
            return own
        return own | Q(**{f"{c}site__grid_id__in": scope.managed_grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        customer = obj.subscription.customer
        if scope.staff_id is not None and customer.owner_id == scope.staff_id:
            return True
        return not scope.own_records_only and customer.site.grid_id in scope.managed_grid_ids
