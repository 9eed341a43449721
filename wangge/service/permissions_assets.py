"""Who may do what with network assets and inspections (the service app's share of the
role table for them; work orders declare theirs in `permissions.py`).

The seed (§三.1, §三.2(5)): the technician maintains the grid's equipment and lines and
inspects the network; the grid manager plans the grid's engineering work; the market
department sets the rules for the county. Marketers read the register (free ports are what
they sell); agents see nothing of the service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class AssetAction(StrEnum):
    VIEW = "service.asset.view"
    MANAGE = "service.asset.manage"  # obj: the grid id (of the asset's site)
    IMPORT = "service.asset.import"
    INSPECT = "service.inspection.do"  # obj: the inspection
    PLAN = "service.inspection.plan"  # obj: the schedule's grid id, or None (county-wide)
    COVERAGE = "service.inspection.coverage"


def _grid_id(obj: Any) -> Any:
    return getattr(obj, "pk", obj)


def _in_grid(scope: Scope, grid: Any) -> bool:
    return _grid_id(grid) in scope.grid_ids


def _plan(scope: Scope, grid: Any) -> bool:
    """A manager plans their grids; a county-wide schedule is the market department's
    (which holds `everything` and never reaches this rule)."""
    return grid is not None and _grid_id(grid) in scope.managed_grid_ids


def _inspect(scope: Scope, inspection: Any) -> bool:
    """The assignee does it; the grid's manager may step in."""
    if scope.staff_id is not None and inspection.assignee_id == scope.staff_id:
        return True
    return inspection.grid_id in scope.managed_grid_ids


def register() -> None:
    permissions.declare(
        app="service",
        actions={
            AssetAction.VIEW: _("查看网络资产与巡检"),
            AssetAction.MANAGE: _("登记和修改网络资产"),
            AssetAction.IMPORT: _("导入网络资产"),
            AssetAction.INSPECT: _("巡检"),
            AssetAction.PLAN: _("制定巡检计划"),
            AssetAction.COVERAGE: _("查看巡检覆盖率"),
        },
        roles={
            Role.MARKET_ADMIN: set(AssetAction),
            Role.GRID_MANAGER: set(AssetAction),
            Role.TECHNICIAN: {AssetAction.VIEW, AssetAction.MANAGE, AssetAction.INSPECT},
            Role.ACCOUNT_MARKETER: {AssetAction.VIEW},
            Role.SALES_MARKETER: {AssetAction.VIEW},
        },
        rules={
            AssetAction.MANAGE: _in_grid,
            AssetAction.IMPORT: _in_grid,
            AssetAction.INSPECT: _inspect,
            AssetAction.PLAN: _plan,
        },
    )
