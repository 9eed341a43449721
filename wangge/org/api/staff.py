"""The calling user, staff and teams."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query

from wangge.core.access import scope_for
from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.org import selectors
from wangge.org.api.schemas import MeOut, StaffFilter, StaffOut, StaffPage, TeamOut
from wangge.org.models import Staff, Team
from wangge.org.permissions import Action

router = ApiRouter()


def _staff_out(user: Any, staff: Staff) -> dict[str, Any]:
    primary = getattr(staff, "primary_list", None)
    primary_grid_id = primary[0].grid_id if primary else None
    return {
        "id": staff.id,
        "name": staff.name,
        "employee_no": staff.employee_no,
        "phone": selectors.phone_for(user=user, phone=staff.phone, owner_user_id=staff.user_id),
        "role": staff.role,
        "department": staff.department.name if staff.department else None,
        "agency": staff.agency,
        "primary_grid_id": primary_grid_id,
    }


@router.get("/me", response=with_errors({200: MeOut}), summary="The calling user")
def me(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(request.user)
    return {
        "username": request.user.get_username(),
        "name": request.user.get_full_name(),  # type: ignore[union-attr]
        "role": scope.role,
        "grid_ids": sorted(scope.grid_ids),
        "everything": scope.everything,
    }


@router.get("/org/staff", response=with_errors({200: StaffPage}))
def staff_list(request: HttpRequest, filters: Query[StaffFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    qs = selectors.staff_list(
        user=request.user, q=filters.q, role=filters.role, grid_id=filters.grid
    )
    return paginate(qs, filters, lambda s: _staff_out(request.user, s))


@router.get("/org/staff/{staff_id}", response=with_errors({200: StaffOut}))
def staff_detail(request: HttpRequest, staff_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    staff = get_object_or_404(selectors.staff_list(user=request.user), pk=staff_id)
    return _staff_out(request.user, staff)


@router.get("/org/teams", response=with_errors({200: list[TeamOut]}))
def team_list(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.user, Action.VIEW_ORG)
    visible_staff = set(selectors.staff_list(user=request.user).values_list("id", flat=True))
    teams = Team.objects.visible_to(request.user).prefetch_related("memberships")
    return [
        {
            "id": t.id,
            "name": t.name,
            "kind": t.kind,
            "grid_id": t.grid_id,
            "leader_id": t.leader_id,
            "member_ids": [m.staff_id for m in t.memberships.all() if m.staff_id in visible_staff],
        }
        for t in teams
    ]
