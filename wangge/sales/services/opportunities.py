"""Opportunities: raise, edit, move through the stages, win (an order) or lose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import clock, events
from wangge.core.access import SYSTEM
from wangge.core.permissions import can, require
from wangge.core.services import audited_create, audited_update
from wangge.crm import services as crm_services
from wangge.crm.models import Customer, Subscription, TariffPlan
from wangge.crm.permissions import Action as CrmAction
from wangge.org.models import Staff
from wangge.org.roles import Role
from wangge.sales.events import SaleWon
from wangge.sales.models import Opportunity, OpportunityStep, Order, Stage
from wangge.sales.permissions import Action
from wangge.sales.services.common import acting_staff, record_step
from wangge.sales.services.funnel_keep import funnel_keep_one
from wangge.territory.models import Site

#: What a worker may edit without a stage move.
EDITABLE = (
    "kind",
    "product",
    "need",
    "competitor",
    "expected_monthly",
    "expected_close",
    "contact_name",
    "contact_phone",
    "campaign",
)

#: The open stages in order. A move goes one step forward or one back (a quote is revised);
#: skipping ahead would let the funnel's stage counts and times lie.
LADDER = [Stage.NEED, Stage.PROPOSAL, Stage.CONFIRMED, Stage.ORDERED]

#: Roles who keep what they raise; a technician's or a manager's lead goes to the board.
_SELLERS = {Role.ACCOUNT_MARKETER, Role.SALES_MARKETER, Role.AGENT}


def allowed_moves(stage: str) -> list[str]:
    """Stages an opportunity in `stage` may move to with `opportunity_move`."""
    if stage == Stage.LOST:
        return [str(Stage.NEED)]  # reopened: the customer came back
    if stage == Stage.WON:
        return []
    i = LADDER.index(Stage(stage))
    return [str(LADDER[j]) for j in (i - 1, i + 1) if 0 <= j < len(LADDER)]


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    source: str,
    site: Site | None = None,
    customer: Customer | None = None,
    kind: str = Opportunity.Kind.NEW,
    need: str = "",
    product: Any = None,
    competitor: Any = None,
    expected_monthly: Decimal = Decimal("0.00"),
    expected_close: dt.date | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    campaign: Any = None,
    piece: Any = None,
    external_ref: str = "",
    assign_to_self: bool = True,
) -> Opportunity:
    """Raise an opportunity on the site's grid board.

    A marketer or an agent raising it keeps it (accepted, theirs to work); anyone else's
    lead waits on the board for the manager to dispatch.
    """
    if customer is not None:
        site = customer.site
    if site is None:
        raise ValidationError({"site": _("请指定客户或小区/楼宇。")})
    require(actor, Action.CREATE, site)
    if kind == Opportunity.Kind.UPLIFT and customer is None:
        raise ValidationError({"customer": _("存量提值商机必须指定现有客户。")})
    if kind == Opportunity.Kind.WINBACK and competitor is None and customer is not None:
        competitor = customer.current_provider
    staff = acting_staff(actor)
    keeps = staff is not None and staff.role in _SELLERS and assign_to_self
    opp = Opportunity(
        source=source,
        kind=kind,
        site=site,
        customer=customer,
        grid_id=site.grid_id,
        need=need,
        product=product,
        competitor=competitor,
        expected_monthly=expected_monthly,
        expected_close=expected_close,
        contact_name=contact_name,
        contact_phone=contact_phone,
        campaign=campaign,
        piece=piece,
        external_ref=external_ref,
        raised_by=staff,
        assignee=staff if keeps else None,
        dispatch=Opportunity.Dispatch.ACCEPTED if keeps else Opportunity.Dispatch.NONE,
    )
    opp = audited_create(actor=actor, instance=opp)
    record_step(actor, opp, OpportunityStep.Kind.CREATED, staff=staff, to_stage=opp.stage)
    return opp


@transaction.atomic
def opportunity_update(
    *, actor: Any, opportunity: Opportunity, data: Mapping[str, Any], version: int
) -> Opportunity:
    require(actor, Action.WORK, opportunity)
    if not opportunity.is_open:
        raise ValidationError(_("已结束的商机不能修改。"))
    opp, changed = audited_update(
        actor=actor, instance=opportunity, data=data, fields=EDITABLE, version=version
    )
    if changed:
        record_step(actor, opp, OpportunityStep.Kind.EDIT)
    return opp


def _stage_values(opp: Opportunity, stage: str) -> dict[str, Any]:
    now = clock.now()
    values: dict[str, Any] = {"stage": stage, "stage_since": now}
    if opp.first_contact_at is None:
        values["first_contact_at"] = now  # working it is contacting it
    values["closed_at"] = now if stage in (Stage.WON, Stage.LOST) else None
    if stage != Stage.LOST:
        values["lost_reason"] = ""
        values["lost_note"] = ""
    return values


_MOVE_FIELDS = (
    "assignee",
    "dispatch",
    "stage",
    "stage_since",
    "first_contact_at",
    "closed_at",
    "lost_reason",
    "lost_note",
)


def _claim(actor: Any, opp: Opportunity, values: dict[str, Any]) -> Staff | None:
    """A seller who works an opportunity nobody holds (a returned one, a lead on the board)
    takes it: the board must never show an opportunity moving with no one answerable."""
    if opp.assignee_id is not None:
        return None
    staff = acting_staff(actor)
    if staff is None or staff.role not in _SELLERS:
        return None
    values.update(assignee=staff, dispatch=Opportunity.Dispatch.ACCEPTED)
    return staff


def _record_claim(actor: Any, opp: Opportunity, staff: Staff | None) -> None:
    if staff is not None:
        record_step(
            actor,
            opp,
            OpportunityStep.Kind.ACCEPT,
            staff=staff,
            assignee=staff,
            note=_("从网格看板认领"),
        )


@transaction.atomic
def opportunity_move(
    *, actor: Any, opportunity: Opportunity, stage: str, version: int, note: str = ""
) -> Opportunity:
    """One step along the ladder (or reopen a lost one); winning and losing have their own
    services, which ask for the order or the reason."""
    require(actor, Action.WORK, opportunity)
    if stage not in allowed_moves(opportunity.stage):
        raise ValidationError(
            {
                "stage": _("商机不能从“%(from)s”直接转到“%(to)s”。")
                % {
                    "from": Stage(opportunity.stage).label,
                    "to": Stage(stage).label if stage in Stage.values else stage,
                }
            }
        )
    before = opportunity.stage
    values = _stage_values(opportunity, stage)
    claimed = _claim(actor, opportunity, values)
    opp, _changed = audited_update(
        actor=actor,
        instance=opportunity,
        data=values,
        fields=_MOVE_FIELDS,
        version=version,
    )
    _record_claim(actor, opp, claimed)
    record_step(
        actor, opp, OpportunityStep.Kind.STAGE, from_stage=before, to_stage=stage, note=note
    )
    funnel_keep_one(opp)
    return opp


@transaction.atomic
def opportunity_lose(
    *, actor: Any, opportunity: Opportunity, reason: str, version: int, note: str = ""
) -> Opportunity:
    require(actor, Action.WORK, opportunity)
    if not opportunity.is_open:
        raise ValidationError({"stage": _("商机已结束。")})
    if reason not in Opportunity.LostReason.values:
        raise ValidationError({"lost_reason": _("请选择失败原因。")})
    before = opportunity.stage
    values = _stage_values(opportunity, Stage.LOST)
    values.update(lost_reason=reason, lost_note=note[:200])
    claimed = _claim(actor, opportunity, values)
    opp, _changed = audited_update(
        actor=actor, instance=opportunity, data=values, fields=_MOVE_FIELDS, version=version
    )
    _record_claim(actor, opp, claimed)
    record_step(
        actor, opp, OpportunityStep.Kind.STAGE, from_stage=before, to_stage=Stage.LOST, note=note
    )
    funnel_keep_one(opp)
    return opp


def _customer_for_win(
    actor: Any, opp: Opportunity, seller: Staff, new_customer: Mapping[str, Any] | None
) -> Customer:
    if opp.customer is not None:
        return opp.customer
    data = dict(new_customer or {})
    name = (data.pop("name", "") or opp.contact_name).strip()
    if not name:
        raise ValidationError({"customer": _("成交前请填写客户名称（或关联现有客户）。")})
    return crm_services.customer_create(
        actor=actor,
        site=opp.site,
        name=name,
        phone=data.pop("phone", "") or opp.contact_phone,
        address=data.pop("address", ""),
        owner=seller,
        relationship=Customer.Relationship.NEW,
    )


@transaction.atomic
def opportunity_win(
    *,
    actor: Any,
    opportunity: Opportunity,
    plan: TariffPlan,
    version: int,
    monthly_fee: Decimal | None = None,
    account_no: str = "",
    new_customer: Mapping[str, Any] | None = None,
) -> Order:
    """The customer ordered: crm gets the subscription (through its services), the order is
    kept, and `sale_won` tells service (an install) and performance (a sale)."""
    require(actor, Action.WORK, opportunity)
    if opportunity.stage not in (Stage.CONFIRMED, Stage.ORDERED):
        raise ValidationError(
            {
                "stage": _("只有“确认意向”或“已下单”的商机可以成交（当前：%(stage)s）。")
                % {"stage": Stage(opportunity.stage).label}
            }
        )
    if not plan.is_active:
        raise ValidationError({"plan": _("该资费套餐已停售。")})
    seller = opportunity.assignee or acting_staff(actor)
    if seller is None:
        raise ValidationError({"assignee": _("请先派单给销售人员再成交。")})
    before = opportunity.stage
    # A lead without a customer registers one now (rolled back with the rest if the
    # version turns out stale), and the win names it in the same audited write.
    customer = _customer_for_win(actor, opportunity, seller, new_customer)
    values = _stage_values(opportunity, Stage.WON)
    values["customer"] = customer
    opp, _changed = audited_update(
        actor=actor,
        instance=opportunity,
        data=values,
        fields=(*_MOVE_FIELDS, "customer"),
        version=version,
    )
    # Winning is the sales app's right (checked above). crm records the subscription in the
    # name of the person acting when they may edit the customer, else as the system on
    # their behalf (a sales marketer upselling an account marketer's customer).
    crm_actor = actor if can(actor, CrmAction.EDIT_CUSTOMER, customer) else SYSTEM
    today = clock.today()
    subscription = crm_services.subscription_create(
        actor=crm_actor,
        customer=customer,
        plan=plan,
        started_on=today,
        monthly_fee=monthly_fee,
        account_no=account_no,
        # Live once installed: the service app's install order activates it (待装机).
        status=Subscription.Status.PENDING,
    )
    order = audited_create(
        actor=actor,
        instance=Order(
            opportunity=opp,
            plan=plan,
            monthly_fee=subscription.monthly_fee,
            subscription=subscription,
            seller=seller,
            won_on=today,
        ),
    )
    record_step(actor, opp, OpportunityStep.Kind.STAGE, from_stage=before, to_stage=Stage.WON)
    funnel_keep_one(opp)
    events.publish(
        SaleWon(
            opportunity_id=opp.pk,
            order_id=order.pk,
            subscription_id=subscription.pk,
            customer_id=customer.pk,
            site_id=opp.site_id,
            grid_id=opp.grid_id,
            seller_id=seller.pk,
            plan_id=plan.pk,
            monthly_fee=str(order.monthly_fee),
            won_on=today,
        )
    )
    return order
