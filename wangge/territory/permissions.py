"""Grid division's actions and the roles that hold them (its share of the role table).

Sites are read by the grid's team through `visible_to` (agents see none); grid plans are
drawn, compared and activated by the market department alone (网格划分 is company work);
grid managers read them, with only their own grids' figures (`wangge.territory.selectors`).
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW_SITES = "territory.site.view"
    EDIT_SITES = "territory.site.edit"  # obj: the site (its grid must be one the user manages)
    VIEW_PLANS = "territory.plan.view"  # read plans; figures only of one's grids (selectors)
    EDIT_PLANS = "territory.plan.edit"


def register() -> None:
    permissions.declare(
        app="territory",
        actions={
            Action.VIEW_SITES: _("查看网格单元"),
            Action.EDIT_SITES: _("维护网格单元"),
            Action.VIEW_PLANS: _("查看网格方案"),
            Action.EDIT_PLANS: _("编辑与启用网格方案"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {Action.VIEW_SITES, Action.EDIT_SITES, Action.VIEW_PLANS},
            Role.ACCOUNT_MARKETER: {Action.VIEW_SITES},
            Role.SALES_MARKETER: {Action.VIEW_SITES},
            Role.TECHNICIAN: {Action.VIEW_SITES},
        },
        rules={Action.EDIT_SITES: lambda scope, site: site.grid_id in scope.managed_grid_ids},
    )
