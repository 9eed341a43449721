"""Who may do what with targets, scores and awards (this part's share of the role table).

The seed (§五(一)): the grid manager decomposes the annual targets to their people, the
market department sets the company's and the grids'; everyone sees their own named targets
and completion; the market department runs the awards and its committee decides 创业之星;
a manager nominates their grids' people.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "performance.targets.view"  # one's own targets and completion
    PLAN = "performance.targets.plan"  # the company's level: grids and virtual teams
    EDIT = "performance.targets.edit"  # obj: the grid whose people's targets are split
    IMPORT = "performance.targets.import"
    RANKINGS = "performance.rankings.view"
    AWARDS = "performance.awards.view"
    GRANT = "performance.awards.grant"  # record 成长之星 and 超越团队 for a period
    NOMINATE = "performance.awards.nominate"  # obj: the person nominated
    DECIDE = "performance.awards.decide"  # the committee: approve or reject a nomination
    #: Indicators and their weights, award rules, virtual teams' weights and targets.
    CONFIGURE = "performance.targets.configure"


def _manages_grid(scope: Scope, grid: Any) -> bool:
    return grid is not None and getattr(grid, "pk", grid) in scope.managed_grid_ids


def _nominate(scope: Scope, staff: Any) -> bool:
    """A manager nominates people of the grids they manage."""
    grids = {m.grid_id for m in staff.memberships.all()}
    return bool(grids & scope.managed_grid_ids)


def register() -> None:
    permissions.declare(
        app="performance_targets",
        actions={
            Action.VIEW: _("查看目标与完成率"),
            Action.PLAN: _("下达公司与网格目标"),
            Action.EDIT: _("分解网格目标到个人"),
            Action.IMPORT: _("导入目标"),
            Action.RANKINGS: _("查看排行榜"),
            Action.AWARDS: _("查看奖项"),
            Action.GRANT: _("评定成长之星与超越团队"),
            Action.NOMINATE: _("提名创业之星"),
            Action.DECIDE: _("评审创业之星"),
            Action.CONFIGURE: _("设置考核指标、奖项规则与虚拟团队考核"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {
                Action.VIEW,
                Action.EDIT,
                Action.IMPORT,
                Action.RANKINGS,
                Action.AWARDS,
                Action.NOMINATE,
            },
            Role.ACCOUNT_MARKETER: {Action.VIEW, Action.RANKINGS, Action.AWARDS},
            Role.SALES_MARKETER: {Action.VIEW, Action.RANKINGS, Action.AWARDS},
            Role.TECHNICIAN: {Action.VIEW, Action.RANKINGS, Action.AWARDS},
            # Agents carry named targets of their own; the company's rankings are not theirs.
            Role.AGENT: {Action.VIEW},
        },
        rules={Action.EDIT: _manages_grid, Action.NOMINATE: _nominate},
    )
