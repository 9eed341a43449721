"""Row filters for `visible_to`, written once and reused by every crm model.

Customers are seen by the grid team of their site, and always by their named owner
(名单制), wherever the site lies; agents see only the accounts they own. Competitor
intelligence belongs to the site, so it composes the territory's site rule (`site_q`) and
agents see none. Each rule has its object predicate beside it (`visible`), held to the
queryset by a property test.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from wangge.core.access import Scope, ScopedQuerySet
from wangge.territory.models import site_q, site_visible


def customer_q(scope: Scope, prefix: str = "") -> Q:
    owned = Q(**{f"{prefix}owner_id": scope.staff_id})
    if scope.own_records_only:
        return owned if scope.staff_id is not None else Q(pk__in=[])
    return Q(**{f"{prefix}site__grid_id__in": scope.grid_ids}) | owned


def grid_customers_visible(scope: Scope, grid_id: int) -> bool:
    """Every customer at the grid's sites is visible (`customer_q`'s first half holds for
    all of them): counts over them need no row-by-row check."""
    return scope.everything or (not scope.own_records_only and grid_id in scope.grid_ids)


def customer_visible(scope: Scope, customer: Any) -> bool:
    """`customer_q` for one customer (its `site` loaded or cheap to load)."""
    return CustomerQuerySet.visible(scope, customer)


class CustomerQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return customer_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and obj.owner_id == scope.staff_id:
            return True
        return not scope.own_records_only and obj.site.grid_id in scope.grid_ids


class CustomerChildQuerySet(ScopedQuerySet):
    """Organisations, contacts, notes and subscriptions: visible with their customer."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return customer_q(scope, f"{prefix}customer__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return customer_visible(scope, obj.customer)


class IntelQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, f"{prefix}site__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return site_visible(scope, obj.site)


class OfferQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return site_q(scope, f"{prefix}intel__site__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return site_visible(scope, obj.intel.site)


class CatalogueQuerySet(ScopedQuerySet):
    """Products, plans and competitors are the company's catalogue: every signed-in
    member of the organisation reads them, agents included (they sell the plans)."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q() if scope.staff_id is not None else Q(pk__in=[])

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return scope.staff_id is not None
