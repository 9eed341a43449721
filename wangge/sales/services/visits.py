"""Visits (陌生拜访) with a judged check-in, and a person's day plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from wangge.core import checkin, checkin_limits, clock, events
from wangge.core.access import scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_create
from wangge.crm.models import Customer
from wangge.org.models import Staff
from wangge.org.roles import Role
from wangge.sales import route
from wangge.sales.events import VisitRecorded
from wangge.sales.models import DayPlan, DayPlanStop, Opportunity, OpportunityStep, Visit
from wangge.sales.permissions import Action
from wangge.sales.services.common import acting_staff, record_step
from wangge.territory.models import Site


def _staff_or_error(actor: Any) -> Staff:
    staff = acting_staff(actor)
    if staff is None:
        raise ValidationError(_("只有网格人员可以登记拜访。"))
    return staff


def _check_supervision(actor: Any, agent: Staff | None) -> None:
    """Managers supervise the agents of the grids they lead (the market department all)."""
    require(actor, Action.REVIEW)
    if agent is None or agent.role != Role.AGENT:
        raise ValidationError({"agent": _("请选择要督导的代理商。")})
    scope = scope_for(actor)
    if scope.everything:
        return
    grids = set(agent.memberships.values_list("grid_id", flat=True))
    if not grids & scope.managed_grid_ids:
        raise ValidationError({"agent": _("只能督导您所管网格的代理商。")})


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    kind: str,
    outcome: str,
    customer: Customer | None = None,
    site: Site | None = None,
    note: str = "",
    next_step: str = "",
    next_on: dt.date | None = None,
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    position_at: dt.datetime | None = None,
    opportunity: Opportunity | None = None,
    agent: Staff | None = None,
) -> Visit:
    """Save the visit whatever the check-in's verdict; an unverified door visit is flagged
    with its reasons for the manager, never refused (the customer was still seen)."""
    require(actor, Action.VISIT)
    staff = _staff_or_error(actor)
    if kind == Visit.Kind.SUPERVISION:
        _check_supervision(actor, agent)
    elif agent is not None:
        raise ValidationError({"agent": _("只有渠道督导拜访填写代理商。")})
    if customer is not None:
        site = customer.site
    if site is None:
        raise ValidationError({"site": _("请指定客户或小区/楼宇。")})
    if opportunity is not None:
        require(actor, Action.WORK, opportunity)
    now = clock.now()
    if kind in Visit.LOCATED:
        verdict = checkin.judge(
            site=(site.lat, site.lon),
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            position_at=position_at,
            now=now,
            thresholds=checkin_limits.thresholds(),
        )
    else:
        verdict = checkin.Verdict(verified=True, distance_m=None, flags=[])
    if next_on is not None and next_on < clock.local_date(now):
        raise ValidationError({"next_on": _("下次跟进日期不能早于今天。")})
    visit = audited_create(
        actor=actor,
        instance=Visit(
            kind=kind,
            staff=staff,
            customer=customer,
            site=site,
            grid_id=site.grid_id,
            at=now,
            outcome=outcome,
            note=note,
            next_step=next_step,
            next_on=next_on,
            opportunity=opportunity,
            agent=agent,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            position_at=position_at,
            distance_m=verdict.distance_m,
            verified=verdict.verified,
            flags=verdict.flags,
        ),
    )
    if opportunity is not None and opportunity.first_contact_at is None:
        # A visit on a dispatched opportunity is its first contact (stops the due clock).
        Opportunity.objects.filter(pk=opportunity.pk, first_contact_at__isnull=True).update(
            first_contact_at=now, version=F("version") + 1
        )
        record_step(actor, opportunity, OpportunityStep.Kind.CONTACT, staff=staff)
    events.publish(
        VisitRecorded(
            visit_id=visit.pk,
            kind=kind,
            staff_id=staff.pk,
            customer_id=getattr(customer, "pk", None),
            site_id=site.pk,
            verified=visit.verified,
        )
    )
    return visit


@transaction.atomic
def day_plan_set(*, actor: Any, day: dt.date, sites: Sequence[Site]) -> DayPlan:
    """Replace the person's plan for `day` with these sites in a walking order."""
    require(actor, Action.VISIT)
    staff = _staff_or_error(actor)
    if day < clock.today():
        raise ValidationError({"day": _("不能为过去的日期制定拜访计划。")})
    unique = list({s.pk: s for s in sites}.values())
    plan, _created = DayPlan.objects.get_or_create(staff=staff, day=day)
    plan.stops.all().delete()
    order = route.walking_order([(s.lat, s.lon) for s in unique]) if unique else []
    DayPlanStop.objects.bulk_create(
        DayPlanStop(plan=plan, site=unique[i], position=n) for n, i in enumerate(order)
    )
    return plan
