"""The market potential's place in other apps: its menu entry, and the provider that
performance's target decomposition and the sales dispatch board ask (`core.potential`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core import potential
from wangge.core.permissions import can
from wangge.insights.permissions_potential import Action
from wangge.insights.selectors_potential import PROVIDER


def _view(user: Any) -> bool:
    return can(user, Action.POTENTIAL)


def register() -> None:
    ext.add_menu(
        ext.MenuEntry("insights.potential", _("市场潜力"), "insights:potential", 82, _view)
    )
    potential.install(PROVIDER)
