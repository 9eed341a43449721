"""Dispatch (派单): the market department to grids, a grid manager to a person, with due
times; the assignee accepts or returns; overdue first contacts are escalated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from wangge.core import clock, events
from wangge.core.access import SYSTEM, scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_update
from wangge.crm.models import Customer
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.sales.events import OpportunityDispatched
from wangge.sales.models import Opportunity, OpportunityStep
from wangge.sales.permissions import Action
from wangge.sales.services.common import record_step

#: Who can be handed a sale: technicians install and repair, they do not sell.
ASSIGNABLE_ROLES = (
    Role.GRID_MANAGER,
    Role.ACCOUNT_MARKETER,
    Role.SALES_MARKETER,
    Role.AGENT,
)

_DISPATCH_FIELDS = (
    "grid",
    "assignee",
    "dispatch",
    "dispatched_at",
    "contact_due",
    "outcome_due",
    "first_contact_at",
    "escalated_at",
)


def _check_dues(contact_due: dt.datetime, outcome_due: dt.datetime | None) -> None:
    now = clock.now()
    if contact_due <= now:
        raise ValidationError({"due": _("首次联系时限必须晚于现在。")})
    if outcome_due is not None and outcome_due < contact_due:
        raise ValidationError({"outcome_due": _("结果反馈时限不能早于首次联系时限。")})


def _member(staff: Staff, grid_id: int) -> GridMembership | None:
    return GridMembership.objects.filter(staff=staff, grid_id=grid_id).first()


@transaction.atomic
def opportunity_dispatch(
    *,
    actor: Any,
    opportunity: Opportunity,
    version: int,
    due: dt.datetime,
    assignee: Staff | None = None,
    grid: Grid | None = None,
    outcome_due: dt.datetime | None = None,
    note: str = "",
) -> Opportunity:
    """Hand the opportunity to a person of its grid (`assignee`), or, for the market
    department, to a grid's board (`grid`). The `version` the dispatcher saw must still be
    the row's: of two managers dispatching at once exactly one wins, the other gets
    `StaleVersion` (409) and nothing changes."""
    if (assignee is None) == (grid is None):
        raise ValidationError({"assignee": _("请指定接单人或网格（二选一）。")})
    if not opportunity.is_open:
        raise ValidationError({"stage": _("已结束的商机不能派单。")})
    scope = scope_for(actor)
    if not scope.everything:
        require(actor, Action.DISPATCH, opportunity)
    if grid is not None:
        if not scope.everything:
            raise ValidationError({"grid": _("只有市场部可以派单至网格。")})
        target_grid_id: int | None = grid.pk
    else:
        assert assignee is not None
        target_grid_id = opportunity.grid_id or opportunity.site.grid_id
        if target_grid_id is None:
            raise ValidationError({"assignee": _("该商机所在的小区尚未划入网格，请先派至网格。")})
        membership = _member(assignee, target_grid_id)
        if membership is None:
            raise ValidationError({"assignee": _("接单人不属于该商机所在网格。")})
        if membership.role not in ASSIGNABLE_ROLES:
            raise ValidationError({"assignee": _("安装维护专员不接销售商机。")})
    _check_dues(due, outcome_due)
    assert target_grid_id is not None
    values: dict[str, Any] = {
        "grid": Grid.objects.get(pk=target_grid_id),
        "assignee": assignee,
        "dispatch": (Opportunity.Dispatch.PENDING if assignee else Opportunity.Dispatch.TO_GRID),
        "dispatched_at": clock.now(),
        "contact_due": due,
        "outcome_due": outcome_due,
        # A new hand-over starts a new clock: the new assignee makes their own first contact.
        "first_contact_at": None,
        "escalated_at": None,
    }
    opp, _changed = audited_update(
        actor=actor,
        instance=opportunity,
        data=values,
        fields=_DISPATCH_FIELDS,
        version=version,
    )
    record_step(
        actor,
        opp,
        OpportunityStep.Kind.DISPATCH if assignee else OpportunityStep.Kind.DISPATCH_GRID,
        grid_id=target_grid_id,
        assignee=assignee,
        due=due,
        note=note[:500],
    )
    events.publish(
        OpportunityDispatched(
            opportunity_id=opp.pk, grid_id=target_grid_id, assignee_id=getattr(assignee, "pk", None)
        )
    )
    return opp


@transaction.atomic
def opportunity_accept(*, actor: Any, opportunity: Opportunity, version: int) -> Opportunity:
    require(actor, Action.RESPOND, opportunity)
    if opportunity.dispatch != Opportunity.Dispatch.PENDING:
        raise ValidationError({"dispatch": _("该商机不在待接单状态。")})
    opp, _changed = audited_update(
        actor=actor,
        instance=opportunity,
        data={"dispatch": Opportunity.Dispatch.ACCEPTED},
        fields=("dispatch",),
        version=version,
    )
    record_step(actor, opp, OpportunityStep.Kind.ACCEPT, assignee=opp.assignee)
    return opp


@transaction.atomic
def opportunity_return(
    *, actor: Any, opportunity: Opportunity, version: int, reason: str
) -> Opportunity:
    """Give it back to the grid's board with a reason (wrong person, not reachable...)."""
    require(actor, Action.RESPOND, opportunity)
    if not reason.strip():
        raise ValidationError({"reason": _("退回时请说明原因。")})
    if not opportunity.is_open:
        raise ValidationError({"stage": _("已结束的商机不能退回。")})
    opp, _changed = audited_update(
        actor=actor,
        instance=opportunity,
        data={"dispatch": Opportunity.Dispatch.RETURNED, "assignee": None},
        fields=("dispatch", "assignee"),
        version=version,
    )
    record_step(actor, opp, OpportunityStep.Kind.RETURN, note=reason.strip()[:500])
    return opp


def suggested_assignee(opportunity: Opportunity) -> Staff | None:
    """Who the board proposes for one opportunity (see `suggested_assignees`)."""
    return suggested_assignees([opportunity])[opportunity.pk]


def suggested_assignees(opportunities: Iterable[Opportunity]) -> dict[int, Staff | None]:
    """Who the board proposes, per opportunity: group customers go to the grid's sales
    marketers (seed §三.2(1)); a household to its owner when they are in the grid, else the
    account marketer; among several, the one with the fewest open opportunities.

    Two queries for a whole page of the board (the grids' teams, their loads), whatever the
    number of rows; pass opportunities with `site` and `customer` loaded."""
    opps = list(opportunities)
    grid_of = {o.pk: o.grid_id or o.site.grid_id for o in opps}
    members = list(
        GridMembership.objects.filter(grid_id__in={g for g in grid_of.values() if g})
        .select_related("staff")
        .order_by()
    )
    sellers = {m.staff_id for m in members if m.role in _SUGGESTED_ROLES}
    load = dict(
        Opportunity.objects.filter(assignee_id__in=sellers, stage__in=Opportunity.OPEN_STAGES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    in_grid: dict[tuple[int, int], Staff] = {}
    by_role: dict[tuple[int, str], list[Staff]] = {}
    for m in members:
        in_grid[(m.grid_id, m.staff_id)] = m.staff
        by_role.setdefault((m.grid_id, m.role), []).append(m.staff)
    for people in by_role.values():
        people.sort(key=lambda s: (load.get(s.pk, 0), s.pk))
    out: dict[int, Staff | None] = {}
    for opp in opps:
        out[opp.pk] = None
        grid_id = grid_of[opp.pk]
        if grid_id is None:
            continue
        customer = opp.customer
        if customer is not None and customer.kind == Customer.Kind.HOUSEHOLD:
            owner = in_grid.get((grid_id, customer.owner_id or 0))
            if owner is not None:
                out[opp.pk] = owner
                continue
        group = customer is not None and customer.kind == Customer.Kind.GROUP
        first = Role.SALES_MARKETER if group else Role.ACCOUNT_MARKETER
        for wanted in (first, *_SUGGESTED_ROLES):
            candidates = by_role.get((grid_id, wanted))
            if candidates:
                out[opp.pk] = candidates[0]
                break
    return out


#: Who the board proposes when no owner is in the grid, in this order of preference.
_SUGGESTED_ROLES = (Role.SALES_MARKETER, Role.ACCOUNT_MARKETER)


def escalate_overdue() -> int:
    """Stamp every open opportunity whose first-contact time has passed unanswered, once,
    with a history entry (the market department's today view lists escalated ones)."""
    now = clock.now()
    overdue = Opportunity.objects.filter(
        stage__in=Opportunity.OPEN_STAGES,
        first_contact_at__isnull=True,
        contact_due__lt=now,
        escalated_at__isnull=True,
    )
    count = 0
    for opp in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            updated = Opportunity.objects.filter(pk=opp.pk, escalated_at__isnull=True).update(
                escalated_at=now, version=F("version") + 1
            )
            if updated:
                record_step(
                    SYSTEM,
                    opp,
                    OpportunityStep.Kind.ESCALATE,
                    assignee=opp.assignee,
                    due=opp.contact_due,
                )
                count += 1
    return count
