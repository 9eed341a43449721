"""Competitor intelligence and offers, and a site's market."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm import selectors, services
from wangge.crm.api.common import (
    errors_named_as_sent,
    split_verified,
    surveyable_intel,
    visible_ref,
)
from wangge.crm.api.schemas import (
    IntelIn,
    IntelOut,
    IntelPatch,
    OfferFilter,
    OfferIn,
    OfferOut,
    OfferPage,
    OfferPatch,
    SiteMarketOut,
)
from wangge.crm.api.shaping import intel_out, intel_with_offers, offer_out
from wangge.crm.models import Competitor
from wangge.crm.permissions import Action
from wangge.territory.models import Site

router = ApiRouter()


@router.get("/crm/competitor-offers", response=with_errors({200: OfferPage}))
def offer_list(request: HttpRequest, filters: Query[OfferFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.offer_list(
        user=request.user,
        site_id=filters.site,
        grid_id=filters.grid,
        competitor_id=filters.competitor,
        current=filters.current,
    )
    return paginate(qs, filters, lambda o: offer_out(o, o.intel))


@router.get("/crm/competitor-offers/{offer_id}", response=with_errors({200: OfferOut}))
def offer_detail(request: HttpRequest, offer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    offer = get_object_or_404(selectors.offer_list(user=request.user), pk=offer_id)
    return offer_out(offer, offer.intel)


@router.get(
    "/crm/sites/{site_id}/market",
    response=with_errors({200: SiteMarketOut}),
    summary="Our penetration in a site beside the competitors' current offers",
)
def site_market(request: HttpRequest, site_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
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
        "competitors": [intel_out(i, i.current_offers) for i in m.competitors],  # type: ignore[attr-defined]
    }


@router.get("/crm/intel/{intel_id}", response=with_errors({200: IntelOut}))
def intel_detail(request: HttpRequest, intel_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    return intel_with_offers(request.user, intel_id)


@router.post("/crm/sites/{site_id}/intel", response=with_errors({201: IntelOut}))
def intel_create(
    request: HttpRequest, site_id: Path[Id], payload: IntelIn
) -> Status[dict[str, Any]]:
    """What one competitor does in one site; a second row for the same pair is a 400."""
    user = request.user
    require(user, Action.VIEW)
    site = get_object_or_404(Site.objects.visible_to(user), pk=site_id)
    require(user, Action.SURVEY_SITE, site)
    data, verified = split_verified(payload, partial=False)
    competitor = visible_ref(
        Competitor.objects.visible_to(user),
        data.pop("competitor_id"),
        "competitor_id",
        _("没有这个竞争对手。"),
        None,
    )
    with errors_named_as_sent():
        intel = services.competitor_intel_create(
            actor=user, site=site, competitor=competitor, verified=verified, **data
        )
    return Status(201, intel_with_offers(user, intel.pk))


@router.patch("/crm/intel/{intel_id}", response=with_errors({200: IntelOut}))
def intel_update(request: HttpRequest, intel_id: Path[Id], payload: IntelPatch) -> dict[str, Any]:
    user = request.user
    intel = surveyable_intel(user, intel_id)
    data, verified = split_verified(payload, partial=True)
    with errors_named_as_sent():
        services.competitor_intel_update(actor=user, intel=intel, data=data, verified=verified)
    return intel_with_offers(user, intel.pk)


@router.post(
    "/crm/intel/{intel_id}/verify",
    response=with_errors({200: IntelOut}),
    summary="Confirm a site's intelligence unchanged",
)
def intel_verify(request: HttpRequest, intel_id: Path[Id]) -> dict[str, Any]:
    user = request.user
    intel = surveyable_intel(user, intel_id)
    services.competitor_intel_verify(actor=user, intel=intel)
    return intel_with_offers(user, intel.pk)


@router.post(
    "/crm/intel/{intel_id}/offers",
    response=with_errors({201: OfferOut}),
    summary="Record a tariff seen in the site (this confirms the site's intelligence too)",
)
def offer_create(
    request: HttpRequest, intel_id: Path[Id], payload: OfferIn
) -> Status[dict[str, Any]]:
    user = request.user
    intel = surveyable_intel(user, intel_id)
    with errors_named_as_sent():
        offer = services.competitor_offer_create(actor=user, intel=intel, **payload.model_dump())
    return Status(201, offer_out(offer, intel))


@router.patch("/crm/competitor-offers/{offer_id}", response=with_errors({200: OfferOut}))
def offer_update(request: HttpRequest, offer_id: Path[Id], payload: OfferPatch) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    offer = get_object_or_404(selectors.offer_list(user=user), pk=offer_id)
    require(user, Action.SURVEY_SITE, offer.intel.site)
    with errors_named_as_sent():
        offer = services.competitor_offer_update(
            actor=user, offer=offer, data=payload.model_dump(exclude_unset=True)
        )
    return offer_out(offer, offer.intel)
