"""Reads of the organisation for users: always scoped to the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from wangge.core.access import scope_for
from wangge.core.permissions import CoreAction, can
from wangge.core.phones import mask_phone
from wangge.org.models import Grid, GridMembership, Region, Staff, Team
from wangge.org.roles import CHART_ORDER, Role


def grid_list(
    *, user: Any, q: str = "", region_id: int | None = None, active: bool | None = None
) -> QuerySet[Grid]:
    qs = Grid.objects.visible_to(user).select_related("region", "service_point")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if region_id:
        qs = qs.filter(region_id=region_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.annotate(member_count=Count("memberships", distinct=True)).order_by("code")


def staff_list(
    *,
    user: Any,
    q: str = "",
    role: str = "",
    grid_id: int | None = None,
    department_id: int | None = None,
) -> QuerySet[Staff]:
    qs = Staff.objects.visible_to(user).select_related("user", "department")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(employee_no__icontains=q) | Q(phone__icontains=q))
    if role:
        qs = qs.filter(role=role)
    if grid_id:
        qs = qs.filter(memberships__grid_id=grid_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    primary = GridMembership.objects.filter(is_primary=True).select_related("grid")
    return qs.prefetch_related(Prefetch("memberships", queryset=primary, to_attr="primary_list"))


def region_list(*, user: Any) -> QuerySet[Region]:
    return Region.objects.visible_to(user)


def phone_for(*, user: Any, phone: str, owner_user_id: int | None = None) -> str:
    """The phone as this user may see it: whole for roles that need it, masked otherwise."""
    if not phone:
        return ""
    if owner_user_id == getattr(user, "pk", None) or can(user, CoreAction.VIEW_PHONE):
        return phone
    return mask_phone(phone)


@dataclass
class ChartRow:
    role: str
    label: str
    people: list[GridMembership] = field(default_factory=list)


@dataclass
class OrgChart:
    grid: Grid
    rows: list[ChartRow]
    teams: list[Team]


def grid_org_chart(*, user: Any, grid: Grid) -> OrgChart:
    """The grid's people by role, manager first, limited to the staff this user may see."""
    visible_staff = Staff.objects.visible_to(user).values("id")
    members = (
        GridMembership.objects.filter(grid=grid, staff_id__in=visible_staff)
        .select_related("staff", "staff__department", "staff__user")
        .order_by("staff__employee_no")
    )
    by_role: dict[str, ChartRow] = {}
    for m in members:
        row = by_role.setdefault(m.role, ChartRow(role=m.role, label=str(Role(m.role).label)))
        row.people.append(m)
    rows = sorted(by_role.values(), key=lambda r: CHART_ORDER[Role(r.role)])
    scope = scope_for(user)
    teams_qs = Team.objects.visible_to(user).filter(
        Q(grid=grid) | Q(members__memberships__grid=grid)
    )
    if scope.own_records_only:
        teams_qs = teams_qs.none()
    teams = list(
        teams_qs.distinct()
        .select_related("leader")
        .prefetch_related("memberships__staff__department")
    )
    return OrgChart(grid=grid, rows=rows, teams=teams)
