"""Work orders: open (idempotent), list, read, move through the state machine.

For the operator's call centre and billing system: a create sent again with the same
`Idempotency-Key` header (or `idempotency_key` field) answers the order it opened, 200
instead of 201, and writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core import clock
from wangge.core.api import ApiRouter, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm.models import Customer, Product
from wangge.org.models import Staff
from wangge.service import selectors_orders as selectors
from wangge.service.api.orders_schemas import (
    KEY_PATTERN,
    Code,
    PhotoIn,
    PhotoOut,
    TransitionIn,
    WorkOrderDetailOut,
    WorkOrderFilter,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPage,
)
from wangge.service.models import WorkOrder
from wangge.service.permissions import Action
from wangge.service.services import orders as services
from wangge.territory.models import Site

router = ApiRouter()

_KEY = re.compile(KEY_PATTERN)


def order_out(o: WorkOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "code": o.code or "",
        "version": o.version,
        "kind": o.kind,
        "product_id": o.product_id,
        "state": o.state,
        "source": o.source,
        "source_ref": o.source_ref,
        "customer_id": o.customer_id,
        "site_id": o.site_id,
        "site_name": o.site.name,
        "grid_id": o.grid_id,
        "assignee_id": o.assignee_id,
        "assignee_name": o.assignee.name if o.assignee else "",
        "description": o.description,
        "contact_name": o.contact_name,
        "contact_phone": o.contact_phone,
        "address": o.address,
        "created_at": o.created_at,
        "due_at": o.due_at,
        "sla_measure": o.sla_measure,
        "met_at": o.met_at,
        "on_time": o.on_time,
        "overdue": o.overdue(clock.now()),
        "accepted_at": o.accepted_at,
        "checkin_at": o.checkin_at,
        "checkin_verified": o.checkin_verified,
        "checkin_flags": list(o.checkin_flags or []),
        "done_at": o.done_at,
        "result": o.result,
        "closed_at": o.closed_at,
        "cancel_reason": o.cancel_reason,
    }


def _detail_out(user: Any, o: WorkOrder) -> dict[str, Any]:
    return {
        **order_out(o),
        "materials": o.materials,
        "customer_confirmed": o.customer_confirmed,
        "confirmed_by": o.confirmed_by,
        "follow_up": o.follow_up,
        "subscription_id": o.subscription_id,
        "photo_ids": [p.pk for p in selectors.order_photos(order=o)],
        "allowed_actions": services.allowed_actions(user, o),
        "history": [
            {
                "at": s.at,
                "actor": s.actor_name,
                "from_state": s.from_state,
                "to_state": s.to_state,
                "assignee_id": s.assignee_id,
                "note": s.note,
            }
            for s in selectors.order_steps(order=o)
        ],
    }


def _ref(qs: QuerySet[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("没有这条记录，或您无权使用。")})
    return found


def _order(user: Any, code: str) -> WorkOrder:
    require(user, Action.VIEW)
    return selectors.order_detail(user=user, code=code)


@router.get("/service/work-orders", response=with_errors({200: WorkOrderPage}))
def work_order_list(request: HttpRequest, filters: Query[WorkOrderFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.order_list(
        user=request.user,
        q=filters.q,
        state=filters.state or None,
        kind=filters.kind or None,
        grid_id=filters.grid,
        assignee_id=filters.assignee,
        customer_id=filters.customer,
        site_id=filters.site,
        mine=filters.mine,
        open_only=filters.open,
        overdue=filters.overdue,
        source_ref=filters.source_ref,
    )
    return paginate(qs, filters, order_out)


@router.post(
    "/service/work-orders",
    response=with_errors({200: WorkOrderOut, 201: WorkOrderOut}),
    summary="Open a work order (idempotent with an Idempotency-Key header or field)",
)
def work_order_create(request: HttpRequest, payload: WorkOrderIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.VIEW)
    header = request.headers.get("Idempotency-Key", "")
    if header and not _KEY.fullmatch(header):
        raise ValidationError({"Idempotency-Key": _("幂等键须为 1 到 64 个可见 ASCII 字符。")})
    if header and payload.idempotency_key and header != payload.idempotency_key:
        raise ValidationError({"idempotency_key": _("请求头与请求体的幂等键不一致。")})
    key = header or payload.idempotency_key
    order, created = services.work_order_create(
        actor=user,
        kind=payload.kind,
        source=payload.source,
        customer=_ref(
            Customer.objects.visible_to(user).select_related("site"),
            payload.customer_id,
            "customer_id",
        ),
        site=_ref(Site.objects.visible_to(user), payload.site_id, "site_id"),
        product=_ref(Product.objects.filter(is_active=True), payload.product_id, "product_id"),
        description=payload.description,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        address=payload.address,
        source_ref=payload.source_ref,
        idempotency_key=key,
    )
    found = selectors.order_list(user=user).filter(pk=order.pk).first()
    if found is None:
        # The key names an order this client may not see: as if it were not there.
        raise ValidationError({"idempotency_key": _("该幂等键已被使用。")})
    return Status(201 if created else 200, order_out(found))


@router.get("/service/work-orders/{code}", response=with_errors({200: WorkOrderDetailOut}))
def work_order_detail(request: HttpRequest, code: Path[Code]) -> dict[str, Any]:
    return _detail_out(request.user, _order(request.user, code))


@router.post(
    "/service/work-orders/{code}/transition",
    response=with_errors({200: WorkOrderDetailOut}),
    summary="Move the order: assign, accept, check_in, complete, close or cancel",
)
def work_order_transition(
    request: HttpRequest, code: Path[Code], payload: TransitionIn
) -> dict[str, Any]:
    user = request.user
    order = _order(user, code)
    p = payload
    if p.action == "assign":
        staff = _ref(Staff.objects.visible_to(user), p.assignee_id, "assignee_id")
        if staff is None:
            raise ValidationError({"assignee_id": _("请选择装维人员。")})
        order = services.work_order_assign(
            actor=user, order=order, assignee=staff, version=p.version, note=p.note
        )
    elif p.action == "accept":
        order = services.work_order_accept(actor=user, order=order, version=p.version)
    elif p.action == "check_in":
        order = services.work_order_check_in(
            actor=user,
            order=order,
            version=p.version,
            lat=p.lat,
            lon=p.lon,
            accuracy_m=p.accuracy_m,
            position_at=p.position_at,
        )
    elif p.action == "complete":
        order = services.work_order_complete(
            actor=user,
            order=order,
            version=p.version,
            result=p.result,
            materials=p.materials,
            customer_confirmed=p.customer_confirmed,
            confirmed_by=p.confirmed_by,
        )
    elif p.action == "close":
        order = services.work_order_close(
            actor=user, order=order, version=p.version, follow_up=p.follow_up, satisfied=p.satisfied
        )
    else:
        order = services.work_order_cancel(
            actor=user, order=order, version=p.version, reason=p.reason
        )
    found = selectors.order_list(user=user).filter(pk=order.pk).first()
    return _detail_out(user, found or order)


@router.post(
    "/service/work-orders/{code}/photos",
    response=with_errors({201: PhotoOut}),
    summary="Add a photo taken on site (JPEG or PNG, base64, at most 5 MB, 6 per order)",
)
def work_order_photo_add(
    request: HttpRequest, code: Path[Code], payload: PhotoIn
) -> Status[dict[str, Any]]:
    user = request.user
    order = _order(user, code)
    try:
        data = base64.b64decode(payload.photo, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": _("照片不是有效的 base64 编码。")}) from None
    photo = services.work_order_add_photo(actor=user, order=order, data=data)
    return Status(201, {"id": photo.pk, "content_type": photo.content_type, "size": photo.size})
