"""Builds a user's `Scope` from their staff role and grid memberships."""

from __future__ import annotations

from typing import Any

from wangge.core.access import Scope
from wangge.org.roles import Role


def resolve_scope(user: Any) -> Scope:
    from wangge.org.models import GridMembership, Staff

    staff = Staff.objects.filter(user_id=user.pk).only("id", "role").first()
    role = staff.role if staff else None
    if user.is_superuser or role == Role.MARKET_ADMIN:
        return Scope(
            user_id=user.pk, staff_id=staff.id if staff else None, role=role, everything=True
        )
    if staff is None:
        # A login without a staff profile belongs to nobody's grid: it sees nothing.
        return Scope(user_id=user.pk, own_records_only=True)
    rows = list(GridMembership.objects.filter(staff_id=staff.id).values_list("grid_id", "role"))
    return Scope(
        user_id=user.pk,
        staff_id=staff.id,
        role=role,
        grid_ids=frozenset(g for g, _ in rows),
        managed_grid_ids=frozenset(g for g, r in rows if r == Role.GRID_MANAGER),
        own_records_only=role == Role.AGENT,
    )
