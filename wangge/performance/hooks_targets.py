"""Targets, rankings and awards in the menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.performance.permissions_targets import Action


def _can(action: str) -> Callable[[Any], bool]:
    return lambda user: can(user, action)


def register() -> None:
    entries = (
        ("performance_my", _("我的目标"), "performance:my_targets", 70, Action.VIEW),
        ("performance_rankings", _("排行榜"), "performance:rankings", 71, Action.RANKINGS),
        ("performance_awards", _("奖项"), "performance:awards", 72, Action.AWARDS),
    )
    for key, label, url_name, order, action in entries:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=_can(action)))
