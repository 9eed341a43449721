"""Grid division's menu entries and the planner's today items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.org.permissions import Action as OrgAction
from wangge.territory.models import GridPlan
from wangge.territory.permissions import Action


def _drafts(user: Any, today: dt.date) -> list[ext.TodayItem]:
    """Draft plans wait for the market department's review and activation."""
    if not can(user, Action.EDIT_PLANS):
        return []
    drafts = GridPlan.objects.visible_to(user).filter(status=GridPlan.Status.DRAFT).count()
    if not drafts:
        return []
    return [
        ext.TodayItem(
            label=_("草稿方案待审定"),
            url=reverse("territory:plan_list"),
            count=drafts,
            state="review",
        )
    ]


#: The navigation's grid-division entries: (key, label, URL name, who sees it).
MENU = (
    ("territory.map", _("网格地图"), "territory:map", OrgAction.VIEW_ORG),
    ("territory.sites", _("网格单元"), "territory:site_list", Action.VIEW_SITES),
    ("territory.surveys", _("调查分工"), "territory:survey_board", Action.VIEW_SITES),
    ("territory.plans", _("网格方案"), "territory:plan_list", Action.VIEW_PLANS),
)


def _may(action: str) -> Callable[[Any], bool]:
    return lambda user: can(user, action)


def register() -> None:
    for order, (key, label, url, action) in enumerate(MENU, start=20):
        ext.add_menu(ext.MenuEntry(key, label, url, order=order, visible=_may(action)))
    ext.add_today(ext.TodaySection("territory.plans", _("网格方案"), _drafts, order=50))
