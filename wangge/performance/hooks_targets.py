"""Targets, rankings, awards and their settings in the menu; the leaderboard on the
today view and the grid page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.performance import leaderboard
from wangge.performance.permissions_targets import Action


def _can(action: str) -> Callable[[Any], bool]:
    return lambda user: can(user, action)


def register() -> None:
    entries = (
        ("performance_my", _("我的目标"), "performance:my_targets", 70, Action.VIEW),
        ("performance_rankings", _("排行榜"), "performance:rankings", 71, Action.RANKINGS),
        ("performance_awards", _("奖项"), "performance:awards", 72, Action.AWARDS),
        ("performance_config", _("考核设置"), "performance:indicator_list", 73, Action.CONFIGURE),
    )
    for key, label, url_name, order, action in entries:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=_can(action)))
    ext.add_today(
        ext.TodaySection("performance.leaderboard", _("排行榜"), leaderboard.today_items, order=90)
    )
    ext.add_panel(
        ext.Panel(
            "performance.leaderboard", "grid", "performance/leaderboard/_grid_panel.html",
            leaderboard.grid_panel, order=70,
        )
    )  # fmt: skip
