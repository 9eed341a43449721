"""Who may do what with growth work (the sales app's share of the role table).

The seed (§三.1, §三.2(1)): the grid manager screens the information collected and
dispatches; the market department dispatches to grids; marketers and agents work what they
are given and record their visits; the whole grid team puts up and inspects material.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "sales.view"
    CREATE = "sales.opportunity.create"  # obj: the site
    WORK = "sales.opportunity.work"  # obj: the opportunity (stage moves, edits)
    DISPATCH = "sales.opportunity.dispatch"  # obj: the opportunity
    RESPOND = "sales.opportunity.respond"  # obj: the opportunity (accept / return)
    IMPORT = "sales.opportunity.import"
    VISIT = "sales.visit.record"
    REVIEW = "sales.visit.review"  # the manager's flagged check-ins, everyone's visits
    CAMPAIGN = "sales.campaign.manage"  # obj: the grid
    PROMOTE = "sales.promotion.manage"  # obj: the grid (put up, inspect)
    FUNNEL = "sales.funnel.view"


def _raise_at(scope: Scope, site: Any) -> bool:
    return site.grid_id in scope.grid_ids


def _work(scope: Scope, opp: Any) -> bool:
    """The assignee works it; the grid's manager may step in; unassigned, the grid's team."""
    if scope.staff_id is not None and opp.assignee_id == scope.staff_id:
        return True
    if opp.grid_id in scope.managed_grid_ids:
        return True
    return (
        opp.assignee_id is None and not scope.own_records_only and (opp.grid_id in scope.grid_ids)
    )


def _dispatch(scope: Scope, opp: Any) -> bool:
    """A grid manager hands out what sits on their grids' boards (the market department,
    holding `everything`, dispatches anywhere without this rule)."""
    return opp.grid_id is not None and opp.grid_id in scope.managed_grid_ids


def _respond(scope: Scope, opp: Any) -> bool:
    return scope.staff_id is not None and opp.assignee_id == scope.staff_id


def _grid_team(scope: Scope, grid: Any) -> bool:
    return getattr(grid, "pk", grid) in scope.grid_ids


def _manages(scope: Scope, grid: Any) -> bool:
    return getattr(grid, "pk", grid) in scope.managed_grid_ids


_SELL = {Action.VIEW, Action.CREATE, Action.WORK, Action.RESPOND, Action.VISIT}


def register() -> None:
    permissions.declare(
        app="sales",
        actions={
            Action.VIEW: _("查看商机"),
            Action.CREATE: _("登记商机"),
            Action.WORK: _("跟进商机"),
            Action.DISPATCH: _("派单"),
            Action.RESPOND: _("接单或退回"),
            Action.IMPORT: _("导入公司派单"),
            Action.VISIT: _("登记拜访"),
            Action.REVIEW: _("查看团队拜访与签到"),
            Action.CAMPAIGN: _("组织营销活动"),
            Action.PROMOTE: _("张贴与巡查宣传品"),
            Action.FUNNEL: _("查看销售漏斗"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: set(Action),
            Role.ACCOUNT_MARKETER: {*_SELL, Action.PROMOTE},
            Role.SALES_MARKETER: {*_SELL, Action.PROMOTE},
            # Technicians meet needs at installs and repairs: they pass them on as leads
            # and look after the material in their grid, but do not sell.
            Role.TECHNICIAN: {Action.VIEW, Action.CREATE, Action.PROMOTE},
            Role.AGENT: _SELL,
        },
        rules={
            Action.CREATE: _raise_at,
            Action.WORK: _work,
            Action.DISPATCH: _dispatch,
            Action.RESPOND: _respond,
            Action.CAMPAIGN: _manages,
            Action.PROMOTE: _grid_team,
        },
    )
