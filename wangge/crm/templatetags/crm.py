"""Template helpers of the information base: masked phones, site links and the site market
section."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.crm import display, selectors
from wangge.territory.models import site_visible
from wangge.territory.permissions import Action as TerritoryAction

register = template.Library()


@register.simple_tag(takes_context=True)
def shown_phone(context: template.Context, phone: str, customer: Any) -> str:
    """`{% shown_phone c.phone c %}`: the number as the viewing user may see it."""
    user = context["request"].user
    return selectors.phone_shown(user=user, phone=phone or "", customer=customer)


@register.simple_tag
def customer_name(customer: Any) -> str:
    """`{% customer_name c %}`: a group customer by its organisation's name (`crm.display`)."""
    return display.customer_name(customer)


@register.simple_tag(takes_context=True)
def customer_phone(context: template.Context, customer: Any) -> str:
    """`{% customer_phone c %}`: the number to call, as the viewing user may see it (a
    group customer's contact; the same rule as the API and exports: `crm.display`)."""
    return display.customer_phone_shown(user=context["request"].user, customer=customer)


def sees_site(user: Any, site: Any) -> bool:
    """Whether `Site.objects.visible_to(user)` holds `site`, from the user's cached scope:
    lists link every row's site, and a query per row would not do."""
    return site_visible(scope_for(user), site)


@register.simple_tag(takes_context=True)
def site_link(context: template.Context, site: Any, url_name: str = "territory:site_detail") -> str:
    """`{% site_link c.site %}`: the site's name, linked to its page when the user may open
    it (agents see no sites, a grid's team only its own grid's), plain text otherwise."""
    if site is None:
        return "—"
    user = context["request"].user
    allowed = sees_site(user, site)
    if allowed and url_name == "territory:site_detail":
        allowed = can(user, TerritoryAction.VIEW_SITES)
    if not allowed:
        return format_html("{}", site.name)
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[site.pk]), site.name)


@register.filter
def offer_name(offer: Any) -> str:
    """A competitor offer's plan name with its bandwidth, unless the name already says it
    ("天翼宽带 500M" stays as it is; "天翼宽带" with 500 Mbps reads "天翼宽带 500M")."""
    name, mbps = offer.plan_name, offer.bandwidth_mbps
    if not mbps or re.search(rf"(?<!\d){mbps}(?!\d)", name):
        return str(name)
    return f"{name} {mbps}M"
