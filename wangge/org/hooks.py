"""The organisation's menu entries and the person's grids on the today page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.org import selectors
from wangge.org.permissions import Action


def _sees_org(user: Any) -> bool:
    return can(user, Action.VIEW_ORG)


def _my_grids(user: Any, today: dt.date) -> list[ext.TodayItem]:
    """Where the person works: their grids (the market department's are the whole county,
    shown as one link rather than thirty)."""
    if not _sees_org(user):
        return []
    grids = selectors.grid_list(user=user)
    if scope_for(user).everything:
        return [
            ext.TodayItem(
                label=_("全部网格"), url=reverse("org:grid_list"), count=grids.count(), state="info"
            )
        ]
    return [
        ext.TodayItem(label=g.name, url=reverse("org:grid_detail", args=[g.pk]), state="info")
        for g in grids[:12]
    ]


def register() -> None:
    for key, label, url, order in (
        ("org.grids", pgettext_lazy("navigation", "网格"), "org:grid_list", 10),
        ("org.staff", _("人员"), "org:staff_list", 11),
        ("org.teams", pgettext_lazy("navigation", "团队"), "org:team_list", 12),
    ):
        ext.add_menu(ext.MenuEntry(key, label, url, order=order, visible=_sees_org))
    ext.add_today(ext.TodaySection("org.grids", _("我的网格"), _my_grids, order=90))
