"""The information base's place on other apps' pages: menu, panels and today items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core import events
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.crm import selectors, services
from wangge.crm.models import Customer
from wangge.crm.permissions import Action
from wangge.org.roles import Role
from wangge.territory.events import SiteMoved

#: Roles whose work list covers the whole grid's subscriptions, not only their own customers.
_GRID_WIDE = {Role.GRID_MANAGER, Role.ACCOUNT_MARKETER, Role.MARKET_ADMIN}


def _site_panel(request: Any, site: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    return {"site": site, "market": selectors.site_market(user=request.user, site=site)}


def _grid_panel(request: Any, grid: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    return {"grid": grid, "counts": selectors.grid_customer_counts(user=request.user, grid=grid)}


def _staff_panel(request: Any, staff: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    owned = Customer.objects.visible_to(request.user).filter(owner_id=staff.pk)
    return {"staff": staff, "owned": owned.count()}


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not can(user, Action.VIEW):
        return []
    items = []
    stale = selectors.my_resurvey_count(user=user)
    if stale:
        items.append(
            ext.TodayItem(
                label=_("我的客户待复核"),
                url=reverse("crm:customer_list") + "?mine=1&stale=1",
                count=stale,
                state="review",
            )
        )
    scope = scope_for(user)
    counts = selectors.subscription_counts(
        user=user,
        conditions={"renewals": selectors.renewal_q(7), "arrears": selectors.arrears_q()},
        # A sales marketer, a technician or an agent works their own customers' lines.
        own=not (scope.everything or scope.role in _GRID_WIDE),
        cap=ext.TODAY_COUNT_CAP,
    )
    if counts["renewals"]:
        items.append(
            ext.TodayItem(
                label=_("7 天内到期待续费"),
                url=reverse("crm:subscription_list") + "?expiring=7",
                count=counts["renewals"],
                due=today + dt.timedelta(days=7),
                state="due",
            )
        )
    if counts["arrears"]:
        items.append(
            ext.TodayItem(
                label=_("欠费待催缴"),
                url=reverse("crm:subscription_list") + "?arrears=1",
                count=counts["arrears"],
                state="overdue",
            )
        )
    return items


def register() -> None:
    ext.add_menu(
        ext.MenuEntry(
            "crm.customers",
            pgettext_lazy("navigation", "客户"),
            "crm:customer_list",
            order=40,
            visible=lambda user: can(user, Action.VIEW),
        )
    )
    ext.add_panel(ext.Panel("crm.market", "site", "crm/_site_market.html", _site_panel, order=10))
    ext.add_panel(ext.Panel("crm.customers", "grid", "crm/_grid_panel.html", _grid_panel))
    ext.add_panel(ext.Panel("crm.accounts", "staff", "crm/_staff_panel.html", _staff_panel))
    ext.add_today(ext.TodaySection("crm", _("客户"), _today, order=20))
    events.subscribe(SiteMoved, services.on_site_moved)
