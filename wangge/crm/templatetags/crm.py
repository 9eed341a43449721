"""Template helpers of the information base: masked phones and the site market section."""

from __future__ import annotations

from typing import Any

from django import template

from wangge.crm import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def shown_phone(context: template.Context, phone: str, customer: Any) -> str:
    """`{% shown_phone c.phone c %}`: the number as the viewing user may see it."""
    user = context["request"].user
    return selectors.phone_shown(user=user, phone=phone or "", customer=customer)


@register.simple_tag(takes_context=True)
def site_market(context: template.Context, site: Any) -> selectors.SiteMarket:
    """`{% site_market site as market %}`: lets the territory site page show the section
    with a single include, without its view knowing about crm."""
    return selectors.site_market(user=context["request"].user, site=site)
