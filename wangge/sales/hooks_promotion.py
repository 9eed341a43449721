"""Menu entries of promotion material, team sales and the win-back list (called by
`hooks.register`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.sales.permissions import Action


def register() -> None:
    ext.add_menu(
        ext.MenuEntry(
            "sales.promotion",
            _("宣传品"),
            "sales:promo_list",
            order=53,
            visible=lambda user: can(user, Action.PROMOTE),
        )
    )
    ext.add_menu(
        ext.MenuEntry(
            "sales.campaigns",
            pgettext_lazy("navigation", "营销活动"),
            "sales:campaign_list",
            order=54,
            visible=lambda user: can(user, Action.VIEW),
        )
    )
    ext.add_menu(
        ext.MenuEntry(
            "sales.winback",
            _("策反名单"),
            "sales:winback_list",
            order=55,
            visible=lambda user: can(user, Action.WORK),
        )
    )
