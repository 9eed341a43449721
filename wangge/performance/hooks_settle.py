"""Commission's place on other pages: the menu entries (statements for everyone, the
settlement for those who run or approve it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.performance.permissions_settle import Action


def register() -> None:
    ext.add_menu(
        ext.MenuEntry(
            "performance.statements",
            _("佣金"),
            "performance:statement_list",
            order=70,
            visible=lambda user: can(user, Action.VIEW),
        )
    )
    ext.add_menu(
        ext.MenuEntry(
            "performance.settlement",
            _("佣金结算"),
            "performance:settlement_list",
            order=71,
            visible=lambda user: can(user, Action.SETTLEMENT),
        )
    )
