"""The role → action matrix: what each role may do. Rows it may see are `visible_to`'s job."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW_ORG = "org.view"  # grids, staff, org charts within scope
    MANAGE_ORG = "org.manage"  # create and edit grids, staff, teams
    VIEW_AUDIT = "core.view_audit"  # browse the audit log
    VIEW_PHONE = "org.view_phone"  # see phone numbers unmasked
    USE_API = "api.use"


_EVERY_ACTION = frozenset(Action)
_FIELD = frozenset({Action.VIEW_ORG, Action.VIEW_PHONE, Action.USE_API})

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.MARKET_ADMIN: _EVERY_ACTION,
    Role.GRID_MANAGER: _FIELD,
    Role.ACCOUNT_MARKETER: _FIELD,
    Role.SALES_MARKETER: _FIELD,
    Role.TECHNICIAN: _FIELD,
    # Agents are outside the company: they see their own record, and phones masked.
    Role.AGENT: frozenset({Action.VIEW_ORG, Action.USE_API}),
}


def role_can(role: str | None, action: str) -> bool:
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


def check(user: Any, action: str) -> bool:
    """Registered with `wangge.core.access` as the action checker."""
    from wangge.core.access import scope_for

    scope: Scope = scope_for(user)
    if user.is_superuser:
        return True
    return role_can(scope.role, action)
