"""Organisation endpoints. Every read goes through the selectors (hence `visible_to`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from wangge.core.access import require, scope_for
from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    BodyIn,
    Id,
    omittable,
    text,
    with_errors,
)
from wangge.org import selectors, services
from wangge.org.models import Grid, Region, ServicePoint, Staff, Team, validate_boundary
from wangge.org.permissions import Action

router = Router(tags=["org"])


class MeOut(Schema):
    username: str
    name: str
    role: str | None
    grid_ids: list[int]
    everything: bool


class RegionOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class GridOut(Schema):
    id: int
    code: str
    name: str
    region_id: int
    service_point_id: int | None
    is_active: bool
    note: str
    boundary: dict[str, Any] | None


class MemberOut(Schema):
    staff_id: int
    name: str
    role: str
    is_primary: bool


class GridDetailOut(GridOut):
    members: list[MemberOut]


class StaffOut(Schema):
    id: int
    name: str
    employee_no: str
    phone: str
    role: str
    department: str | None
    agency: str
    primary_grid_id: int | None


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    grid_id: int | None
    leader_id: int | None
    member_ids: list[int]


class GridPage(Schema):
    count: int
    items: list[GridOut]


class StaffPage(Schema):
    count: int
    items: list[StaffOut]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class GridFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    region: int | None = Field(None, ge=1, le=MAX_ID)


class StaffFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    role: str = Field("", max_length=32, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)


class GridIn(BodyIn):
    code: text(32, 1)  # type: ignore[valid-type]
    name: text(64, 1)  # type: ignore[valid-type]
    region_id: Id
    service_point_id: Id | None = None
    boundary: dict[str, Any] | None = None
    is_active: bool = True
    note: text(2000) = ""  # type: ignore[valid-type]


class GridPatch(BodyIn):
    """Only the fields sent change. Null clears `service_point_id` and `boundary`; the other
    fields cannot hold null, so they may be left out but not nulled."""

    code: text(32, 1) = omittable()  # type: ignore[valid-type]
    name: text(64, 1) = omittable()  # type: ignore[valid-type]
    region_id: Id = omittable()
    service_point_id: Id | None = None
    boundary: dict[str, Any] | None = None
    is_active: bool = omittable()
    note: text(2000) = omittable()  # type: ignore[valid-type]


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


@router.get("/org/regions", response=with_errors({200: list[RegionOut]}))
def region_list(request: HttpRequest) -> Any:
    require(request.user, Action.VIEW_ORG)
    return selectors.region_list(user=request.user)


@router.get("/org/grids", response=with_errors({200: GridPage}))
def grid_list(request: HttpRequest, filters: Query[GridFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    qs = selectors.grid_list(user=request.user, q=filters.q, region_id=filters.region)
    return {
        "count": qs.count(),
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.get("/org/grids/{grid_id}", response=with_errors({200: GridDetailOut}))
def grid_detail(request: HttpRequest, grid_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=grid_id)
    chart = selectors.grid_org_chart(user=request.user, grid=grid)
    members = [
        {"staff_id": m.staff_id, "name": m.staff.name, "role": m.role, "is_primary": m.is_primary}
        for row in chart.rows
        for m in row.people
    ]
    return {**GridOut.from_orm(grid).dict(), "members": members}


def _resolve_refs(user: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Check the boundary and turn `region_id` / `service_point_id` into objects the user
    may see; anything wrong is a 400 naming the field."""
    data = dict(payload)
    if data.get("boundary") is not None:
        # Checked here, not left to `full_clean()`: `Grid.clean()` runs even when the field
        # validator has already refused the boundary, and hands the malformed dict to
        # shapely, which crashes (500) instead of answering 400.
        try:
            validate_boundary(data["boundary"])
        except ValidationError as exc:
            raise ValidationError({"boundary": exc.messages}) from exc
    if "region_id" in data:
        region = Region.objects.visible_to(user).filter(pk=data.pop("region_id")).first()
        if region is None:
            raise ValidationError({"region_id": "No such region."})
        data["region"] = region
    if "service_point_id" in data:
        sp_id = data.pop("service_point_id")
        sp = None
        if sp_id is not None:
            sp = ServicePoint.objects.visible_to(user).filter(pk=sp_id).first()
            if sp is None:
                raise ValidationError({"service_point_id": "No such service point."})
        data["service_point"] = sp
    return data


@router.post("/org/grids", response=with_errors({201: GridOut}))
def grid_create(request: HttpRequest, payload: GridIn) -> Status[Grid]:
    require(request.user, Action.MANAGE_ORG)
    data = _resolve_refs(request.user, payload.model_dump())
    # `Status`, not a `(201, grid)` tuple, which ninja 1.7 deprecates.
    return Status(201, services.grid_create(actor=request.user, **data))


@router.patch("/org/grids/{grid_id}", response=with_errors({200: GridOut}))
def grid_update(request: HttpRequest, grid_id: Path[Id], payload: GridPatch) -> Grid:
    require(request.user, Action.MANAGE_ORG)
    grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=grid_id)
    data = _resolve_refs(request.user, payload.model_dump(exclude_unset=True))
    return services.grid_update(actor=request.user, grid=grid, data=data)


@router.get("/org/staff", response=with_errors({200: StaffPage}))
def staff_list(request: HttpRequest, filters: Query[StaffFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    qs = selectors.staff_list(
        user=request.user, q=filters.q, role=filters.role, grid_id=filters.grid
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_staff_out(request.user, s) for s in page]}


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
