"""Customers (households) and organisations (group customers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Status

from wangge.core.access import scope_for
from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm import selectors, services
from wangge.crm.api.common import (
    classification,
    classification_filter,
    customer_refs,
    editable_customer,
    errors_named_as_sent,
    split_verified,
)
from wangge.crm.api.schemas import (
    CustomerDetailOut,
    CustomerFilter,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    OrganizationFilter,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
)
from wangge.crm.api.shaping import contact_out, customer_out, organization_out, subscription_out
from wangge.crm.models import Customer
from wangge.crm.permissions import Action

router = ApiRouter()


@router.get("/crm/customers", response=with_errors({200: CustomerPage}))
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.customer_list(
        user=request.user,
        q=filters.q,
        grid_id=filters.grid,
        kind=filters.kind,
        **classification_filter(filters.relationship, filters.status, filters.tier),
        product_id=filters.product,
        stale=filters.stale,
        owner_id=(scope_for(request.user).staff_id or -1) if filters.mine else None,
    )
    return paginate(qs, filters, lambda c: customer_out(request.user, c))


@router.get("/crm/customers/{customer_id}", response=with_errors({200: CustomerDetailOut}))
def customer_detail(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    c = selectors.customer_detail(user=request.user, pk=customer_id)
    org = getattr(c, "organization", None) if c.kind == Customer.Kind.GROUP else None
    if org is not None:
        org.customer = c
    return {
        **customer_out(request.user, c),
        "organization": organization_out(request.user, org) if org else None,
        "contacts": [contact_out(request.user, p, c) for p in c.contacts.all()],
        "subscriptions": [
            subscription_out(s) for s in selectors.customer_subscriptions(customer=c)
        ],
    }


@router.get("/crm/organizations", response=with_errors({200: OrganizationPage}))
def organization_list(request: HttpRequest, filters: Query[OrganizationFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.organization_list(
        user=request.user, q=filters.q, grid_id=filters.grid, stale=filters.stale
    )
    return paginate(qs, filters, lambda o: organization_out(request.user, o))


@router.get("/crm/organizations/{customer_id}", response=with_errors({200: OrganizationOut}))
def organization_detail(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    org = get_object_or_404(selectors.organization_list(user=request.user), pk=customer_id)
    return organization_out(request.user, org)


@router.post("/crm/customers", response=with_errors({201: CustomerOut}))
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """A household (个人/家庭客户); group customers are created under /crm/organizations."""
    user = request.user
    require(user, Action.VIEW)
    require(user, Action.CREATE_CUSTOMER)
    data, verified = split_verified(payload, partial=False)
    with errors_named_as_sent():
        data = classification(payload, data, creating=True)
        customer = services.customer_create(
            actor=user, verified=verified, **customer_refs(user, data)
        )
    return Status(201, customer_out(user, customer))


@router.patch("/crm/customers/{customer_id}", response=with_errors({200: CustomerOut}))
def customer_update(
    request: HttpRequest, customer_id: Path[Id], payload: CustomerPatch
) -> dict[str, Any]:
    user = request.user
    customer = editable_customer(user, customer_id)
    data, verified = split_verified(payload, partial=True)
    version = data.pop("version", None)
    with errors_named_as_sent():
        data = classification(payload, data, creating=False)
        customer = services.customer_update(
            actor=user,
            customer=customer,
            data=customer_refs(user, data, customer),
            verified=verified,
            version=version,
        )
    return customer_out(user, customer)


@router.post(
    "/crm/customers/{customer_id}/verify",
    response=with_errors({200: CustomerOut}),
    summary="Confirm a customer unchanged (for a group customer, its survey too)",
)
def customer_verify(request: HttpRequest, customer_id: Path[Id]) -> dict[str, Any]:
    user = request.user
    customer = services.customer_verify(actor=user, customer=editable_customer(user, customer_id))
    return customer_out(user, customer)


@router.post("/crm/organizations", response=with_errors({201: OrganizationOut}))
def organization_create(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.VIEW)
    require(user, Action.CREATE_CUSTOMER)
    data, verified = split_verified(payload, partial=False)
    with errors_named_as_sent():
        data = classification(payload, data, creating=True)
        org = services.organization_create(
            actor=user, verified=verified, **customer_refs(user, data)
        )
    return Status(201, organization_out(user, org))


@router.patch("/crm/organizations/{customer_id}", response=with_errors({200: OrganizationOut}))
def organization_update(
    request: HttpRequest, customer_id: Path[Id], payload: OrganizationPatch
) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    org = get_object_or_404(selectors.organization_list(user=user), pk=customer_id)
    require(user, Action.EDIT_CUSTOMER, org.customer)
    data, verified = split_verified(payload, partial=True)
    version = data.pop("version", None)
    with errors_named_as_sent():
        org = services.organization_update(
            actor=user, organization=org, data=data, verified=verified, version=version
        )
    return organization_out(user, org)
