"""Request and response bodies of the organisation endpoints."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    BodyIn,
    Id,
    PageParams,
    VersionIn,
    omittable,
    text,
    version_in,
)


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
    technician_id: int | None
    version: int = Field(description="修改时随 PATCH 送回")


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
    """Only the fields sent change. Null clears `service_point_id`, `boundary` and
    `technician_id` (the grid's 包干 technician, one of its technicians); the other fields
    cannot hold null, so they may be left out but not nulled. The market department may
    change every field; the grid's manager may send `technician_id` (and `version`) alone."""

    code: text(32, 1) = omittable()  # type: ignore[valid-type]
    name: text(64, 1) = omittable()  # type: ignore[valid-type]
    region_id: Id = omittable()
    service_point_id: Id | None = None
    boundary: dict[str, Any] | None = None
    is_active: bool = omittable()
    note: text(2000) = omittable()  # type: ignore[valid-type]
    technician_id: Id | None = None
    version: VersionIn = version_in()
