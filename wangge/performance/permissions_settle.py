"""Who may do what with commission (the settlement part's share of the role table).

Everyone may read the policies they are paid by and their own statement (rows:
`Statement.objects.visible_to`). The market department sets policies, runs, approves and
locks a month and adds adjustments; a grid manager approves their grids' statements first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "performance.commission.view"  # policies and one's own statement
    SETTLEMENT = "performance.settlement.view"  # the month's settlement page
    POLICY = "performance.policy.manage"
    RUN = "performance.settlement.run"
    APPROVE_GRID = "performance.settlement.approve_grid"  # obj: the statement
    APPROVE = "performance.settlement.approve"  # the market department's final approval
    ADJUST = "performance.settlement.adjust"
    PAYROLL = "performance.settlement.payroll"


def _manages(scope: Scope, statement: Any) -> bool:
    return statement.grid_id is not None and statement.grid_id in scope.managed_grid_ids


def register() -> None:
    permissions.declare(
        app="performance",
        actions={
            Action.VIEW: _("查看佣金政策与本人结算单"),
            Action.SETTLEMENT: _("查看月度结算"),
            Action.POLICY: _("制定佣金政策"),
            Action.RUN: _("运行月度结算"),
            Action.APPROVE_GRID: _("审核本网格结算单"),
            Action.APPROVE: _("审批并锁定月度结算"),
            Action.ADJUST: _("登记佣金调整"),
            Action.PAYROLL: _("导出工资发放表"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {Action.VIEW, Action.SETTLEMENT, Action.APPROVE_GRID},
            Role.ACCOUNT_MARKETER: {Action.VIEW},
            Role.SALES_MARKETER: {Action.VIEW},
            Role.TECHNICIAN: {Action.VIEW},
            Role.AGENT: {Action.VIEW},
        },
        rules={Action.APPROVE_GRID: _manages},
    )
