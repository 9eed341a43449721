"""Information-base endpoints (read only): customers, organisations, subscriptions,
products, competitor offers, and a site's market. Scoped like the pages, phones masked
like the pages; money is exact, as a decimal string of yuan with two places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema
from pydantic import Field

from wangge.core.access import require, scope_for
from wangge.core.api import MAX_ID, QUERY_TEXT_PATTERN, Id, with_errors
from wangge.crm import selectors
from wangge.crm.models import (
    CompetitorIntel,
    CompetitorOffer,
    Customer,
    Organization,
    Product,
    Subscription,
)
from wangge.crm.rules import VIEW
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
    competitor_id: int
    competitor: str
    launched_on: dt.date | None
    customers_estimate: int | None
    install_quality: str
    after_sales_quality: str
    property_relationship: str
    verified_at: dt.datetime | None
    verified_by_id: int | None
    resurvey_due: bool
    offers: list[OfferOut]


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


# --- endpoints -----------------------------------------------------------------------


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
        "contacts": [
            {
                "id": p.id,
                "name": p.name,
                "title": p.title,
                "phone": selectors.phone_shown(user=request.user, phone=p.phone, customer=c),
                "note": p.note,
            }
            for p in c.contacts.all()
        ],
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
        "competitors": [
            {
                "id": i.id,
                "competitor_id": i.competitor_id,
                "competitor": i.competitor.name,
                "launched_on": i.launched_on,
                "customers_estimate": i.customers_estimate,
                "install_quality": i.install_quality,
                "after_sales_quality": i.after_sales_quality,
                "property_relationship": i.property_relationship,
                "verified_at": i.verified_at,
                "verified_by_id": i.verified_by_id,
                "resurvey_due": i.needs_resurvey,
                "offers": [_offer_out(o, i) for o in i.current_offers],  # type: ignore[attr-defined]
            }
            for i in m.competitors
        ],
    }
