"""Who may do what with work orders (the service app's share of the role table).

The seed (§三 步骤二1, §三.1): each grid's installs and maintenance are contracted to its
named technician, who works the orders assigned to them; the grid manager assigns and
re-assigns and may step in on any order of their grids; the account marketer makes the
follow-up call (回访) that closes a done order; any of the grid's staff registers an order
from a customer's call; the market department sets the SLAs and reads the dashboard.
Agents have no part in service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "service.order.view"
    CREATE = "service.order.create"  # obj: the site
    WORK = "service.order.work"  # obj: the order (accept, check in, finish)
    ASSIGN = "service.order.assign"  # obj: the order
    FOLLOW_UP = "service.order.follow_up"  # obj: the order (回访 and close)
    CANCEL = "service.order.cancel"  # obj: the order
    SLA_VIEW = "service.sla.view"  # the SLA dashboard (scoped to the grids one sees)
    SLA_EDIT = "service.sla.edit"


def _create_at(scope: Scope, site: Any) -> bool:
    return site.grid_id in scope.grid_ids


def _work(scope: Scope, order: Any) -> bool:
    """The assignee; the grid's manager; an order nobody holds yet, any technician of its
    grid (the first to accept takes it)."""
    if scope.staff_id is not None and order.assignee_id == scope.staff_id:
        return True
    if order.grid_id in scope.managed_grid_ids:
        return True
    return (
        order.assignee_id is None
        and scope.role == Role.TECHNICIAN
        and order.grid_id in scope.grid_ids
    )


def _manages(scope: Scope, order: Any) -> bool:
    return order.grid_id in scope.managed_grid_ids


def _grid_team(scope: Scope, order: Any) -> bool:
    return order.grid_id in scope.grid_ids


def register() -> None:
    permissions.declare(
        app="service",
        actions={
            Action.VIEW: _("查看工单"),
            Action.CREATE: _("登记工单"),
            Action.WORK: _("处理工单（接单、到场、完工）"),
            Action.ASSIGN: _("派工与改派"),
            Action.FOLLOW_UP: _("工单回访"),
            Action.CANCEL: _("取消工单"),
            Action.SLA_VIEW: _("查看工单时限达成"),
            Action.SLA_EDIT: _("设置工单时限"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: set(Action) - {Action.SLA_EDIT},
            Role.ACCOUNT_MARKETER: {Action.VIEW, Action.CREATE, Action.FOLLOW_UP},
            Role.SALES_MARKETER: {Action.VIEW, Action.CREATE},
            Role.TECHNICIAN: {Action.VIEW, Action.CREATE, Action.WORK},
        },
        rules={
            Action.CREATE: _create_at,
            Action.WORK: _work,
            Action.ASSIGN: _manages,
            Action.FOLLOW_UP: _grid_team,
            Action.CANCEL: _manages,
        },
    )
