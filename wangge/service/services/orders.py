"""Work orders: open (by hand, from a call, a won sale, an inspection, the API), assign,
and move through the states; the install's completion goes live in crm.

The state machine is `TRANSITIONS`: an action is allowed from some states only; anything
else is a `ValidationError` (the API's 400) and writes nothing. Each move re-reads the row
under a lock (`select_for_update`) before it checks the state, so of two people acting on
the same order at the same moment one wins and the other is told it moved on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import checkin, checkin_limits, clock, events, workdays
from wangge.core.access import SYSTEM, is_person, scope_for
from wangge.core.permissions import can, require
from wangge.core.services import StaleVersion, audited_create, audited_update
from wangge.crm import services as crm_services
from wangge.crm.models import Customer, Product, Subscription
from wangge.crm.permissions import Action as CrmAction
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.service import sla
from wangge.service.events import WorkOrderDone
from wangge.service.models import (
    OrderKind,
    OrderState,
    SlaSetting,
    WorkOrder,
    WorkOrderPhoto,
    WorkOrderStep,
)
from wangge.service.permissions import Action
from wangge.service.services.sla_days import sla_day_shift, tally_of
from wangge.territory.models import Site

S = OrderState


@dataclass(frozen=True)
class SlaRule:
    hours: int
    working_hours: bool
    measure: str


#: The defaults until the market department sets its own (`SlaSetting`): installs within 48
#: hours of the order, repairs within 24, a complaint answered within 2 working hours.
DEFAULT_SLA: dict[str, SlaRule] = {
    OrderKind.INSTALL: SlaRule(48, False, WorkOrder.Measure.DONE),
    OrderKind.REPAIR: SlaRule(24, False, WorkOrder.Measure.DONE),
    OrderKind.COMPLAINT: SlaRule(2, True, WorkOrder.Measure.RESPONSE),
    OrderKind.CONSULTATION: SlaRule(4, True, WorkOrder.Measure.RESPONSE),
    OrderKind.RELOCATION: SlaRule(27, True, WorkOrder.Measure.DONE),
    OrderKind.REMOVAL: SlaRule(18, True, WorkOrder.Measure.DONE),
}


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    right: str
    label: Any


#: action → where it may start, where it leads, the right it needs.
TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(
        (S.NEW, S.ASSIGNED, S.ACCEPTED), S.ASSIGNED, Action.ASSIGN, gettext_lazy("派工")
    ),
    "accept": Transition((S.NEW, S.ASSIGNED), S.ACCEPTED, Action.WORK, gettext_lazy("接单")),
    "check_in": Transition((S.ACCEPTED,), S.ON_SITE, Action.WORK, gettext_lazy("到场签到")),
    "complete": Transition((S.ON_SITE,), S.DONE, Action.WORK, gettext_lazy("完工")),
    "close": Transition((S.DONE,), S.CLOSED, Action.FOLLOW_UP, gettext_lazy("回访关闭")),
    "cancel": Transition(
        (S.NEW, S.ASSIGNED, S.ACCEPTED, S.ON_SITE), S.CANCELLED, Action.CANCEL, gettext_lazy("取消")
    ),
}

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def acting_staff(actor: Any) -> Staff | None:
    if not is_person(actor):
        return None
    staff_id = scope_for(actor).staff_id
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


def grid_technician(grid_id: int | None) -> Staff | None:
    """The grid's named technician (包干人): the one org records on the grid while they are
    still a technician of it; else the technician member whose primary grid it is, else any,
    the longest-standing first (then the lowest employee number), so the same grid always
    names the same person.
    """
    if grid_id is None:
        return None
    members = GridMembership.objects.filter(
        grid_id=grid_id, role=Role.TECHNICIAN, staff__role=Role.TECHNICIAN
    )
    named = members.filter(staff_id=Grid.objects.filter(pk=grid_id).values("technician_id")[:1])
    found = (
        named.select_related("staff").first()
        or members.select_related("staff")
        .order_by("-is_primary", "since", "staff__employee_no")
        .first()
    )
    return found.staff if found else None


def sla_rule(kind: str) -> SlaRule:
    setting = SlaSetting.objects.filter(kind=kind).first()
    if setting is None:
        return DEFAULT_SLA[kind]
    return SlaRule(setting.hours, setting.working_hours, setting.measure)


def sla_rules() -> dict[str, SlaRule]:
    rules = dict(DEFAULT_SLA)
    for s in SlaSetting.objects.all():
        rules[s.kind] = SlaRule(s.hours, s.working_hours, s.measure)
    return rules


def due_for(rule: SlaRule, start: dt.datetime) -> dt.datetime:
    local = timezone.localtime(start)
    if not rule.working_hours:
        return sla.due_at(local, rule.hours, working_hours=False, is_workday=workdays.is_workday)
    # Read the calendar once for the span any SLA can take (a Spring Festival included).
    span = int(rule.hours // 9) + 45
    cal = workdays.Calendar(local.date(), local.date() + dt.timedelta(days=span))
    return sla.due_at(local, rule.hours, working_hours=True, is_workday=cal.is_workday)


def photo_type(data: bytes) -> str:
    if not data:
        raise ValidationError({"photo": _("照片是空的。")})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("照片不能超过 5 MB。")})
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    raise ValidationError({"photo": _("照片只能是 JPEG 或 PNG 格式。")})


def _record(
    actor: Any,
    order: WorkOrder,
    *,
    from_state: str,
    to_state: str,
    note: str = "",
    assignee: Staff | None = None,
) -> WorkOrderStep:
    staff = acting_staff(actor)
    name = staff.name if staff else (getattr(actor, "username", "") or _("系统"))
    return WorkOrderStep.objects.create(
        order=order,
        actor=staff,
        actor_name=name[:32],
        from_state=from_state,
        to_state=to_state,
        assignee=assignee,
        note=note[:500],
    )


# --- opening ---------------------------------------------------------------------------


@transaction.atomic
def work_order_create(
    *,
    actor: Any,
    kind: str,
    source: str,
    site: Site | None = None,
    customer: Customer | None = None,
    product: Product | None = None,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    source_ref: str = "",
    subscription: Subscription | None = None,
    idempotency_key: str | None = None,
) -> tuple[WorkOrder, bool]:
    """Open an order on the site's grid and hand it to the grid's technician.

    Returns the order and whether it is new: an `idempotency_key` already used returns the
    order it opened (a resent API call, an event delivered twice) and writes nothing.
    """
    if idempotency_key:
        found = WorkOrder.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            require(actor, Action.VIEW)
            return found, False
    if customer is not None:
        site = customer.site
    if site is None:
        raise ValidationError({"site": _("请指定客户或小区/楼宇。")})
    if kind not in OrderKind.values:
        raise ValidationError({"kind": _("请选择工单类型。")})
    if source not in WorkOrder.Source.values:
        raise ValidationError({"source": _("请选择工单来源。")})
    require(actor, Action.CREATE, site)
    if site.grid_id is None:
        raise ValidationError({"site": _("该小区尚未划入网格，无法派工。")})
    rule = sla_rule(kind)
    now = clock.now()
    technician = grid_technician(site.grid_id)
    order = WorkOrder(
        kind=kind,
        product=product,
        customer=customer,
        site=site,
        grid_id=site.grid_id,
        source=source,
        source_ref=source_ref,
        subscription=subscription,
        idempotency_key=idempotency_key or None,
        description=description,
        contact_name=contact_name or (customer.name[:32] if customer else ""),
        contact_phone=contact_phone or (customer.phone if customer else ""),
        address=address or (customer.address if customer else ""),
        state=S.ASSIGNED if technician else S.NEW,
        state_since=now,
        assignee=technician,
        created_by=acting_staff(actor),
        created_at=now,
        sla_measure=rule.measure,
        due_at=due_for(rule, now),
    )
    try:
        with transaction.atomic():
            order = audited_create(actor=actor, instance=order)
    except (IntegrityError, ValidationError):
        # Two requests with the same key at once: the other one opened it.
        if idempotency_key:
            found = WorkOrder.objects.filter(idempotency_key=idempotency_key).first()
            if found is not None:
                return found, False
        raise
    _record(actor, order, from_state="", to_state=S.NEW, note=_("创建工单"))
    if technician is not None:
        _record(
            actor,
            order,
            from_state=S.NEW,
            to_state=S.ASSIGNED,
            assignee=technician,
            note=_("自动派给网格包干装维人员"),
        )
    return order, True


def install_for_sale(
    *,
    opportunity_id: int,
    order_id: int,
    subscription_id: int,
    customer_id: int,
) -> WorkOrder:
    """The install a won sale needs (once per sale, however often the event arrives)."""
    subscription = Subscription.objects.select_related("plan__product").get(pk=subscription_id)
    customer = Customer.objects.select_related("site").get(pk=customer_id)
    order, _created = work_order_create(
        actor=SYSTEM,
        kind=OrderKind.INSTALL,
        source=WorkOrder.Source.SALE,
        customer=customer,
        product=subscription.plan.product,
        description=_("新装：%(plan)s") % {"plan": subscription.plan.name},
        source_ref=f"opportunity:{opportunity_id}",
        subscription=subscription,
        idempotency_key=f"sale:{order_id}",
    )
    return order


def repair_for_defect(
    *, inspection_id: int, asset_id: int, site_id: int, severity: str, note: str
) -> WorkOrder:
    """The repair an inspection's defect needs (once per inspection)."""
    from wangge.service.models import Asset

    asset = Asset.objects.get(pk=asset_id)
    order, _created = work_order_create(
        actor=SYSTEM,
        kind=OrderKind.REPAIR,
        source=WorkOrder.Source.INSPECTION,
        site=Site.objects.get(pk=site_id),
        description=_("巡检发现缺陷（%(severity)s）：%(asset)s %(note)s")
        % {"severity": severity, "asset": asset.code, "note": note},
        source_ref=f"inspection:{inspection_id}",
        idempotency_key=f"inspection:{inspection_id}",
    )
    return order


# --- moving ----------------------------------------------------------------------------


def _lock(order: WorkOrder, version: int | None) -> WorkOrder:
    row = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if version is not None and row.version != version:
        raise StaleVersion(row, version, row.version)
    return row


def _move(
    actor: Any,
    order: WorkOrder,
    action: str,
    *,
    version: int | None,
    values: dict[str, Any] | None = None,
    note: str = "",
    assignee: Staff | None = None,
) -> WorkOrder:
    step = TRANSITIONS[action]
    row = _lock(order, version)
    require(actor, step.right, row)
    if row.state not in step.sources:
        raise ValidationError(
            {
                "state": _("工单当前为“%(state)s”，不能%(action)s。")
                % {"state": S(row.state).label, "action": step.label}
            }
        )
    before = row.state
    now = clock.now()
    data: dict[str, Any] = {"state": step.target, "state_since": now, **(values or {})}
    updated, _changed = audited_update(
        actor=actor, instance=order, data=data, fields=tuple(data), version=row.version
    )
    sla_day_shift(before=tally_of(row), after=tally_of(updated))
    _record(actor, updated, from_state=before, to_state=step.target, note=note, assignee=assignee)
    return updated


def _met(order: WorkOrder, measure: str, at: dt.datetime) -> dict[str, Any]:
    if order.met_at is not None or order.sla_measure != measure:
        return {}
    return {"met_at": at, "on_time": sla.on_time(order.due_at, at)}


@transaction.atomic
def work_order_assign(
    *, actor: Any, order: WorkOrder, assignee: Staff, version: int | None, note: str = ""
) -> WorkOrder:
    """The manager hands the order to a technician of its grid (or takes it back to one)."""
    if not GridMembership.objects.filter(
        staff=assignee, grid_id=order.grid_id or 0, role=Role.TECHNICIAN
    ).exists():
        raise ValidationError({"assignee": _("只能派给本网格的装维人员。")})
    return _move(
        actor,
        order,
        "assign",
        version=version,
        values={"assignee": assignee, "accepted_at": None},
        note=note,
        assignee=assignee,
    )


@transaction.atomic
def work_order_accept(*, actor: Any, order: WorkOrder, version: int | None) -> WorkOrder:
    now = clock.now()
    values: dict[str, Any] = {"accepted_at": now, **_met(order, WorkOrder.Measure.RESPONSE, now)}
    staff = acting_staff(actor)
    taken = None
    if order.assignee_id is None and staff is not None and staff.role == Role.TECHNICIAN:
        values["assignee"] = taken = staff  # an order nobody held: the first to accept
    return _move(actor, order, "accept", version=version, values=values, assignee=taken)


@transaction.atomic
def work_order_check_in(
    *,
    actor: Any,
    order: WorkOrder,
    version: int | None,
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    position_at: dt.datetime | None = None,
) -> WorkOrder:
    """At the door: the phone's position is judged like a sales visit's; a doubtful one is
    kept with its reasons (the manager sees them), not refused — the work goes on."""
    now = clock.now()
    verdict = checkin.judge(
        site=(order.site.lat, order.site.lon),
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        position_at=position_at,
        now=now,
        thresholds=checkin_limits.thresholds(),
    )
    values = {
        "checkin_at": now,
        "checkin_lat": lat,
        "checkin_lon": lon,
        "checkin_accuracy_m": accuracy_m,
        "checkin_distance_m": verdict.distance_m,
        "checkin_verified": verdict.verified,
        "checkin_flags": verdict.flags,
    }
    return _move(actor, order, "check_in", version=version, values=values)


@transaction.atomic
def work_order_add_photo(*, actor: Any, order: WorkOrder, data: bytes) -> WorkOrderPhoto:
    require(actor, Action.WORK, order)
    if order.state not in (S.ACCEPTED, S.ON_SITE, S.DONE):
        raise ValidationError({"photo": _("接单后才能上传现场照片。")})
    kind = photo_type(data)
    if WorkOrderPhoto.objects.filter(order=order).count() >= MAX_PHOTOS:
        raise ValidationError({"photo": _("每张工单最多 %(n)s 张照片。") % {"n": MAX_PHOTOS}})
    return audited_create(
        actor=actor,
        instance=WorkOrderPhoto(
            order=order,
            data=data,
            content_type=kind,
            size=len(data),
            uploaded_by=acting_staff(actor),
        ),
    )


@transaction.atomic
def work_order_complete(
    *,
    actor: Any,
    order: WorkOrder,
    version: int | None,
    result: str,
    materials: str = "",
    customer_confirmed: bool = False,
    confirmed_by: str = "",
    photos: Iterable[bytes] = (),
) -> WorkOrder:
    """Done on site: the result, what was used, the photos and the customer's word. A
    finished install makes its subscription live from today (through crm's services)."""
    result = result.strip()
    if not result:
        raise ValidationError({"result": _("请填写处理结果。")})
    if confirmed_by and not customer_confirmed:
        raise ValidationError({"customer_confirmed": _("填写了确认人，请勾选客户已确认。")})
    photos = [p for p in photos if p]
    for data in photos:
        photo_type(data)  # all checked before anything is written
    now = clock.now()
    values = {
        "done_at": now,
        "result": result[:500],
        "materials": materials.strip()[:300],
        "customer_confirmed": customer_confirmed,
        "confirmed_by": confirmed_by.strip()[:32],
        **_met(order, WorkOrder.Measure.DONE, now),
    }
    order = _move(actor, order, "complete", version=version, values=values)
    for data in photos:
        work_order_add_photo(actor=actor, order=order, data=data)
    if order.kind == OrderKind.INSTALL and order.subscription_id is not None:
        _activate(actor, order)
    events.publish(
        WorkOrderDone(
            work_order_id=order.pk,
            kind=order.kind,
            customer_id=order.customer_id,
            site_id=order.site_id,
            grid_id=order.grid_id,
            technician_id=order.assignee_id,
            done_on=clock.local_date(now),
            on_time=bool(order.on_time) if order.met_at else now <= order.due_at,
        )
    )
    return order


def _activate(actor: Any, order: WorkOrder) -> None:
    subscription = Subscription.objects.select_related("customer__site").get(
        pk=order.subscription_id
    )
    if subscription.status != Subscription.Status.PENDING:
        return  # live already (sold before installs were tracked, or set by hand)
    # The technician may not edit customers: crm records it as the system on their behalf.
    crm_actor = actor if can(actor, CrmAction.EDIT_SUBSCRIPTION, subscription.customer) else SYSTEM
    crm_services.subscription_activate(
        actor=crm_actor,
        subscription=subscription,
        on=clock.local_date(order.done_at or clock.now()),
    )


@transaction.atomic
def work_order_close(
    *,
    actor: Any,
    order: WorkOrder,
    version: int | None,
    follow_up: str,
    satisfied: bool | None = None,
) -> WorkOrder:
    """The follow-up call (回访) by the account marketer closes a done order."""
    follow_up = follow_up.strip()
    if not follow_up:
        raise ValidationError({"follow_up": _("请填写回访记录。")})
    values = {"closed_at": clock.now(), "follow_up": follow_up[:300], "satisfied": satisfied}
    return _move(actor, order, "close", version=version, values=values, note=follow_up)


@transaction.atomic
def work_order_cancel(
    *, actor: Any, order: WorkOrder, version: int | None, reason: str
) -> WorkOrder:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("请填写取消原因。")})
    values = {"cancelled_at": clock.now(), "cancel_reason": reason[:200]}
    return _move(actor, order, "cancel", version=version, values=values, note=reason)


def allowed_actions(user: Any, order: WorkOrder) -> list[str]:
    """What `user` may do to `order` now (the buttons a page shows)."""
    return [
        name
        for name, t in TRANSITIONS.items()
        if order.state in t.sources and can(user, t.right, order)
    ]


# --- settings ----------------------------------------------------------------------------


@transaction.atomic
def sla_setting_set(
    *, actor: Any, kind: str, hours: int, working_hours: bool, measure: str
) -> SlaSetting:
    """Set one kind's SLA (new orders follow it; open ones keep the deadline they had)."""
    require(actor, Action.SLA_EDIT)
    if kind not in OrderKind.values:
        raise ValidationError({"kind": _("请选择工单类型。")})
    if measure not in WorkOrder.Measure.values:
        raise ValidationError({"measure": _("请选择时限考核点。")})
    found = SlaSetting.objects.filter(kind=kind).first()
    data = {
        "hours": hours,
        "working_hours": working_hours,
        "measure": measure,
        "updated_at": clock.now(),
    }
    if found is None:
        return audited_create(actor=actor, instance=SlaSetting(kind=kind, **data))
    setting, _changed = audited_update(actor=actor, instance=found, data=data, fields=tuple(data))
    return setting
