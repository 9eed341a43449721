"""The crm API's request and response bodies and query filters.

Choices come from the models' `choices`; money is exact, as a decimal string of yuan with
two places, both ways.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

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
from wangge.crm import models
from wangge.crm.models import CompetitorOffer, Customer, Subscription

Money = Field(description="元，两位小数（字符串）")
KindIn = Annotated[str, Choice(Customer.Kind, blank=True)]
RelationshipIn = Annotated[str, Choice(Customer.Relationship, blank=True)]
#: The old single classification (relationship, or 重点 `key`), for clients written before
#: relationship and tier were split (`Customer.from_legacy_status`).
LEGACY_STATUSES = [*Customer.Relationship.values, Customer.LEGACY_KEY_STATUS]
StatusIn = Annotated[str, Choice(LEGACY_STATUSES, blank=True)]
TierIn = Annotated[str, Choice(Customer.Tier, blank=True)]
SubscriptionStatusIn = Annotated[str, Choice(Subscription.Status, blank=True)]


class CustomerFilter(PageParams):
    q: str = Field(
        "",
        max_length=64,
        pattern=QUERY_TEXT_PATTERN,
        description="Name, number, door address or phone. A search lists at most 1,000 of its"
        " matches (count 1001 when more match): a longer search narrows it.",
    )
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    kind: KindIn = ""
    relationship: RelationshipIn = ""
    status: StatusIn = Field("", description="Deprecated: key reads as tier=key, else relationship")
    tier: TierIn = ""
    product: int | None = Field(None, ge=1, le=MAX_ID)
    stale: bool = False
    mine: bool = False


class ContactOut(Schema):
    id: int
    name: str
    title: str
    phone: str
    note: str


class SubscriptionOut(Schema):
    id: int
    customer_id: int
    plan_id: int
    product_id: int
    account_no: str
    started_on: dt.date
    expires_on: dt.date | None
    monthly_fee: Decimal = Money
    status: str
    arrears: Decimal = Money
    version: int = Field(description="修改时随 PATCH 送回")


class CustomerOut(Schema):
    id: int
    code: str | None = Field(title="客户编号")
    kind: str
    name: str
    site_id: int
    grid_id: int | None
    address: str
    phone: str
    relationship: str = Field(title="客户分类")
    tier: str = Field(title="客户等级")
    status: str = Field(description="Deprecated, read-only: equals relationship")
    owner_id: int
    owner_name: str
    current_provider_id: int | None
    created_at: dt.datetime
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool
    version: int = Field(description="修改时随 PATCH 送回")


class OrganizationOut(Schema):
    customer_id: int
    code: str | None = Field(title="客户编号")
    site_id: int
    owner_id: int
    name: str = Field(title="集团单位名称")
    contact_name: str = Field(title="联系人")
    contact_phone: str = Field(title="联系电话")
    computers: int | None = Field(title="单位现有电脑数")
    current_network: str = Field(title="单位现用网络")
    quality_requirement: str = Field(title="网络质量要求")
    quality_feedback: str = Field(title="使用网络质量及诉求")
    development_wishes: str = Field(title="发展希望")
    key_person_name: str = Field(title="业务核心人物姓名")
    key_person_phone: str = Field(title="业务核心人物联系电话")
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool
    version: int = Field(description="集团客户信息的版本：修改时随 PATCH 送回")


class CustomerDetailOut(CustomerOut):
    organization: OrganizationOut | None
    contacts: list[ContactOut]
    subscriptions: list[SubscriptionOut]


class CustomerPage(Schema):
    count: int
    items: list[CustomerOut]


class OrganizationFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    stale: bool = False


class OrganizationPage(Schema):
    count: int
    items: list[OrganizationOut]


class SubscriptionFilter(PageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    product: int | None = Field(None, ge=1, le=MAX_ID)
    status: SubscriptionStatusIn = ""
    expiring_within: int | None = Field(None, ge=0, le=366, description="天：续费清单")
    in_arrears: bool = Field(False, description="欠费清单")


class SubscriptionPage(Schema):
    count: int
    items: list[SubscriptionOut]


class TariffPlanOut(Schema):
    id: int
    code: str
    name: str
    bandwidth_mbps: int | None
    monthly_price: Decimal = Money
    term_months: int
    is_active: bool


class ProductOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    is_active: bool
    plans: list[TariffPlanOut]


class OfferFilter(PageParams):
    site: int | None = Field(None, ge=1, le=MAX_ID)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    competitor: int | None = Field(None, ge=1, le=MAX_ID)
    current: bool = False


class OfferOut(Schema):
    id: int
    intel_id: int
    site_id: int
    competitor_id: int
    competitor: str
    kind: str
    plan_name: str
    bandwidth_mbps: int | None
    price: Decimal = Money
    period: str
    monthly_equivalent: Decimal | None = Money
    promotion: str
    seen_on: dt.date
    ended_on: dt.date | None


class OfferPage(Schema):
    count: int
    items: list[OfferOut]


class IntelOut(Schema):
    id: int
    site_id: int
    competitor_id: int
    competitor: str
    launched_on: dt.date | None
    customers_estimate: int | None
    install_quality: str
    after_sales_quality: str
    property_relationship: str
    covered_households: int | None = Field(description="竞争对手在该单元的覆盖户数")
    ports: int | None = Field(description="竞争对手在该单元的端口数")
    network: str = Field(description="竞争对手的网络资源（接入方式与设备）")
    note: str
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool
    offers: list[OfferOut] = Field(description="当前有效的资费")


class ProviderOut(Schema):
    name: str
    households: int


class SiteMarketOut(Schema):
    site_id: int
    households: int
    subscribers: int
    prospects: int
    customers: int
    penetration: float | None
    providers: list[ProviderOut]
    unknown_provider: int
    competitors: list[IntelOut]


# --- write bodies --------------------------------------------------------------------

#: At most 8 digits of yuan and 2 of fen: what `MONEY` (10 digits, 2 places) holds.
MONEY_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PHONE_PATTERN = r"^[0-9+\- ]*$"
#: Required text with something in it besides spaces (and, like all input, no NUL).
FILLED_PATTERN = r"^\s*[^\s\x00][^\x00]*$"
POSITIVE_INT = 2_147_483_647  # PositiveIntegerField's ceiling


def _money(value: Any) -> Any:
    # A string only: a JSON number may already have lost its fen to binary floating point.
    if isinstance(value, str) and re.fullmatch(MONEY_PATTERN, value):
        return Decimal(value).quantize(Decimal("0.01"))
    raise ValueError('Expected yuan as a decimal string with at most two places, e.g. "68.00".')


def _iso_date(value: Any) -> Any:
    # pydantic's lax date would also take a Unix timestamp; the schema promises an ISO date.
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return dt.date.fromisoformat(value)  # 2026-02-30 raises ValueError: a 422
    raise ValueError("Expected an ISO date, YYYY-MM-DD.")


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["68.00"]}),
]
DateIn = Annotated[dt.date, BeforeValidator(_iso_date)]
PhoneIn = Annotated[str, Field(max_length=20, pattern=PHONE_PATTERN)]
Count = integer(0, POSITIVE_INT)


def filled(max_length: int) -> Any:
    """A required text field: not empty, not only spaces."""
    return Annotated[str, Field(min_length=1, max_length=max_length, pattern=FILLED_PATTERN)]


CustomerRelationship = Annotated[str, Choice(Customer.Relationship)]
CustomerStatus = Annotated[str, Choice(LEGACY_STATUSES)]
CustomerTier = Annotated[str, Choice(Customer.Tier)]
SubscriptionStatus = Annotated[str, Choice(Subscription.Status)]
Quality = Annotated[str, Choice(models.Quality)]
Relationship = Annotated[str, Choice(models.Relationship)]
OfferKind = Annotated[str, Choice(CompetitorOffer.Kind)]
OfferPeriod = Annotated[str, Choice(CompetitorOffer.Period)]

VERIFIED_HELP = "本次已现场核实：核实时间与核实人更新为现在与本人"


class CustomerIn(BodyIn):
    site_id: Id
    name: filled(100)  # type: ignore[valid-type]
    owner_id: Id = Field(description="负责人（员工 id）")
    relationship: CustomerRelationship = omittable()  # required, or the old `status`
    status: CustomerStatus = omittable()  # deprecated: the old classification
    tier: CustomerTier = "standard"
    address: text(100) = ""  # type: ignore[valid-type]
    phone: PhoneIn = ""
    current_provider_id: Id | None = None
    code: filled(32) | None = Field(  # type: ignore[valid-type]
        None, title="客户编号", description="运营商自己的客户编号；不填则由系统编号"
    )
    verified: bool = Field(True, description=VERIFIED_HELP)


class CustomerPatch(BodyIn):
    """Only the fields sent change; null clears `current_provider_id` only."""

    code: filled(32) = omittable()  # type: ignore[valid-type]
    name: filled(100) = omittable()  # type: ignore[valid-type]
    site_id: Id = omittable()
    owner_id: Id = omittable()
    relationship: CustomerRelationship = omittable()
    status: CustomerStatus = omittable()  # deprecated: the old classification
    tier: CustomerTier = omittable()
    address: text(100) = omittable()  # type: ignore[valid-type]
    phone: PhoneIn = omittable()
    current_provider_id: Id | None = None
    verified: bool = Field(False, description=VERIFIED_HELP)
    version: VersionIn = version_in()


class OrganizationIn(BodyIn):
    """A group customer (集团客户) with the seed's survey, in one request."""

    site_id: Id
    name: filled(100) = Field(title="集团单位名称")  # type: ignore[valid-type]
    owner_id: Id
    relationship: CustomerRelationship = omittable()  # required, or the old `status`
    status: CustomerStatus = omittable()  # deprecated: the old classification
    tier: CustomerTier = "standard"
    address: text(100) = ""  # type: ignore[valid-type]
    current_provider_id: Id | None = None
    code: filled(32) | None = Field(None, title="客户编号")  # type: ignore[valid-type]
    contact_name: text(32) = Field("", title="联系人")  # type: ignore[valid-type]
    contact_phone: PhoneIn = Field("", title="联系电话")
    computers: Count | None = Field(None, title="单位现有电脑数")  # type: ignore[valid-type]
    current_network: text(200) = Field("", title="单位现用网络")  # type: ignore[valid-type]
    quality_requirement: text(200) = Field("", title="网络质量要求")  # type: ignore[valid-type]
    quality_feedback: text(5000) = Field("", title="使用网络质量及诉求")  # type: ignore[valid-type]
    development_wishes: text(5000) = Field("", title="发展希望")  # type: ignore[valid-type]
    key_person_name: text(32) = Field("", title="业务核心人物姓名")  # type: ignore[valid-type]
    key_person_phone: PhoneIn = Field("", title="业务核心人物联系电话")
    verified: bool = Field(True, description=VERIFIED_HELP)


class OrganizationPatch(BodyIn):
    """The survey; a new 集团单位名称 renames the customer too. Null clears `computers` only."""

    name: filled(100) = omittable()  # type: ignore[valid-type]
    contact_name: text(32) = omittable()  # type: ignore[valid-type]
    contact_phone: PhoneIn = omittable()
    computers: Count | None = None  # type: ignore[valid-type]
    current_network: text(200) = omittable()  # type: ignore[valid-type]
    quality_requirement: text(200) = omittable()  # type: ignore[valid-type]
    quality_feedback: text(5000) = omittable()  # type: ignore[valid-type]
    development_wishes: text(5000) = omittable()  # type: ignore[valid-type]
    key_person_name: text(32) = omittable()  # type: ignore[valid-type]
    key_person_phone: PhoneIn = omittable()
    verified: bool = Field(False, description=VERIFIED_HELP)
    version: VersionIn = version_in()


class ContactIn(BodyIn):
    name: filled(32)  # type: ignore[valid-type]
    title: text(32) = ""  # type: ignore[valid-type]
    phone: PhoneIn = ""
    note: text(200) = ""  # type: ignore[valid-type]


class ContactPatch(BodyIn):
    name: filled(32) = omittable()  # type: ignore[valid-type]
    title: text(32) = omittable()  # type: ignore[valid-type]
    phone: PhoneIn = omittable()
    note: text(200) = omittable()  # type: ignore[valid-type]


class NoteIn(BodyIn):
    text: filled(2000)  # type: ignore[valid-type]


class NoteOut(Schema):
    id: int
    customer_id: int
    author_id: int | None
    author_name: str
    text: str
    created_at: dt.datetime


class SubscriptionIn(BodyIn):
    plan_id: Id = Field(description="在售的资费套餐")
    started_on: DateIn
    expires_on: DateIn | None = Field(None, description="不填表示按月续用")
    monthly_fee: MoneyIn | None = Field(None, description="元；不填则按套餐资费")
    status: SubscriptionStatus = "active"
    arrears: MoneyIn = Decimal("0.00")
    account_no: text(32) = Field("", description="业务账号")  # type: ignore[valid-type]


class SubscriptionPatch(BodyIn):
    """Null clears `expires_on` only."""

    plan_id: Id = omittable()
    account_no: text(32) = omittable()  # type: ignore[valid-type]
    started_on: DateIn = omittable()
    expires_on: DateIn | None = None
    monthly_fee: MoneyIn = omittable()
    status: SubscriptionStatus = omittable()
    arrears: MoneyIn = omittable()
    version: VersionIn = version_in()


class IntelIn(BodyIn):
    competitor_id: Id
    launched_on: DateIn | None = Field(None, title="进入时间")
    customers_estimate: Count | None = Field(None, title="估计用户数")  # type: ignore[valid-type]
    install_quality: Quality = Field("unknown", title="安装质量")
    after_sales_quality: Quality = Field("unknown", title="售后服务")
    property_relationship: Relationship = Field("unknown", title="与物业关系")
    covered_households: Count | None = Field(None, title="覆盖户数")  # type: ignore[valid-type]
    ports: Count | None = Field(None, title="端口数")  # type: ignore[valid-type]
    network: text(100) = ""  # type: ignore[valid-type]
    note: text(5000) = ""  # type: ignore[valid-type]
    verified: bool = Field(True, description=VERIFIED_HELP)


class IntelPatch(BodyIn):
    """The competitor is what the row is about: another one is a new row. Null clears
    `launched_on`, `customers_estimate`, `covered_households` and `ports`."""

    launched_on: DateIn | None = None
    customers_estimate: Count | None = None  # type: ignore[valid-type]
    install_quality: Quality = omittable()
    after_sales_quality: Quality = omittable()
    property_relationship: Relationship = omittable()
    covered_households: Count | None = None  # type: ignore[valid-type]
    ports: Count | None = None  # type: ignore[valid-type]
    network: text(100) = omittable()  # type: ignore[valid-type]
    note: text(5000) = omittable()  # type: ignore[valid-type]
    verified: bool = Field(False, description=VERIFIED_HELP)


class OfferIn(BodyIn):
    plan_name: filled(100)  # type: ignore[valid-type]
    price: MoneyIn
    period: OfferPeriod = "month"
    kind: OfferKind = "broadband"
    bandwidth_mbps: Count | None = None  # type: ignore[valid-type]
    promotion: text(200) = ""  # type: ignore[valid-type]
    seen_on: DateIn | None = Field(None, description="不填为今天")


class OfferPatch(BodyIn):
    """Correct an offer, or end it with `ended_on`. Null clears `bandwidth_mbps` and
    `ended_on`."""

    plan_name: filled(100) = omittable()  # type: ignore[valid-type]
    price: MoneyIn = omittable()
    period: OfferPeriod = omittable()
    kind: OfferKind = omittable()
    bandwidth_mbps: Count | None = None  # type: ignore[valid-type]
    promotion: text(200) = omittable()  # type: ignore[valid-type]
    seen_on: DateIn = omittable()
    ended_on: DateIn | None = None
