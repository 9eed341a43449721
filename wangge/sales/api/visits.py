"""Visits: record one (door visits are judged on the phone's position), list them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from wangge.core.api import ApiRouter, paginate, with_errors
from wangge.core.permissions import can, require
from wangge.crm.models import Customer
from wangge.org.models import Staff
from wangge.sales import selectors, services
from wangge.sales.api.opportunities import _ref
from wangge.sales.api.schemas import VisitFilter, VisitIn, VisitOut, VisitPage
from wangge.sales.models import Opportunity, Visit
from wangge.sales.permissions import Action
from wangge.territory.models import Site

router = ApiRouter()


def visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "kind": v.kind,
        "outcome": v.outcome,
        "staff_id": v.staff_id,
        "customer_id": v.customer_id,
        "site_id": v.site_id,
        "at": v.at,
        "note": v.note,
        "next_step": v.next_step,
        "next_on": v.next_on,
        "opportunity_id": v.opportunity_id,
        "agent_id": v.agent_id,
        "lat": v.lat,
        "lon": v.lon,
        "accuracy_m": v.accuracy_m,
        "position_at": v.position_at,
        "verified": v.verified,
        "distance_m": v.distance_m,
        "flags": list(v.flags),
    }


@router.post("/sales/visits", response=with_errors({201: VisitOut}))
def visit_create(request: HttpRequest, payload: VisitIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.VISIT)
    customer = _ref(
        Customer.objects.visible_to(user).select_related("site"), payload.customer, "customer"
    )
    site = _ref(Site.objects.visible_to(user), payload.site, "site")
    opportunity = _ref(Opportunity.objects.visible_to(user), payload.opportunity, "opportunity")
    agent = _ref(Staff.objects.visible_to(user), payload.agent, "agent")
    visit = services.visit_record(
        actor=user,
        kind=payload.kind,
        outcome=payload.outcome,
        customer=customer,
        site=site,
        note=payload.note,
        next_step=payload.next_step,
        next_on=payload.next_on,
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        position_at=payload.position_at,
        opportunity=opportunity,
        agent=agent,
    )
    return Status(201, visit_out(visit))


@router.get("/sales/visits", response=with_errors({200: VisitPage}))
def visit_list(request: HttpRequest, filters: Query[VisitFilter]) -> dict[str, Any]:
    user = request.user
    if not can(user, Action.REVIEW):
        require(user, Action.VISIT)
    qs = selectors.visit_list(
        user=user,
        staff_id=filters.staff,
        grid_id=filters.grid,
        customer_id=filters.customer,
        flagged=filters.flagged,
        day=filters.day,
    )
    return paginate(qs, filters, visit_out)
