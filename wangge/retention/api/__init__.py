"""Retention endpoints: care due (read), contacts (record), collection tasks (read, record
an outcome with the `version` read: a stale one answers 409 with nothing changed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.crm.models import Customer
from wangge.retention import selectors, services
from wangge.retention.api.schemas import (
    CareContactIn,
    CareContactOut,
    CareFilter,
    CarePage,
    CollectionTaskFilter,
    CollectionTaskOut,
    CollectionTaskPage,
    CollectionTaskPatch,
    ComplianceFilter,
    ComplianceOut,
)
from wangge.retention.compliance import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS
from wangge.retention.models import CareDue, CollectionTask, Contact
from wangge.retention.permissions import Action

router = ApiRouter(tags=["retention"])


def care_out(c: CareDue) -> dict[str, Any]:
    return {
        "id": c.pk,
        "customer_id": c.customer_id,
        "customer": c.customer.code or "",
        "customer_name": c.customer.name,
        "rule_id": c.rule_id,
        "rule": c.rule.name,
        "due_on": c.due_on,
        "overdue_days": c.overdue_days,
        "last_contact_on": c.last_contact_on,
        "owner_id": c.owner_id,
        "owner": c.owner.employee_no,
        "grid_id": c.grid_id,
    }


def contact_out(c: Contact) -> dict[str, Any]:
    return {"id": c.pk, "customer_id": c.customer_id, "staff_id": c.staff_id, "kind": c.kind,
            "at": c.at, "note": c.note}  # fmt: skip


def task_out(t: CollectionTask) -> dict[str, Any]:
    return {
        "id": t.pk,
        "version": t.version,
        "kind": t.kind,
        "status": t.status,
        "customer_id": t.customer_id,
        "customer_name": t.customer.name,
        "subscription_id": t.subscription_id,
        "owner_id": t.owner_id,
        "grid_id": t.grid_id,
        "cycle": t.cycle,
        "due_on": t.due_on,
        "amount": t.amount,
        "promised_on": t.promised_on,
        "reason": t.reason,
        "note": t.note,
        "parent_id": t.parent_id,
        "payment_id": t.payment_id,
        "closed_on": t.closed_on,
    }


def _me(user: Any, mine: bool) -> int | None:
    return (scope_for(user).staff_id or -1) if mine else None


@router.get("/retention/care-due", response=with_errors({200: CarePage}))
def care_due_list(request: HttpRequest, filters: Query[CareFilter]) -> dict[str, Any]:
    user = request.user
    require(user, Action.VIEW)
    qs = selectors.care_list(
        user=user, state=filters.state, grid_id=filters.grid, owner_id=_me(user, filters.mine)
    )
    return paginate(qs, filters, care_out)


@router.get("/retention/care-compliance", response=with_errors({200: ComplianceOut}))
def care_compliance(request: HttpRequest, filters: Query[ComplianceFilter]) -> dict[str, Any]:
    """Care compliance over a period, by grid or person: of the contacts that fell due in
    it, how many were made by their due date."""
    user = request.user
    require(user, Action.RATES)
    end = filters.end or clock.today()
    start = filters.start or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise ValidationError({"end": _("截止日期不能早于起始日期。")})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError({"start": _("期间最长一年。")})
    rows = selectors.care_compliance_period(user=user, start=start, end=end, by=filters.by)
    items = [
        {"id": r.key, "name": r.name, "due": r.total, "on_time": r.done, "rate": r.rate}
        for r in rows
    ]
    return {"by": filters.by, "start": start, "end": end, "items": items}


@router.post("/retention/contacts", response=with_errors({201: CareContactOut}))
def contact_create(request: HttpRequest, payload: CareContactIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.VIEW)
    customer = (
        Customer.objects.visible_to(user).select_related("site").filter(pk=payload.customer)
    ).first()
    if customer is None:
        raise ValidationError({"customer": _("没有这条记录，或您无权使用。")})
    contact = services.contact_record(
        actor=user, customer=customer, kind=payload.kind, note=payload.note
    )
    return Status(201, contact_out(contact))


@router.get("/retention/collections", response=with_errors({200: CollectionTaskPage}))
def collection_list(request: HttpRequest, filters: Query[CollectionTaskFilter]) -> dict[str, Any]:
    user = request.user
    require(user, Action.COLLECT)
    qs = selectors.collection_list(
        user=user,
        status=filters.status,
        kind=filters.kind,
        grid_id=filters.grid,
        owner_id=_me(user, filters.mine),
    )
    return paginate(qs, filters, task_out)


def _task(user: Any, task_id: int) -> CollectionTask:
    require(user, Action.COLLECT)
    task = selectors.collection_list(user=user).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


@router.get("/retention/collections/{task_id}", response=with_errors({200: CollectionTaskOut}))
def collection_detail(request: HttpRequest, task_id: Path[Id]) -> dict[str, Any]:
    return task_out(_task(request.user, task_id))


@router.patch("/retention/collections/{task_id}", response=with_errors({200: CollectionTaskOut}))
def collection_update(
    request: HttpRequest, task_id: Path[Id], payload: CollectionTaskPatch
) -> dict[str, Any]:
    user = request.user
    task = _task(user, task_id)
    task = services.collection_record(
        actor=user,
        task=task,
        outcome=payload.outcome,
        version=payload.version,
        promised_on=payload.promised_on,
        reason=payload.reason,
        note=payload.note,
    )
    return task_out(task)
