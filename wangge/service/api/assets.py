"""Network assets and inspections: list, read, register and edit assets (by the operator's
asset number); list and read inspections, record one done on site (with the phone's position
and an optional photo, base64) and hand one to another technician of the grid. Scoped like
the pages; the one error shape; a stale `version` answers 409."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Schema, Status
from pydantic import Field

from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    ApiRouter,
    BodyIn,
    Choice,
    Id,
    PageParams,
    VersionIn,
    omittable,
    paginate,
    text,
    version_in,
    with_errors,
)
from wangge.core.permissions import require
from wangge.crm.api.schemas import Count, DateIn
from wangge.org.models import Staff
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset, Inspection
from wangge.service.permissions_assets import AssetAction
from wangge.service.services import inspections as inspection_services
from wangge.service.services.assets import asset_create, asset_update
from wangge.territory.models import Site

router = ApiRouter()

AssetKind = Annotated[str, Choice(Asset.Kind)]
AssetState = Annotated[str, Choice(Asset.State)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
CODE_PATTERN = r"^[^\x00/]*[^\x00/\s][^\x00/]*$"
AssetCode = Annotated[str, Field(min_length=1, max_length=40, pattern=CODE_PATTERN)]


class AssetOut(Schema):
    id: int
    code: str
    kind: str
    site_id: int
    site_code: str
    grid_id: int | None
    building: str
    lon: float
    lat: float
    ports_total: int
    ports_used: int
    ports_free: int
    covered_households: int
    installed_on: dt.date | None
    state: str
    note: str
    last_inspected_on: dt.date | None
    version: int


class AssetPage(Schema):
    count: int
    items: list[AssetOut]


class AssetFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    site: int | None = Field(None, ge=1, le=MAX_ID)
    kind: Annotated[str, Choice(Asset.Kind, blank=True)] = ""
    state: Annotated[str, Choice(Asset.State, blank=True)] = ""
    free: bool = Field(False, description="只列有空闲端口的资产")


class AssetIn(BodyIn):
    code: AssetCode
    kind: AssetKind
    site_id: Id
    building: text(64) = ""  # type: ignore[valid-type]
    lon: Longitude | None = Field(None, description="WGS-84；与 lat 同时不填则为小区位置")
    lat: Latitude | None = None
    ports_total: Count = 0
    ports_used: Count = 0
    covered_households: Count = 0
    installed_on: DateIn | None = None
    state: AssetState = "in_service"
    note: text(200) = ""  # type: ignore[valid-type]


class AssetPatch(BodyIn):
    """Only the fields sent change."""

    kind: AssetKind = omittable()
    site_id: Id = omittable()
    building: text(64) = omittable()  # type: ignore[valid-type]
    lon: Longitude = omittable()
    lat: Latitude = omittable()
    ports_total: Count = omittable()
    ports_used: Count = omittable()
    covered_households: Count = omittable()
    installed_on: DateIn | None = None
    state: AssetState = omittable()
    note: text(200) = omittable()  # type: ignore[valid-type]
    version: VersionIn = version_in()


class InspectionOut(Schema):
    id: int
    asset_id: int
    asset_code: str
    grid_id: int
    assignee_id: int | None
    due_on: dt.date
    done_on: dt.date | None
    done_by_id: int | None
    finding: str
    severity: str
    note: str
    verified: bool
    distance_m: float | None
    flags: list[str]
    has_photo: bool
    version: int


class InspectionPage(Schema):
    count: int
    items: list[InspectionOut]


class InspectionCompleteIn(BodyIn):
    finding: Annotated[str, Choice(Inspection.Finding)]
    severity: Annotated[str, Choice(Inspection.Severity, blank=True)] = ""
    note: text(500) = ""  # type: ignore[valid-type]
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    #: JPEG or PNG, base64 (5 MB at most once decoded).
    photo: str | None = Field(None, max_length=7_000_000)
    version: VersionIn = version_in()


class InspectionReassignIn(BodyIn):
    assignee_id: Id
    version: VersionIn = version_in()


class InspectionFilter(PageParams):
    mine: bool = False
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    asset: int | None = Field(None, ge=1, le=MAX_ID)
    status: Annotated[str, Choice(("open", "done", "overdue"), blank=True)] = ""
    due_by: DateIn | None = None
    finding: Annotated[str, Choice(Inspection.Finding, blank=True)] = ""


def asset_out(a: Asset) -> dict[str, Any]:
    return {
        "id": a.pk,
        "code": a.code,
        "kind": a.kind,
        "site_id": a.site_id,
        "site_code": a.site.code,
        "grid_id": a.grid_id,
        "building": a.building,
        "lon": a.lon,
        "lat": a.lat,
        "ports_total": a.ports_total,
        "ports_used": a.ports_used,
        "ports_free": a.ports_free,
        "covered_households": a.covered_households,
        "installed_on": a.installed_on,
        "state": a.state,
        "note": a.note,
        "last_inspected_on": a.last_inspected_on,
        "version": a.version,
    }


def inspection_out(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "asset_id": i.asset_id,
        "asset_code": i.asset.code,
        "grid_id": i.grid_id,
        "assignee_id": i.assignee_id,
        "due_on": i.due_on,
        "done_on": i.done_on,
        "done_by_id": i.done_by_id,
        "finding": i.finding,
        "severity": i.severity,
        "note": i.note,
        "verified": i.verified,
        "distance_m": i.distance_m,
        "flags": list(i.flags or []),
        "has_photo": bool(i.photo_type),
        "version": i.version,
    }


def _site(user: Any, site_id: int) -> Site:
    site = Site.objects.visible_to(user).filter(pk=site_id).first()
    if site is None:
        raise ValidationError({"site_id": _("没有这个小区/楼宇。")})
    return site


@router.get("/service/assets", response=with_errors({200: AssetPage}))
def asset_list(request: HttpRequest, filters: Query[AssetFilter]) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    qs = selectors.asset_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        site_id=filters.site,
        kind=filters.kind,
        state=filters.state,
        has_free=filters.free,
    )
    return paginate(qs, filters, asset_out)


@router.get("/service/assets/{code}", response=with_errors({200: AssetOut}))
def asset_detail(request: HttpRequest, code: Path[AssetCode]) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    return asset_out(selectors.asset_detail(user=request.user, code=code))


@router.post("/service/assets", response=with_errors({201: AssetOut}))
def asset_register(request: HttpRequest, payload: AssetIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, AssetAction.MANAGE)
    data = payload.model_dump()
    site = _site(user, data.pop("site_id"))
    asset = asset_create(actor=user, site=site, **data)
    return Status(201, asset_out(asset))


@router.patch("/service/assets/{code}", response=with_errors({200: AssetOut}))
def asset_edit(request: HttpRequest, code: Path[AssetCode], payload: AssetPatch) -> dict[str, Any]:
    user = request.user
    require(user, AssetAction.MANAGE)
    asset = selectors.asset_detail(user=user, code=code)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "site_id" in data:
        data["site"] = _site(user, data.pop("site_id"))
    asset = asset_update(actor=user, asset=asset, data=data, version=version)
    return asset_out(Asset.objects.select_related("site").get(pk=asset.pk))


@router.get("/service/inspections", response=with_errors({200: InspectionPage}))
def inspection_list(request: HttpRequest, filters: Query[InspectionFilter]) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    qs = selectors.inspection_list(
        user=request.user,
        mine=filters.mine,
        grid_id=filters.grid,
        asset_id=filters.asset,
        status=filters.status,
        due_by=filters.due_by,
        finding=filters.finding,
    )
    return paginate(qs, filters, inspection_out)


def _inspection(user: Any, inspection_id: int) -> Inspection:
    found = (
        selectors.inspection_list(user=user)
        .select_related("asset")
        .filter(pk=inspection_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _photo(data: str | None) -> bytes | None:
    if data is None:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": _("照片不是有效的 base64 编码。")}) from None


@router.get("/service/inspections/{inspection_id}", response=with_errors({200: InspectionOut}))
def inspection_detail(request: HttpRequest, inspection_id: Path[Id]) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    return inspection_out(_inspection(request.user, inspection_id))


@router.post(
    "/service/inspections/{inspection_id}/complete",
    response=with_errors({200: InspectionOut}),
    summary="Record an inspection done on site (a defect opens its repair work order)",
)
def inspection_complete(
    request: HttpRequest, inspection_id: Path[Id], payload: InspectionCompleteIn
) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    task = _inspection(request.user, inspection_id)
    done = inspection_services.inspection_complete(
        actor=request.user,
        inspection=task,
        finding=payload.finding,
        severity=payload.severity,
        note=payload.note,
        photo=_photo(payload.photo),
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        version=payload.version,
    )
    return inspection_out(_inspection(request.user, done.pk))


@router.post(
    "/service/inspections/{inspection_id}/reassign",
    response=with_errors({200: InspectionOut}),
    summary="Hand an open inspection to another technician of its grid",
)
def inspection_reassign(
    request: HttpRequest, inspection_id: Path[Id], payload: InspectionReassignIn
) -> dict[str, Any]:
    require(request.user, AssetAction.VIEW)
    task = _inspection(request.user, inspection_id)
    staff = Staff.objects.visible_to(request.user).filter(pk=payload.assignee_id).first()
    if staff is None:
        raise ValidationError({"assignee_id": _("只能派给该网格的安装维护专员。")})
    done = inspection_services.inspection_reassign(
        actor=request.user, inspection=task, assignee=staff, version=payload.version
    )
    return inspection_out(_inspection(request.user, done.pk))
