"""Who sees which growth records (the rows; what they may do is `permissions`).

An opportunity belongs to a grid's board: the grid's team sees it, and its current
assignee and whoever raised it always do. Agents see only what is theirs (assigned or
raised by them). An opportunity with no grid yet sits in the market department's pool.
Visits are personal work records: their author and the managers of the grid they were made
in see them. Campaigns and promotion material belong to a grid's team; agents see none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from wangge.core.access import Scope, ScopedQuerySet


def opportunity_q(scope: Scope, prefix: str = "") -> Q:
    mine = Q(**{f"{prefix}assignee_id": scope.staff_id}) | Q(
        **{f"{prefix}raised_by_id": scope.staff_id}
    )
    if scope.staff_id is None:
        mine = Q(pk__in=[])
    if scope.own_records_only:
        return mine
    return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | mine


class OpportunityQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return opportunity_q(scope, prefix)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        if scope.staff_id is not None and scope.staff_id in (obj.assignee_id, obj.raised_by_id):
            return True
        return not scope.own_records_only and obj.grid_id in scope.grid_ids

    def open(self) -> OpportunityQuerySet:
        from wangge.sales.models.opportunities import Opportunity

        return self.filter(stage__in=Opportunity.OPEN_STAGES)


class OpportunityChildQuerySet(ScopedQuerySet):
    """Stage history and orders: visible with their opportunity."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return opportunity_q(scope, f"{prefix}opportunity__")

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return OpportunityQuerySet.visible(scope, obj.opportunity)


class VisitQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        own = Q(**{f"{prefix}staff_id": scope.staff_id}) if scope.staff_id else Q(pk__in=[])
        return own | Q(**{f"{prefix}grid_id__in": scope.managed_grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        own = scope.staff_id is not None and obj.staff_id == scope.staff_id
        return own or obj.grid_id in scope.managed_grid_ids


class GridTeamQuerySet(ScopedQuerySet):
    """Campaigns and promotion material: the grid's team (no agents)."""

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        if scope.own_records_only:
            return Q(pk__in=[])
        return Q(**{f"{prefix}grid_id__in": scope.grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return not scope.own_records_only and obj.grid_id in scope.grid_ids
