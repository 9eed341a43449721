"""Rows as the crm API answers them: masking happens here, once, for every endpoint."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from wangge.crm import display, selectors
from wangge.crm.models import (
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Organization,
    Subscription,
)


def customer_out(user: Any, c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "code": c.code,
        "kind": c.kind,
        "name": display.customer_name(c),
        "site_id": c.site_id,
        "grid_id": c.site.grid_id,
        "address": c.address,
        "phone": display.customer_phone_shown(user=user, customer=c),
        "relationship": c.relationship,
        "tier": c.tier,
        "status": c.legacy_status,
        "owner_id": c.owner_id,
        "owner_name": c.owner.name,
        "current_provider_id": c.current_provider_id,
        "created_at": c.created_at,
        "verified_at": c.verified_at,
        "verified_by_id": c.verified_by_id,
        "resurvey_due": getattr(c, "resurvey_due", c.needs_resurvey),
        "version": c.version,
    }


def organization_out(user: Any, o: Organization) -> dict[str, Any]:
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
        "version": o.version,
    }


def contact_out(user: Any, p: Contact, c: Customer) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "title": p.title,
        "phone": selectors.phone_shown(user=user, phone=p.phone, customer=c),
        "note": p.note,
    }


def subscription_out(s: Subscription) -> dict[str, Any]:
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
        "version": s.version,
    }


def offer_out(o: CompetitorOffer, intel: CompetitorIntel) -> dict[str, Any]:
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


def intel_out(i: CompetitorIntel, offers: list[CompetitorOffer]) -> dict[str, Any]:
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
        "covered_households": i.covered_households,
        "ports": i.ports,
        "network": i.network,
        "note": i.note,
        "verified_at": i.verified_at,
        "verified_by_id": i.verified_by_id,
        "resurvey_due": i.needs_resurvey,
        "offers": [offer_out(o, i) for o in offers],
    }


def intel_with_offers(user: Any, pk: int) -> dict[str, Any]:
    intel = get_object_or_404(selectors.intel_list(user=user), pk=pk)
    return intel_out(intel, intel.current_offers)  # type: ignore[attr-defined]
