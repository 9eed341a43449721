"""Regions and grids."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.org import selectors, services
from wangge.org.api.schemas import (
    GridDetailOut,
    GridFilter,
    GridIn,
    GridOut,
    GridPage,
    GridPatch,
    RegionOut,
)
from wangge.org.models import Grid, Region, ServicePoint, Staff, validate_boundary
from wangge.org.permissions import Action

router = ApiRouter()


@router.get("/org/regions", response=with_errors({200: list[RegionOut]}))
def region_list(request: HttpRequest) -> Any:
    require(request.user, Action.VIEW_ORG)
    return selectors.region_list(user=request.user)


@router.get("/org/grids", response=with_errors({200: GridPage}))
def grid_list(request: HttpRequest, filters: Query[GridFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW_ORG)
    qs = selectors.grid_list(user=request.user, q=filters.q, region_id=filters.region)
    return paginate(qs, filters)


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
    if "technician_id" in data:
        staff_id = data.pop("technician_id")
        staff = None
        if staff_id is not None:
            staff = Staff.objects.visible_to(user).filter(pk=staff_id).first()
            if staff is None:
                raise ValidationError({"technician_id": "No such staff member."})
        data["technician"] = staff
    return data


@router.post("/org/grids", response=with_errors({201: GridOut}))
def grid_create(request: HttpRequest, payload: GridIn) -> Status[Grid]:
    require(request.user, Action.MANAGE_ORG)
    data = _resolve_refs(request.user, payload.model_dump())
    # `Status`, not a `(201, grid)` tuple, which ninja 1.7 deprecates.
    return Status(201, services.grid_create(actor=request.user, **data))


@router.patch("/org/grids/{grid_id}", response=with_errors({200: GridOut}))
def grid_update(request: HttpRequest, grid_id: Path[Id], payload: GridPatch) -> Grid:
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version", None)
    if set(sent) == {"technician_id"}:
        # The 包干 technician alone: the grid's manager may (the service checks which grids).
        require(request.user, Action.NAME_TECHNICIAN)
        grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=grid_id)
        data = _resolve_refs(request.user, sent)
        return services.grid_technician_set(
            actor=request.user, grid=grid, technician=data["technician"], version=version
        )
    require(request.user, Action.MANAGE_ORG)
    grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=grid_id)
    data = _resolve_refs(request.user, sent)
    return services.grid_update(actor=request.user, grid=grid, data=data, version=version)
