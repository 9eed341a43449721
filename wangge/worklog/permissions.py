"""Who may do what with daily logs (the worklog app's share of the role table).

The seed (§三.2(4), 步骤三): every field person writes a log each working day and the grid
manager reviews every log every day. A log is a report to one's own manager: a marketer
sees only their own, a manager those of the grids they manage, the market department all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "worklog.view"  # the log pages at all (one's own, or one's grids')
    WRITE = "worklog.log.write"  # obj: the log (its author only)
    REVIEW = "worklog.log.review"  # obj: the log (the manager of its grid)
    KPI = "worklog.kpi.view"
    MEETING = "worklog.meeting.manage"  # obj: the grid (hold meetings, give action items)
    ACTION_DONE = "worklog.action.done"  # obj: the action item (its owner, the manager)
    PROBLEM = "worklog.problem.raise"  # obj: the grid (its team raises problems)
    TRAINING = "worklog.training.manage"  # obj: the grid (None: county-wide, market only)
    ROTATION = "worklog.rotation.manage"  # plan rotations (org changes: the market department)


def _author(scope: Scope, log: Any) -> bool:
    return scope.staff_id is not None and log.author_id == scope.staff_id


def _manages(scope: Scope, log: Any) -> bool:
    # Nobody reviews their own log, even a manager who files one.
    return log.grid_id in scope.managed_grid_ids and log.author_id != scope.staff_id


def _manages_grid(scope: Scope, grid: Any) -> bool:
    return getattr(grid, "pk", grid) in scope.managed_grid_ids


def _grid_team(scope: Scope, grid: Any) -> bool:
    return getattr(grid, "pk", grid) in scope.grid_ids


def _action_owner(scope: Scope, item: Any) -> bool:
    if scope.staff_id is not None and item.owner_id == scope.staff_id:
        return True
    return item.meeting.grid_id in scope.managed_grid_ids


_WRITERS = {Action.VIEW, Action.WRITE, Action.ACTION_DONE, Action.PROBLEM}


def register() -> None:
    permissions.declare(
        app="worklog",
        actions={
            Action.VIEW: _("查看工作日志"),
            Action.WRITE: _("填写工作日志"),
            Action.REVIEW: _("审阅工作日志"),
            Action.KPI: _("查看日志考核指标"),
            Action.MEETING: _("组织会议"),
            Action.ACTION_DONE: _("完成会议待办"),
            Action.PROBLEM: _("提出工作难题"),
            Action.TRAINING: _("组织培训"),
            Action.ROTATION: _("安排轮岗"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {
                Action.VIEW,
                Action.REVIEW,
                Action.KPI,
                Action.MEETING,
                Action.ACTION_DONE,
                Action.PROBLEM,
                Action.TRAINING,
            },
            Role.ACCOUNT_MARKETER: _WRITERS,
            Role.SALES_MARKETER: _WRITERS,
            Role.TECHNICIAN: _WRITERS,
        },
        rules={
            Action.WRITE: _author,
            Action.REVIEW: _manages,
            Action.MEETING: _manages_grid,
            Action.ACTION_DONE: _action_owner,
            Action.PROBLEM: _grid_team,
            Action.TRAINING: _manages_grid,
        },
    )
