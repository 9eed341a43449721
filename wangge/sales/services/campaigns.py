"""Team sales campaigns (团队销售): roadshows, holiday specials, organisations, areas."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.org.models import GridMembership, Staff
from wangge.sales.models import Campaign
from wangge.sales.permissions import Action

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
