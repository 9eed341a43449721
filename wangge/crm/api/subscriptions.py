"""Subscriptions: the renewal and arrears lists, and their edits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm import selectors, services
from wangge.crm.api.common import editable_customer, errors_named_as_sent, plan_on_sale
from wangge.crm.api.schemas import (
    SubscriptionFilter,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionPatch,
)
from wangge.crm.api.shaping import subscription_out
from wangge.crm.models import Subscription
from wangge.crm.permissions import Action

router = ApiRouter()


@router.get("/crm/subscriptions", response=with_errors({200: SubscriptionPage}))
def subscription_list(request: HttpRequest, filters: Query[SubscriptionFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.subscription_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        product_id=filters.product,
        status=filters.status,
        expiring_within=filters.expiring_within,
        in_arrears=filters.in_arrears,
    )
    return paginate(qs, filters, subscription_out)


@router.get("/crm/subscriptions/{subscription_id}", response=with_errors({200: SubscriptionOut}))
def subscription_detail(request: HttpRequest, subscription_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.subscription_list(user=request.user)
    return subscription_out(get_object_or_404(qs, pk=subscription_id))


@router.post(
    "/crm/customers/{customer_id}/subscriptions", response=with_errors({201: SubscriptionOut})
)
def subscription_create(
    request: HttpRequest, customer_id: Path[Id], payload: SubscriptionIn
) -> Status[dict[str, Any]]:
    user = request.user
    customer = editable_customer(user, customer_id)
    data = payload.model_dump()
    plan = plan_on_sale(user, data.pop("plan_id"))
    with errors_named_as_sent():
        sub = services.subscription_create(actor=user, customer=customer, plan=plan, **data)
    return Status(201, subscription_out(sub))


@router.patch("/crm/subscriptions/{subscription_id}", response=with_errors({200: SubscriptionOut}))
def subscription_update(
    request: HttpRequest, subscription_id: Path[Id], payload: SubscriptionPatch
) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    subs = Subscription.objects.visible_to(user).select_related(
        "customer__site", "customer__owner", "plan"
    )
    sub = get_object_or_404(subs, pk=subscription_id)
    require(user, Action.EDIT_CUSTOMER, sub.customer)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "plan_id" in data:
        data["plan"] = plan_on_sale(user, data.pop("plan_id"), current=sub.plan)
    with errors_named_as_sent():
        sub = services.subscription_update(actor=user, subscription=sub, data=data, version=version)
    return subscription_out(sub)
