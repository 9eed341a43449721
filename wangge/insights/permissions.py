"""Who may read the headline figures (the insights app's share of the role table).

Everyone in a grid reads its figures and their own (pages and rows scoped by the
snapshots' rule); the county and its regions are the market department's. Agents work
from their own accounts and have no dashboards. Snapshots are the system's to take.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "insights.view"  # the dashboards and the map (each scoped)
    COUNTY = "insights.county"  # the county's and regions' dashboards
    SNAPSHOT = "insights.snapshot"  # take (or re-take) a day's snapshot


def register() -> None:
    permissions.declare(
        app="insights",
        actions={
            Action.VIEW: _("查看经营指标"),
            Action.COUNTY: _("查看全县和区域指标"),
            Action.SNAPSHOT: _("计算指标快照"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {Action.VIEW},
            Role.ACCOUNT_MARKETER: {Action.VIEW},
            Role.SALES_MARKETER: {Action.VIEW},
            Role.TECHNICIAN: {Action.VIEW},
        },
    )
