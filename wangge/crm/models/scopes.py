"""Row filters for `visible_to`, written once and reused by every crm model.

Customers are seen by the grid team of their site, and always by their named owner
(名单制), wherever the site lies; agents see only the accounts they own. Competitor
intelligence belongs to the site, so it follows the site's grid and agents see none.
"""

from __future__ import annotations

from django.db.models import Q

from wangge.core.access import Scope, ScopedQuerySet


def customer_q(scope: Scope, prefix: str = "") -> Q:
    owned = Q(**{f"{prefix}owner_id": scope.staff_id})
    if scope.own_records_only:
        return owned if scope.staff_id is not None else Q(pk__in=[])
    return Q(**{f"{prefix}site__grid_id__in": scope.grid_ids}) | owned


def site_q(scope: Scope, prefix: str = "") -> Q:
    if scope.own_records_only:
        return Q(pk__in=[])
    return Q(**{f"{prefix}site__grid_id__in": scope.grid_ids})


class CustomerQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope) -> Q:
        return customer_q(scope)


class CustomerChildQuerySet(ScopedQuerySet):
    """Organisations, contacts, notes and subscriptions: visible with their customer."""

    def scope_q(self, scope: Scope) -> Q:
        return customer_q(scope, "customer__")


class IntelQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope) -> Q:
        return site_q(scope)


class OfferQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope) -> Q:
        return site_q(scope, "intel__")


class CatalogueQuerySet(ScopedQuerySet):
    """Products, plans and competitors are the company's catalogue: every signed-in
    member of the organisation reads them, agents included (they sell the plans)."""

    def scope_q(self, scope: Scope) -> Q:
        return Q() if scope.staff_id is not None else Q(pk__in=[])
