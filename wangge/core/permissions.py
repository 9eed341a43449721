"""What each role may do: one registry that every app extends with its own actions.

Each app declares its actions, its share of the role → action table and, where a right
depends on the record (a customer's owner, a site's grid), an object rule, in its own
`permissions.py`, registered from `AppConfig.ready()`. Everything asks one question:
`can(actor, action, obj=None)`; services call `require(...)`, which raises
`PermissionDenied`. Views and the API turn a refusal into the same 404 as a missing record
(decided once: a URL never tells a user that something they may not touch exists).

Which *rows* a user sees is `visible_to`'s job (`wangge.core.access`); an object rule only
narrows an action to some of the rows the user may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.access import Scope, scope_for

#: `rule(scope, obj) -> bool`: may the holder of `scope` do the action to `obj`?
ObjectRule = Callable[[Scope, Any], bool]


@dataclass(frozen=True)
class ActionDef:
    code: str
    label: Any  # a lazy translation
    app: str
    rule: ObjectRule | None = None


_actions: dict[str, ActionDef] = {}
_roles: dict[str, set[str]] = {}


def declare(
    *,
    app: str,
    actions: Mapping[str, Any],
    roles: Mapping[str, Iterable[str]],
    rules: Mapping[str, ObjectRule] | None = None,
) -> None:
    """Register an app's actions (code → label), which roles hold them, and object rules.

    Idempotent for the same declaration (apps may be readied twice in tests); declaring an
    action twice from different apps is a programming error.
    """
    rules = dict(rules or {})
    for code, label in actions.items():
        known = _actions.get(code)
        if known is not None and known.app != app:
            raise ValueError(f"Action {code!r} is already declared by {known.app!r}.")
        _actions[code] = ActionDef(code=code, label=label, app=app, rule=rules.pop(code, None))
    if rules:
        raise ValueError(f"Rules for undeclared actions: {sorted(rules)}")
    for role, codes in roles.items():
        codes = set(codes)
        unknown = codes - set(_actions)
        if unknown:
            raise ValueError(f"Role {role!r} is given undeclared actions {sorted(unknown)}.")
        _roles.setdefault(role, set()).update(codes)


class CoreAction(StrEnum):
    """The platform's own actions; `org`, which defines the roles, hands them out."""

    VIEW_AUDIT = "core.view_audit"  # browse the audit log
    VIEW_PHONE = "core.view_phone"  # see phone numbers unmasked
    USE_API = "core.use_api"  # call the API with a token


def register_core() -> None:
    declare(
        app="core",
        actions={
            CoreAction.VIEW_AUDIT: gettext_lazy("查看操作日志"),
            CoreAction.VIEW_PHONE: gettext_lazy("查看完整电话号码"),
            CoreAction.USE_API: gettext_lazy("使用接口"),
        },
        roles={},
    )


def actions() -> dict[str, ActionDef]:
    return dict(_actions)


def role_table() -> dict[str, frozenset[str]]:
    """The role → actions table as registered (the permission matrix test prints it)."""
    return {role: frozenset(codes) for role, codes in _roles.items()}


def role_can(role: str | None, action: str) -> bool:
    return role is not None and action in _roles.get(role, ())


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """May `actor` (a user, or `SYSTEM`) do `action` — to `obj`, when one is given?"""
    definition = _actions.get(action)
    if definition is None:
        raise KeyError(f"Unknown action {action!r}: declare it in the app's permissions.py.")
    scope = scope_for(actor)
    if not scope.authenticated:
        return False
    if scope.everything:
        return True
    if not role_can(scope.role, action):
        return False
    if obj is not None and definition.rule is not None:
        return definition.rule(scope, obj)
    return True


def require(actor: Any, action: str, obj: Any = None) -> None:
    """Refuse with `PermissionDenied` (answered as 404 by pages and the API)."""
    if not can(actor, action, obj):
        raise PermissionDenied(_("您没有权限进行这项操作。"))
