"""Request and response bodies of the grid-division endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    BodyIn,
    Choice,
    Id,
    PageParams,
    VersionIn,
    integer,
    omittable,
    text,
    version_in,
)
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import Site

Attribute = Annotated[str, Choice(BALANCE_ATTRIBUTES)]


class SiteOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    address: str
    lon: float
    lat: float
    grid_id: int | None
    estate_id: int | None
    households: int
    covered_households: int
    free_ports: int
    customers: int = Field(
        description="现有用户数：由客户档案统计（存量和新增客户数），只读，随客户的录入和导入更新"
    )
    version: int
    premises_kind: str
    delivery_date: dt.date | None
    occupancy_rate: float | None
    property_company: str
    property_contact: str
    property_phone: str
    pc_owners: int | None = Field(description="拥有电脑人数")
    owners_young_share: float | None = Field(description="业主35岁以下占比（0–1）")
    owners_middle_share: float | None = Field(description="业主35-60岁占比（0–1）")
    owners_senior_share: float | None = Field(description="业主60岁以上占比（0–1）")
    tenant_share: float | None = Field(description="租户占比（0–1）")
    residents_note: str
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool = Field(description="从未核实或超过复核周期未核实（待复核）")

    @staticmethod
    def resolve_resurvey_due(obj: Any) -> bool:
        return bool(obj.needs_resurvey)


class SitePage(Schema):
    count: int
    items: list[SiteOut]


class SiteFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    kind: Annotated[str, Choice(Site.Kind, blank=True)] = ""
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    outside: bool = False
    limit: int = Field(100, ge=1, le=1000)


Share = Annotated[float, Field(ge=0, le=1)]
Count = integer(0, 2_147_483_647)
SiteKind = Annotated[str, Choice(Site.Kind)]
PremisesKind = Annotated[str, Choice(Site.PremisesKind, blank=True)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
VERIFIED_HELP = "本次已现场核实：核实时间与核实人更新为现在与本人"


class SiteIn(BodyIn):
    """A new estate, building or premises. A building in an estate may leave out its point
    (it takes the estate's); premises need `premises_kind`."""

    code: text(32, 1)  # type: ignore[valid-type]
    kind: SiteKind
    name: text(100, 1)  # type: ignore[valid-type]
    address: text(200) = ""  # type: ignore[valid-type]
    lon: Lon | None = None
    lat: Lat | None = None
    estate_id: Id | None = Field(None, description="所属小区（仅楼宇）")
    premises_kind: PremisesKind = ""
    households: Count = 0  # type: ignore[valid-type]
    covered_households: Count = 0  # type: ignore[valid-type]
    free_ports: Count = 0  # type: ignore[valid-type]
    delivery_date: dt.date | None = Field(None, strict=False)
    occupancy_rate: Share | None = None
    property_company: text(100) = ""  # type: ignore[valid-type]
    property_contact: text(50) = ""  # type: ignore[valid-type]
    property_phone: text(32) = ""  # type: ignore[valid-type]
    pc_owners: Count | None = None  # type: ignore[valid-type]
    owners_young_share: Share | None = None
    owners_middle_share: Share | None = None
    owners_senior_share: Share | None = None
    tenant_share: Share | None = None
    residents_note: text(200) = ""  # type: ignore[valid-type]
    verified: bool = Field(False, description=VERIFIED_HELP)


class SitePatch(BodyIn):
    """The fields sent change; null clears the optional figures. `kind` does not change."""

    code: text(32, 1) = omittable()  # type: ignore[valid-type]
    name: text(100, 1) = omittable()  # type: ignore[valid-type]
    address: text(200) = omittable()  # type: ignore[valid-type]
    lon: Lon = omittable()
    lat: Lat = omittable()
    estate_id: Id | None = None
    premises_kind: PremisesKind = omittable()
    households: Count = omittable()  # type: ignore[valid-type]
    covered_households: Count = omittable()  # type: ignore[valid-type]
    free_ports: Count = omittable()  # type: ignore[valid-type]
    delivery_date: dt.date | None = Field(None, strict=False)
    occupancy_rate: Share | None = None
    property_company: text(100) = omittable()  # type: ignore[valid-type]
    property_contact: text(50) = omittable()  # type: ignore[valid-type]
    property_phone: text(32) = omittable()  # type: ignore[valid-type]
    pc_owners: Count | None = None  # type: ignore[valid-type]
    owners_young_share: Share | None = None
    owners_middle_share: Share | None = None
    owners_senior_share: Share | None = None
    tenant_share: Share | None = None
    residents_note: text(200) = omittable()  # type: ignore[valid-type]
    verified: bool = Field(False, description=VERIFIED_HELP)
    version: VersionIn = version_in()


class GridParam(Schema):
    grid: int | None = Field(None, ge=1, le=MAX_ID)


class SurveyProgressOut(Schema):
    id: int
    name: str
    assigned: int
    surveyed: int
    unassigned: int = Field(description="网格内未分派的小区和单位数（仅网格）")


class SurveyOut(Schema):
    since: dt.datetime = Field(description="调查期起点：此后核实过的单元算已调查")
    grids: list[SurveyProgressOut]
    people: list[SurveyProgressOut]


class SurveyAssignIn(BodyIn):
    site_ids: list[Id] = Field(min_length=1, max_length=1000)
    assignee_id: Id | None = Field(description="调查人（员工 id）；null 收回分工")


class SurveyAssignOut(Schema):
    changed: int


class PlanOut(Schema):
    id: int
    name: str
    status: str
    source: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    progress: float
    failed: str
    params: dict[str, Any]
    summary: dict[str, Any] = Field(description="县级汇总（均衡、重叠、缝隙）：仅方案编制者可见")

    @staticmethod
    def resolve_summary(obj: Any, context: Any) -> dict[str, Any]:
        from wangge.territory import selectors

        return selectors.plan_summary(user=context["request"].user, plan=obj)


class AutoPlanIn(BodyIn):
    name: text(100, 1)  # type: ignore[valid-type]
    k: integer(1, 5000)  # type: ignore[valid-type]
    attributes: list[Attribute] = Field(min_length=1, max_length=5)
    tolerance: float = Field(0.05, ge=0.005, le=0.5)
    secondary_tolerance: float = Field(0.10, ge=0.005, le=0.5)
    compactness: float = Field(0.5, ge=0, le=1)
    stable: bool = True
    locked_codes: list[text(32, 1)] = Field(default_factory=list, max_length=5000)  # type: ignore[valid-type]


class KmlImportIn(Schema):
    name: text(100, 1)  # type: ignore[valid-type]
    crs: Literal["wgs84", "gcj02"] = Field(
        "wgs84", description="坐标系：wgs84（GPS、天地图）或 gcj02（高德、腾讯地图，导入时转换）"
    )


class KmlExportQuery(Schema):
    sites: bool = Field(False, description="附带网格单元的点（site_code、grid_code）")
    kmz: bool = Field(False, description="压缩为 KMZ")


class FrontierQuery(Schema):
    point: int | None = Field(None, ge=0, le=9, description="附带这个方案（从 0 起）的单元归属")


class FrontierPointOut(Schema):
    index: int
    setting: float
    dominated: bool
    max_deviation: dict[str, float]
    compactness_mean: float
    compactness_min: float
    disconnected: list[int]
    seconds: float
    issues: list[dict[str, Any]]


class FrontierAssignmentOut(FrontierPointOut):
    site_ids: list[int] = Field(description="单元 id")
    assignment: list[int] = Field(description="与 site_ids 对应的网格序号（1…k）")


class FrontierOut(Schema):
    attributes: list[str]
    chosen: int | None = Field(description="已选用的方案（从 0 起）；未选时为 null")
    points: list[FrontierPointOut]
    point: FrontierAssignmentOut | None = Field(description="请求的方案（?point=）及其单元归属")


class ActivateIn(BodyIn):
    # JSON has no date type: the ISO string must be parsed, which strict mode would refuse.
    effective_from: dt.date = Field(strict=False)


class FeatureCollection(Schema):
    type: str
    features: list[dict[str, Any]]
