"""The organisation's actions and the roles that hold them (its share of the role table).

`org` also hands out the platform's own actions (`core.*`: audit log, phones, the API),
because roles are defined here. Which rows a role sees is `visible_to`'s job.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.core.permissions import CoreAction
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW_ORG = "org.view"  # grids, staff, org charts within scope
    MANAGE_ORG = "org.manage"  # create and edit grids, staff, teams
    # The seed's 包干 (§三 步骤二1): the grid manager names who answers for the grid's
    # installs and maintenance, without the right to edit anything else of the grid.
    NAME_TECHNICIAN = "org.name_technician"


# Agents are outside the company: they see their own record, and phones masked.
_STAFF = {Action.VIEW_ORG, CoreAction.VIEW_PHONE, CoreAction.USE_API}
_AGENT = {Action.VIEW_ORG, CoreAction.USE_API}


def _managed_grid(scope: Scope, grid: object) -> bool:
    return getattr(grid, "pk", None) in scope.managed_grid_ids


def register() -> None:
    permissions.declare(
        app="org",
        actions={
            Action.VIEW_ORG: _("查看组织与网格"),
            Action.MANAGE_ORG: _("管理网格、人员与团队"),
            Action.NAME_TECHNICIAN: _("指定网格的包干装维人员"),
        },
        roles={
            Role.MARKET_ADMIN: {
                Action.MANAGE_ORG,
                Action.NAME_TECHNICIAN,
                CoreAction.VIEW_AUDIT,
                *_STAFF,
            },
            Role.GRID_MANAGER: {Action.NAME_TECHNICIAN, *_STAFF},
            Role.ACCOUNT_MARKETER: _STAFF,
            Role.SALES_MARKETER: _STAFF,
            Role.TECHNICIAN: _STAFF,
            Role.AGENT: _AGENT,
        },
        rules={Action.NAME_TECHNICIAN: _managed_grid},
    )
