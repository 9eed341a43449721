"""Opportunities: list, raise, read, edit and move, dispatch, accept, return, win."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core import clock
from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm.models import Competitor, Customer, Product, TariffPlan
from wangge.org.models import Grid, Staff
from wangge.sales import selectors, services
from wangge.sales.api.schemas import (
    DispatchIn,
    OpportunityDetailOut,
    OpportunityFilter,
    OpportunityIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    ReturnIn,
    VersionBody,
    WinIn,
    WinOut,
)
from wangge.sales.models import Campaign, Opportunity, Stage
from wangge.sales.permissions import Action
from wangge.sales.services.opportunities import allowed_moves
from wangge.territory.models import Site

router = ApiRouter()

_CLEARABLE = frozenset({"product", "competitor", "campaign", "expected_close"})


def opportunity_out(o: Opportunity) -> dict[str, Any]:
    return {
        "id": o.pk,
        "code": o.code or "",
        "version": o.version,
        "kind": o.kind,
        "source": o.source,
        "stage": o.stage,
        "customer_id": o.customer_id,
        "customer_name": o.customer.name if o.customer else "",
        "site_id": o.site_id,
        "site_name": o.site.name,
        "grid_id": o.grid_id,
        "contact_name": o.contact_name,
        "contact_phone": o.contact_phone,
        "product_id": o.product_id,
        "need": o.need,
        "competitor_id": o.competitor_id,
        "expected_monthly": o.expected_monthly,
        "expected_close": o.expected_close,
        "lost_reason": o.lost_reason,
        "lost_note": o.lost_note,
        "assignee_id": o.assignee_id,
        "assignee_name": o.assignee.name if o.assignee else "",
        "dispatch": o.dispatch,
        "contact_due": o.contact_due,
        "outcome_due": o.outcome_due,
        "first_contact_at": o.first_contact_at,
        "overdue": o.contact_overdue(clock.now()) or o.outcome_overdue(clock.now()),
        "campaign_id": o.campaign_id,
        "piece_id": o.piece_id,
        "external_ref": o.external_ref,
        "created_at": o.created_at,
        "stage_since": o.stage_since,
    }


def _detail_out(o: Opportunity) -> dict[str, Any]:
    order = getattr(o, "order", None) if o.stage == Stage.WON else None
    return {
        **opportunity_out(o),
        "history": [
            {
                "at": s.at,
                "kind": s.kind,
                "actor": s.actor_name,
                "from_stage": s.from_stage,
                "to_stage": s.to_stage,
                "grid_id": s.grid_id,
                "assignee_id": s.assignee_id,
                "due": s.due,
                "note": s.note,
            }
            for s in selectors.opportunity_steps(opportunity=o)
        ],
        "allowed_stages": allowed_moves(o.stage),
        "order_id": order.pk if order else None,
        "subscription_id": order.subscription_id if order else None,
    }


def _ref(qs: QuerySet[Any], pk: int | None, field: str) -> Any:
    """A referenced row the user may name; one they cannot see reads as missing (400)."""
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("没有这条记录，或您无权使用。")})
    return found


def _refs(user: Any, payload: dict[str, Any]) -> dict[str, Any]:
    out = dict(payload)
    for key, qs in (
        ("customer_id", Customer.objects.visible_to(user).select_related("site")),
        ("site_id", Site.objects.visible_to(user)),
        ("product_id", Product.objects.filter(is_active=True)),
        ("competitor_id", Competitor.objects.filter(is_active=True)),
        ("campaign_id", Campaign.objects.visible_to(user)),
    ):
        if key in out:
            out[key.removesuffix("_id")] = _ref(qs, out.pop(key), key)
    return out


def _opportunity(user: Any, pk: int) -> Opportunity:
    require(user, Action.VIEW)
    return selectors.opportunity_detail(user=user, pk=pk)


@router.get("/sales/opportunities", response=with_errors({200: OpportunityPage}))
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.opportunity_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        stage=filters.stage or None,
        open_only=filters.open,
        mine=filters.mine,
        assignee_id=filters.assignee,
        dispatch=filters.dispatch or None,
        overdue=filters.overdue,
        unassigned=filters.unassigned,
        source=filters.source or None,
        kind=filters.kind or None,
    )
    return paginate(qs, filters, opportunity_out)


@router.post("/sales/opportunities", response=with_errors({201: OpportunityOut}))
def opportunity_create(request: HttpRequest, payload: OpportunityIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.VIEW)
    data = _refs(user, payload.model_dump())
    opp = services.opportunity_create(actor=user, **data)
    return Status(201, opportunity_out(selectors.opportunity_detail(user=user, pk=opp.pk)))


@router.get(
    "/sales/opportunities/{opportunity_id}", response=with_errors({200: OpportunityDetailOut})
)
def opportunity_detail(request: HttpRequest, opportunity_id: Path[Id]) -> dict[str, Any]:
    return _detail_out(_opportunity(request.user, opportunity_id))


@router.patch(
    "/sales/opportunities/{opportunity_id}", response=with_errors({200: OpportunityDetailOut})
)
def opportunity_update(
    request: HttpRequest, opportunity_id: Path[Id], payload: OpportunityPatch
) -> dict[str, Any]:
    user = request.user
    opp = _opportunity(user, opportunity_id)
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version")
    stage = sent.pop("stage", None)
    lost_reason = sent.pop("lost_reason", None)
    lost_note = sent.pop("lost_note", "")
    # null clears an optional link or date; on a text field it means "leave as is".
    edits = {k: v for k, v in _refs(user, sent).items() if v is not None or k in _CLEARABLE}
    if edits:
        opp = services.opportunity_update(actor=user, opportunity=opp, data=edits, version=version)
        version = opp.version
    if stage == Stage.LOST:
        if lost_reason is None:
            raise ValidationError({"lost_reason": _("请选择失败原因。")})
        opp = services.opportunity_lose(
            actor=user, opportunity=opp, reason=lost_reason, note=lost_note, version=version
        )
    elif stage is not None and stage != opp.stage:
        opp = services.opportunity_move(actor=user, opportunity=opp, stage=stage, version=version)
    elif not edits and stage is None:
        # Nothing to change: still tell a client whose version is stale.
        services.opportunity_update(actor=user, opportunity=opp, data={}, version=version)
    return _detail_out(selectors.opportunity_detail(user=user, pk=opp.pk))


@router.post(
    "/sales/opportunities/{opportunity_id}/dispatch",
    response=with_errors({200: OpportunityOut}),
    summary="Dispatch to a person of the grid (or, for the market department, to a grid)",
)
def opportunity_dispatch(
    request: HttpRequest, opportunity_id: Path[Id], payload: DispatchIn
) -> dict[str, Any]:
    user = request.user
    opp = _opportunity(user, opportunity_id)
    assignee = grid = None
    if payload.assignee is not None:
        assignee = _ref(Staff.objects.visible_to(user), payload.assignee, "assignee")
    if payload.grid is not None:
        grid = _ref(Grid.objects.visible_to(user), payload.grid, "grid")
    opp = services.opportunity_dispatch(
        actor=user,
        opportunity=opp,
        version=payload.version,
        due=payload.due,
        outcome_due=payload.outcome_due,
        assignee=assignee,
        grid=grid,
        note=payload.note,
    )
    return opportunity_out(selectors.opportunity_detail(user=user, pk=opp.pk))


@router.post(
    "/sales/opportunities/{opportunity_id}/accept", response=with_errors({200: OpportunityOut})
)
def opportunity_accept(
    request: HttpRequest, opportunity_id: Path[Id], payload: VersionBody
) -> dict[str, Any]:
    user = request.user
    opp = services.opportunity_accept(
        actor=user, opportunity=_opportunity(user, opportunity_id), version=payload.version
    )
    return opportunity_out(selectors.opportunity_detail(user=user, pk=opp.pk))


@router.post(
    "/sales/opportunities/{opportunity_id}/return", response=with_errors({200: OpportunityOut})
)
def opportunity_return(
    request: HttpRequest, opportunity_id: Path[Id], payload: ReturnIn
) -> dict[str, Any]:
    user = request.user
    opp = services.opportunity_return(
        actor=user,
        opportunity=_opportunity(user, opportunity_id),
        version=payload.version,
        reason=payload.reason,
    )
    # The assignee gave it back: they may no longer see it (it is the grid's again).
    found = selectors.opportunity_list(user=user).filter(pk=opp.pk).first()
    return opportunity_out(found or opp)


@router.post("/sales/opportunities/{opportunity_id}/win", response=with_errors({200: WinOut}))
def opportunity_win(
    request: HttpRequest, opportunity_id: Path[Id], payload: WinIn
) -> dict[str, Any]:
    user = request.user
    opp = _opportunity(user, opportunity_id)
    plan = _ref(TariffPlan.objects.filter(is_active=True), payload.plan_id, "plan_id")
    new_customer = None
    if payload.customer_name:
        new_customer = {"name": payload.customer_name, "phone": payload.customer_phone}
    order = services.opportunity_win(
        actor=user,
        opportunity=opp,
        plan=plan,
        version=payload.version,
        monthly_fee=payload.monthly_fee,
        account_no=payload.account_no,
        new_customer=new_customer,
    )
    opp = selectors.opportunity_detail(user=user, pk=opp.pk)
    return {
        "order_id": order.pk,
        "subscription_id": order.subscription_id,
        "customer_id": opp.customer_id,
        "opportunity": opportunity_out(opp),
    }
