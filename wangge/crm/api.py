"""Information-base endpoints: customers, organisations, contacts, notes, subscriptions,
products, competitor intelligence and offers, and a site's market.

Scoped like the pages, phones masked like the pages; money is exact, as a decimal string of
yuan with two places, both ways. Every write goes through `wangge.crm.services` (validate,
write, audit) after the same checks the pages make: a record the user may not see or may
not change answers 404, like a missing one. Bodies the schema refuses answer 422; values the
domain refuses (an unknown site, an expiry before the start, a taken account number) 400,
naming the body's field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import BeforeValidator, Field, WithJsonSchema

from wangge.core.access import require, scope_for
from wangge.core.api import (
    MAX_ID,
    QUERY_TEXT_PATTERN,
    BodyIn,
    Id,
    integer,
    omittable,
    text,
    with_errors,
)
from wangge.crm import rules, selectors, services
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Note,
    Organization,
    Product,
    Subscription,
    TariffPlan,
)
from wangge.crm.rules import VIEW
from wangge.org.models import Staff
from wangge.territory.models import Site

router = Router(tags=["crm"])

Money = Field(description="元，两位小数（字符串）")
KindIn = Literal["", "household", "group"]
StatusIn = Literal["", "covered", "existing", "potential", "intended", "new", "key"]
TierIn = Literal["", "standard", "key", "gold"]
SubscriptionStatusIn = Literal["", "active", "suspended", "expired", "cancelled"]


class CrmPageParams(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class CustomerFilter(CrmPageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    kind: KindIn = ""
    status: StatusIn = ""
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


class CustomerOut(Schema):
    id: int
    code: str | None = Field(title="客户编号")
    kind: str
    name: str
    site_id: int
    grid_id: int | None
    address: str
    phone: str
    status: str
    tier: str
    owner_id: int
    owner_name: str
    current_provider_id: int | None
    created_at: dt.datetime
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool


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


class CustomerDetailOut(CustomerOut):
    organization: OrganizationOut | None
    contacts: list[ContactOut]
    subscriptions: list[SubscriptionOut]


class CustomerPage(Schema):
    count: int
    items: list[CustomerOut]


class OrganizationFilter(CrmPageParams):
    q: str = Field("", max_length=64, pattern=QUERY_TEXT_PATTERN)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    stale: bool = False


class OrganizationPage(Schema):
    count: int
    items: list[OrganizationOut]


class SubscriptionFilter(CrmPageParams):
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


class OfferFilter(CrmPageParams):
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


# --- shaping: masking happens here, once, for every endpoint ---------------------------


def _customer_out(user: Any, c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "code": c.code,
        "kind": c.kind,
        "name": c.name,
        "site_id": c.site_id,
        "grid_id": c.site.grid_id,
        "address": c.address,
        "phone": selectors.phone_shown(user=user, phone=c.phone, customer=c),
        "status": c.status,
        "tier": c.tier,
        "owner_id": c.owner_id,
        "owner_name": c.owner.name,
        "current_provider_id": c.current_provider_id,
        "created_at": c.created_at,
        "verified_at": c.verified_at,
        "verified_by_id": c.verified_by_id,
        "resurvey_due": getattr(c, "resurvey_due", c.needs_resurvey),
    }


def _organization_out(user: Any, o: Organization) -> dict[str, Any]:
    c = o.customer
    return {
        "customer_id": o.customer_id,
        "code": c.code,
        "site_id": c.site_id,
        "owner_id": c.owner_id,
        "name": o.name,
        "contact_name": o.contact_name,
        "contact_phone": selectors.phone_shown(user=user, phone=o.contact_phone, customer=c),
        "computers": o.computers,
        "current_network": o.current_network,
        "quality_requirement": o.quality_requirement,
        "quality_feedback": o.quality_feedback,
        "development_wishes": o.development_wishes,
        "key_person_name": o.key_person_name,
        "key_person_phone": selectors.phone_shown(user=user, phone=o.key_person_phone, customer=c),
        "verified_at": o.verified_at,
        "verified_by_id": o.verified_by_id,
        "resurvey_due": o.needs_resurvey,
    }


def _contact_out(user: Any, p: Contact, c: Customer) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "title": p.title,
        "phone": selectors.phone_shown(user=user, phone=p.phone, customer=c),
        "note": p.note,
    }


def _subscription_out(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "customer_id": s.customer_id,
        "plan_id": s.plan_id,
        "product_id": s.plan.product_id,
        "account_no": s.account_no,
        "started_on": s.started_on,
        "expires_on": s.expires_on,
        "monthly_fee": s.monthly_fee,
        "status": s.status,
        "arrears": s.arrears,
    }


def _offer_out(o: CompetitorOffer, intel: CompetitorIntel) -> dict[str, Any]:
    return {
        "id": o.id,
        "intel_id": intel.id,
        "site_id": intel.site_id,
        "competitor_id": intel.competitor_id,
        "competitor": intel.competitor.name,
        "kind": o.kind,
        "plan_name": o.plan_name,
        "bandwidth_mbps": o.bandwidth_mbps,
        "price": o.price,
        "period": o.period,
        "monthly_equivalent": o.monthly_equivalent,
        "promotion": o.promotion,
        "seen_on": o.seen_on,
        "ended_on": o.ended_on,
    }


def _intel_out(i: CompetitorIntel, offers: list[CompetitorOffer]) -> dict[str, Any]:
    return {
        "id": i.id,
        "site_id": i.site_id,
        "competitor_id": i.competitor_id,
        "competitor": i.competitor.name,
        "launched_on": i.launched_on,
        "customers_estimate": i.customers_estimate,
        "install_quality": i.install_quality,
        "after_sales_quality": i.after_sales_quality,
        "property_relationship": i.property_relationship,
        "note": i.note,
        "verified_at": i.verified_at,
        "verified_by_id": i.verified_by_id,
        "resurvey_due": i.needs_resurvey,
        "offers": [_offer_out(o, i) for o in offers],
    }


# --- read endpoints ------------------------------------------------------------------


@router.get("/crm/customers", response=with_errors({200: CustomerPage}))
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> dict[str, Any]:
    require(request.user, VIEW)
    qs = selectors.customer_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        kind=filters.kind,
        status=filters.status,
        tier=filters.tier,
        product_id=filters.product,
        stale=filters.stale,
        owner_id=(scope_for(request.user).staff_id or -1) if filters.mine else None,
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_customer_out(request.user, c) for c in page]}


@router.get("/crm/customers/{customer_id}", response=with_errors({200: CustomerDetailOut}))
def customer_detail(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    c = selectors.customer_detail(user=request.user, pk=customer_id)
    org = getattr(c, "organization", None) if c.kind == Customer.Kind.GROUP else None
    if org is not None:
        org.customer = c
    return {
        **_customer_out(request.user, c),
        "organization": _organization_out(request.user, org) if org else None,
        "contacts": [_contact_out(request.user, p, c) for p in c.contacts.all()],
        "subscriptions": [
            _subscription_out(s) for s in selectors.customer_subscriptions(customer=c)
        ],
    }


@router.get("/crm/organizations", response=with_errors({200: OrganizationPage}))
def organization_list(request: HttpRequest, filters: Query[OrganizationFilter]) -> dict[str, Any]:
    require(request.user, VIEW)
    qs = selectors.organization_list(
        user=request.user, q=filters.q, grid_id=filters.grid, stale=filters.stale
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_organization_out(request.user, o) for o in page]}


@router.get("/crm/organizations/{customer_id}", response=with_errors({200: OrganizationOut}))
def organization_detail(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    org = get_object_or_404(selectors.organization_list(user=request.user), pk=customer_id)
    return _organization_out(request.user, org)


@router.get("/crm/subscriptions", response=with_errors({200: SubscriptionPage}))
def subscription_list(request: HttpRequest, filters: Query[SubscriptionFilter]) -> dict[str, Any]:
    require(request.user, VIEW)
    qs = selectors.subscription_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        product_id=filters.product,
        status=filters.status,
        expiring_within=filters.expiring_within,
        in_arrears=filters.in_arrears,
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_subscription_out(s) for s in page]}


@router.get("/crm/subscriptions/{subscription_id}", response=with_errors({200: SubscriptionOut}))
def subscription_detail(request: HttpRequest, subscription_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    qs = selectors.subscription_list(user=request.user)
    return _subscription_out(get_object_or_404(qs, pk=subscription_id))


@router.get("/crm/products", response=with_errors({200: list[ProductOut]}))
def product_list(request: HttpRequest) -> Any:
    require(request.user, VIEW)
    return list(selectors.product_list(user=request.user))


@router.get("/crm/products/{product_id}", response=with_errors({200: ProductOut}))
def product_detail(request: HttpRequest, product_id: Path[Id]) -> Product:
    require(request.user, VIEW)
    return get_object_or_404(selectors.product_list(user=request.user), pk=product_id)


@router.get("/crm/competitor-offers", response=with_errors({200: OfferPage}))
def offer_list(request: HttpRequest, filters: Query[OfferFilter]) -> dict[str, Any]:
    require(request.user, VIEW)
    qs = selectors.offer_list(
        user=request.user,
        site_id=filters.site,
        grid_id=filters.grid,
        competitor_id=filters.competitor,
        current=filters.current,
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_offer_out(o, o.intel) for o in page]}


@router.get("/crm/competitor-offers/{offer_id}", response=with_errors({200: OfferOut}))
def offer_detail(request: HttpRequest, offer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    offer = get_object_or_404(selectors.offer_list(user=request.user), pk=offer_id)
    return _offer_out(offer, offer.intel)


@router.get(
    "/crm/sites/{site_id}/market",
    response=with_errors({200: SiteMarketOut}),
    summary="Our penetration in a site beside the competitors' current offers",
)
def site_market(request: HttpRequest, site_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)
    m = selectors.site_market(user=request.user, site=site)
    return {
        "site_id": site.pk,
        "households": m.households,
        "subscribers": m.subscribers,
        "prospects": m.prospects,
        "customers": m.customers,
        "penetration": m.penetration,
        "providers": [{"name": p.name, "households": p.households} for p in m.providers],
        "unknown_provider": m.unknown_provider,
        "competitors": [_intel_out(i, i.current_offers) for i in m.competitors],  # type: ignore[attr-defined]
    }


@router.get("/crm/intel/{intel_id}", response=with_errors({200: IntelOut}))
def intel_detail(request: HttpRequest, intel_id: Path[Id]) -> dict[str, Any]:
    require(request.user, VIEW)
    return _intel_with_offers(request.user, intel_id)


def _intel_with_offers(user: Any, pk: int) -> dict[str, Any]:
    intel = get_object_or_404(selectors.intel_list(user=user), pk=pk)
    return _intel_out(intel, intel.current_offers)  # type: ignore[attr-defined]


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


CustomerStatus = Literal["covered", "existing", "potential", "intended", "new", "key"]
CustomerTier = Literal["standard", "key", "gold"]
SubscriptionStatus = Literal["active", "suspended", "expired", "cancelled"]
Quality = Literal["good", "fair", "poor", "unknown"]
Relationship = Literal["close", "normal", "poor", "unknown"]
OfferKind = Literal["broadband", "tv", "bundle"]
OfferPeriod = Literal["month", "year", "once"]

VERIFIED_HELP = "本次已现场核实：核实时间与核实人更新为现在与本人"


class CustomerIn(BodyIn):
    site_id: Id
    name: filled(100)  # type: ignore[valid-type]
    owner_id: Id = Field(description="负责人（员工 id）")
    status: CustomerStatus
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
    status: CustomerStatus = omittable()
    tier: CustomerTier = omittable()
    address: text(100) = omittable()  # type: ignore[valid-type]
    phone: PhoneIn = omittable()
    current_provider_id: Id | None = None
    verified: bool = Field(False, description=VERIFIED_HELP)


class OrganizationIn(BodyIn):
    """A group customer (集团客户) with the seed's survey, in one request."""

    site_id: Id
    name: filled(100) = Field(title="集团单位名称")  # type: ignore[valid-type]
    owner_id: Id
    status: CustomerStatus
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


class IntelIn(BodyIn):
    competitor_id: Id
    launched_on: DateIn | None = Field(None, title="进入时间")
    customers_estimate: Count | None = Field(None, title="估计用户数")  # type: ignore[valid-type]
    install_quality: Quality = Field("unknown", title="安装质量")
    after_sales_quality: Quality = Field("unknown", title="售后服务")
    property_relationship: Relationship = Field("unknown", title="与物业关系")
    note: text(5000) = ""  # type: ignore[valid-type]
    verified: bool = Field(True, description=VERIFIED_HELP)


class IntelPatch(BodyIn):
    """The competitor is what the row is about: another one is a new row. Null clears
    `launched_on` and `customers_estimate`."""

    launched_on: DateIn | None = None
    customers_estimate: Count | None = None  # type: ignore[valid-type]
    install_quality: Quality = omittable()
    after_sales_quality: Quality = omittable()
    property_relationship: Relationship = omittable()
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


# --- write helpers -------------------------------------------------------------------

#: The services name model fields; the client sent these.
_BODY_NAMES = {
    "site": "site_id",
    "owner": "owner_id",
    "current_provider": "current_provider_id",
    "plan": "plan_id",
    "competitor": "competitor_id",
}


@contextmanager
def _errors_named_as_sent() -> Iterator[None]:
    """A service's refusal names `site`; the answer must name `site_id`, as the body did."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {_BODY_NAMES.get(k, k): v for k, v in exc.error_dict.items()}
        raise ValidationError(renamed) from exc


def _ref(qs: QuerySet[Any], pk: int, field: str, message: str, current: Model | None) -> Any:
    """The row `pk` among those the user may choose, or the record's present value: a named
    owner keeps a customer whose site lies outside their grids (名单制), and an old plan stays
    on its subscription after it is withdrawn."""
    if current is not None and current.pk == pk:
        return current
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message})
    return found


def _customer_refs(
    user: Any, data: Mapping[str, Any], customer: Customer | None = None
) -> dict[str, Any]:
    """The body's ids as the objects the services take; one the user cannot see is a 400."""
    out = dict(data)
    if "site_id" in out:
        out["site"] = _ref(
            Site.objects.visible_to(user),
            out.pop("site_id"),
            "site_id",
            _("没有这个网格单元，或您无权在此建档。"),
            customer.site if customer else None,
        )
    if "owner_id" in out:
        out["owner"] = _ref(
            Staff.objects.visible_to(user),
            out.pop("owner_id"),
            "owner_id",
            _("只能指定您可见的人员为负责人。"),
            customer.owner if customer else None,
        )
    if "current_provider_id" in out:
        pk = out.pop("current_provider_id")
        out["current_provider"] = None
        if pk is not None:
            out["current_provider"] = _ref(
                Competitor.objects.visible_to(user),
                pk,
                "current_provider_id",
                _("没有这个运营商。"),
                None,
            )
    return out


def _plan(user: Any, pk: int, current: TariffPlan | None = None) -> TariffPlan:
    on_sale = TariffPlan.objects.visible_to(user).filter(is_active=True).select_related("product")
    return _ref(on_sale, pk, "plan_id", _("没有这个在售的资费套餐。"), current)


def _editable_customer(user: Any, pk: int) -> Customer:
    """A customer the user may change; any other (unseen, or only seen) answers 404."""
    require(user, VIEW)
    customer = selectors.customer_detail(user=user, pk=pk)
    rules.ensure(rules.can_edit_customer(user, customer))
    return customer


def _surveyable_intel(user: Any, pk: int) -> CompetitorIntel:
    require(user, VIEW)
    intel = selectors.intel_detail(user=user, pk=pk)
    rules.ensure(rules.can_survey_site(user, intel.site))
    return intel


def _split_verified(payload: BodyIn, *, partial: bool) -> tuple[dict[str, Any], bool]:
    """The body's fields (only those sent, for a PATCH) and its `verified` flag apart."""
    data = payload.model_dump(exclude_unset=partial)
    return data, bool(data.pop("verified", False))


# --- customers and organisations -----------------------------------------------------


@router.post("/crm/customers", response=with_errors({201: CustomerOut}))
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """A household (个人/家庭客户); group customers are created under /crm/organizations."""
    user = request.user
    require(user, VIEW)
    rules.ensure(rules.can_create_customers(user))
    data, verified = _split_verified(payload, partial=False)
    with _errors_named_as_sent():
        customer = services.customer_create(
            actor=user, verified=verified, **_customer_refs(user, data)
        )
    return Status(201, _customer_out(user, customer))


@router.patch("/crm/customers/{customer_id}", response=with_errors({200: CustomerOut}))
def customer_update(
    request: HttpRequest, customer_id: Path[Id], payload: CustomerPatch
) -> dict[str, Any]:
    user = request.user
    customer = _editable_customer(user, customer_id)
    data, verified = _split_verified(payload, partial=True)
    with _errors_named_as_sent():
        customer = services.customer_update(
            actor=user,
            customer=customer,
            data=_customer_refs(user, data, customer),
            verified=verified,
        )
    return _customer_out(user, customer)


@router.post(
    "/crm/customers/{customer_id}/verify",
    response=with_errors({200: CustomerOut}),
    summary="Confirm a customer unchanged (for a group customer, its survey too)",
)
def customer_verify(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    user = request.user
    customer = services.customer_verify(actor=user, customer=_editable_customer(user, customer_id))
    return _customer_out(user, customer)


@router.post("/crm/organizations", response=with_errors({201: OrganizationOut}))
def organization_create(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, VIEW)
    rules.ensure(rules.can_create_customers(user))
    data, verified = _split_verified(payload, partial=False)
    with _errors_named_as_sent():
        org = services.organization_create(
            actor=user, verified=verified, **_customer_refs(user, data)
        )
    return Status(201, _organization_out(user, org))


@router.patch("/crm/organizations/{customer_id}", response=with_errors({200: OrganizationOut}))
def organization_update(
    request: HttpRequest, customer_id: Path[Id], payload: OrganizationPatch
) -> dict[str, Any]:
    user = request.user
    require(user, VIEW)
    org = get_object_or_404(selectors.organization_list(user=user), pk=customer_id)
    rules.ensure(rules.can_edit_customer(user, org.customer))
    data, verified = _split_verified(payload, partial=True)
    with _errors_named_as_sent():
        org = services.organization_update(
            actor=user, organization=org, data=data, verified=verified
        )
    return _organization_out(user, org)


# --- contacts and notes --------------------------------------------------------------


def _editable_contact(user: Any, pk: int) -> Contact:
    require(user, VIEW)
    contacts = Contact.objects.visible_to(user).select_related("customer__site", "customer__owner")
    contact = get_object_or_404(contacts, pk=pk)
    rules.ensure(rules.can_edit_customer(user, contact.customer))
    return contact


@router.post("/crm/customers/{customer_id}/contacts", response=with_errors({201: ContactOut}))
def contact_create(
    request: HttpRequest, customer_id: Path[Id], payload: ContactIn
) -> Status[dict[str, Any]]:
    user = request.user
    customer = _editable_customer(user, customer_id)
    with _errors_named_as_sent():
        contact = services.contact_create(actor=user, customer=customer, **payload.model_dump())
    return Status(201, _contact_out(user, contact, customer))


@router.patch("/crm/contacts/{contact_id}", response=with_errors({200: ContactOut}))
def contact_update(
    request: HttpRequest, contact_id: Path[Id], payload: ContactPatch
) -> dict[str, Any]:
    user = request.user
    contact = _editable_contact(user, contact_id)
    with _errors_named_as_sent():
        contact = services.contact_update(
            actor=user, contact=contact, data=payload.model_dump(exclude_unset=True)
        )
    return _contact_out(user, contact, contact.customer)


@router.delete("/crm/contacts/{contact_id}", response=with_errors({204: None}))
def contact_delete(request: HttpRequest, contact_id: Path[Id]) -> Status[None]:
    user = request.user
    services.contact_delete(actor=user, contact=_editable_contact(user, contact_id))
    return Status(204, None)


@router.post(
    "/crm/customers/{customer_id}/notes",
    response=with_errors({201: NoteOut}),
    summary="Add a note; anyone who sees the customer may. Notes are never edited.",
)
def note_create(request: HttpRequest, customer_id: Path[Id], payload: NoteIn) -> Status[Note]:
    user = request.user
    require(user, VIEW)
    customer = selectors.customer_detail(user=user, pk=customer_id)
    rules.ensure(rules.can_note_customer(user, customer))
    with _errors_named_as_sent():
        note = services.note_create(actor=user, customer=customer, text=payload.text)
    return Status(201, note)


# --- subscriptions -------------------------------------------------------------------


@router.post(
    "/crm/customers/{customer_id}/subscriptions", response=with_errors({201: SubscriptionOut})
)
def subscription_create(
    request: HttpRequest, customer_id: Path[Id], payload: SubscriptionIn
) -> Status[dict[str, Any]]:
    user = request.user
    customer = _editable_customer(user, customer_id)
    data = payload.model_dump()
    plan = _plan(user, data.pop("plan_id"))
    with _errors_named_as_sent():
        sub = services.subscription_create(actor=user, customer=customer, plan=plan, **data)
    return Status(201, _subscription_out(sub))


@router.patch("/crm/subscriptions/{subscription_id}", response=with_errors({200: SubscriptionOut}))
def subscription_update(
    request: HttpRequest, subscription_id: Path[Id], payload: SubscriptionPatch
) -> dict[str, Any]:
    user = request.user
    require(user, VIEW)
    subs = Subscription.objects.visible_to(user).select_related(
        "customer__site", "customer__owner", "plan"
    )
    sub = get_object_or_404(subs, pk=subscription_id)
    rules.ensure(rules.can_edit_customer(user, sub.customer))
    data = payload.model_dump(exclude_unset=True)
    if "plan_id" in data:
        data["plan"] = _plan(user, data.pop("plan_id"), current=sub.plan)
    with _errors_named_as_sent():
        sub = services.subscription_update(actor=user, subscription=sub, data=data)
    return _subscription_out(sub)


# --- competitor intelligence ---------------------------------------------------------


@router.post("/crm/sites/{site_id}/intel", response=with_errors({201: IntelOut}))
def intel_create(
    request: HttpRequest, site_id: Path[Id], payload: IntelIn
) -> Status[dict[str, Any]]:
    """What one competitor does in one site; a second row for the same pair is a 400."""
    user = request.user
    require(user, VIEW)
    site = get_object_or_404(Site.objects.visible_to(user), pk=site_id)
    rules.ensure(rules.can_survey_site(user, site))
    data, verified = _split_verified(payload, partial=False)
    competitor = _ref(
        Competitor.objects.visible_to(user),
        data.pop("competitor_id"),
        "competitor_id",
        _("没有这个竞争对手。"),
        None,
    )
    with _errors_named_as_sent():
        intel = services.competitor_intel_create(
            actor=user, site=site, competitor=competitor, verified=verified, **data
        )
    return Status(201, _intel_with_offers(user, intel.pk))


@router.patch("/crm/intel/{intel_id}", response=with_errors({200: IntelOut}))
def intel_update(request: HttpRequest, intel_id: Path[Id], payload: IntelPatch) -> dict[str, Any]:
    user = request.user
    intel = _surveyable_intel(user, intel_id)
    data, verified = _split_verified(payload, partial=True)
    with _errors_named_as_sent():
        services.competitor_intel_update(actor=user, intel=intel, data=data, verified=verified)
    return _intel_with_offers(user, intel.pk)


@router.post(
    "/crm/intel/{intel_id}/verify",
    response=with_errors({200: IntelOut}),
    summary="Confirm a site's intelligence unchanged",
)
def intel_verify(request: HttpRequest, intel_id: Path[Id]) -> dict[str, Any]:
    user = request.user
    intel = _surveyable_intel(user, intel_id)
    services.competitor_intel_verify(actor=user, intel=intel)
    return _intel_with_offers(user, intel.pk)


@router.post(
    "/crm/intel/{intel_id}/offers",
    response=with_errors({201: OfferOut}),
    summary="Record a tariff seen in the site (this confirms the site's intelligence too)",
)
def offer_create(
    request: HttpRequest, intel_id: Path[Id], payload: OfferIn
) -> Status[dict[str, Any]]:
    user = request.user
    intel = _surveyable_intel(user, intel_id)
    with _errors_named_as_sent():
        offer = services.competitor_offer_create(actor=user, intel=intel, **payload.model_dump())
    return Status(201, _offer_out(offer, intel))


@router.patch("/crm/competitor-offers/{offer_id}", response=with_errors({200: OfferOut}))
def offer_update(request: HttpRequest, offer_id: Path[Id], payload: OfferPatch) -> dict[str, Any]:
    user = request.user
    require(user, VIEW)
    offer = get_object_or_404(selectors.offer_list(user=user), pk=offer_id)
    rules.ensure(rules.can_survey_site(user, offer.intel.site))
    with _errors_named_as_sent():
        offer = services.competitor_offer_update(
            actor=user, offer=offer, data=payload.model_dump(exclude_unset=True)
        )
    return _offer_out(offer, offer.intel)
