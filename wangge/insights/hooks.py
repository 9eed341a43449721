"""The insights app's place on other pages: menu entries and the home page's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.insights.permissions import Action


def _view(user: Any) -> bool:
    return can(user, Action.VIEW)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    """The three headline figures of what the person looks after: the county for the
    market department, their primary grid for the others."""
    from wangge.insights import selectors

    if not can(user, Action.VIEW):
        return []
    scope = scope_for(user)
    grid_id = None
    url = reverse("insights:dashboard")
    if not scope.everything:
        grid_id = selectors.home_grid(user)
        if grid_id is None:
            return []
        url = reverse("insights:grid", args=[grid_id])
    day = selectors.latest_day(user)
    if day is None:
        return []
    result = selectors.figures_for(user=user, on=day, grid_id=grid_id)
    if result.source != "snapshot":
        return []
    items = []
    for fig in result.figures:
        ratio = fig.headline.ratio
        label = (
            f"{fig.figure.label} {percent(ratio.value)}（{ratio.numerator}/{ratio.denominator}）"
        )
        items.append(ext.TodayItem(label, url, state="info"))
    return items


MENU = (
    ("insights.dashboard", _("经营指标"), "insights:dashboard", 80),
    ("insights.map", _("指标地图"), "insights:map", 81),
)


def register() -> None:
    for key, label, url_name, order in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=_view))
    ext.add_today(ext.TodaySection("insights", _("三个全面"), _today, order=90))
