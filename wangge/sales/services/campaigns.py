"""Team sales campaigns (团队销售): roadshows, holiday specials, organisations, areas; and
the win-back (策反) opportunities opened from the grid's list of competitors' customers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.crm.models import Customer
from wangge.org.models import GridMembership, Staff
from wangge.sales.models import Campaign, Opportunity
from wangge.sales.permissions import Action
from wangge.sales.services.opportunities import opportunity_create
from wangge.territory.models import Site

FIELDS = ("name", "kind", "site", "customer", "starts_on", "ends_on", "target_count", "note")


def _check_members(campaign: Campaign, members: Iterable[Staff]) -> list[Staff]:
    members = list(members)
    in_grid = set(
        GridMembership.objects.filter(grid_id=campaign.grid_id, staff__in=members).values_list(
            "staff_id", flat=True
        )
    )
    outside = [m.name for m in members if m.pk not in in_grid]
    if outside:
        raise ValidationError(
            {"members": _("不属于该网格的人员：%(names)s") % {"names": "、".join(outside)}}
        )
    return members


@transaction.atomic
def campaign_create(*, actor: Any, members: Iterable[Staff] = (), **fields: Any) -> Campaign:
    campaign = Campaign(**fields)
    require(actor, Action.CAMPAIGN, campaign.grid)
    if campaign.site is not None and campaign.site.grid_id != campaign.grid_id:
        raise ValidationError({"site": _("小区/楼宇不在该网格内。")})
    checked = _check_members(campaign, members)
    campaign = audited_create(actor=actor, instance=campaign)
    campaign.members.set(checked)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    data: Mapping[str, Any],
    members: Iterable[Staff] | None = None,
) -> Campaign:
    require(actor, Action.CAMPAIGN, campaign.grid)
    campaign, _changed = audited_update(actor=actor, instance=campaign, data=data, fields=FIELDS)
    if members is not None:
        campaign.members.set(_check_members(campaign, members))
    return campaign


@transaction.atomic
def campaign_opportunity_create(
    *,
    actor: Any,
    campaign: Campaign,
    site: Site | None = None,
    customer: Customer | None = None,
    **fields: Any,
) -> Opportunity:
    """A need met during the campaign, raised on the campaign's grid and linked to it
    (source: campaign), so the campaign's results count it."""
    where = customer.site if customer is not None else site
    if where is None:
        raise ValidationError({"site": _("请指定客户或小区/楼宇。")})
    if where.grid_id != campaign.grid_id:
        raise ValidationError({"site": _("小区/楼宇不在该活动的网格内。")})
    return opportunity_create(
        actor=actor,
        source=Opportunity.Source.CAMPAIGN,
        site=where,
        customer=customer,
        campaign=campaign,
        **fields,
    )


@transaction.atomic
def winback_open(*, actor: Any, customer: Customer) -> Opportunity:
    """One click on the win-back list: a win-back opportunity on the customer, naming the
    competitor they are with. Refused when one is already open (a second click, or a
    colleague's), so the list never doubles the work."""
    if customer.current_provider_id is None:
        raise ValidationError({"customer": _("该客户没有登记当前运营商。")})
    if customer.relationship in Customer.SUBSCRIBER_RELATIONSHIPS:
        raise ValidationError({"customer": _("该客户已是我方用户。")})
    # Lock the customer's row so two clicks at once cannot both pass the check below.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if Opportunity.objects.filter(customer=customer, stage__in=Opportunity.OPEN_STAGES).exists():
        raise ValidationError({"customer": _("该客户已有进行中的商机。")})
    return opportunity_create(
        actor=actor,
        source=Opportunity.Source.WINBACK_LIST,
        customer=customer,
        kind=Opportunity.Kind.WINBACK,
        competitor=customer.current_provider,
    )
