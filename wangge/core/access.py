"""The one place that decides what a user may see and do.

`core` must not import the domain apps, so the organisation app registers the two
functions that know about roles and grid membership (see `wangge.org.apps`). Every
scoped queryset derives from `ScopedQuerySet` and answers `visible_to(user)` by turning
the user's `Scope` into a filter it defines once, in `scope_q`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from django.db import models
from django.db.models import Q

#: Attribute under which a request's user caches its scope, so a page computes it once.
_CACHE_ATTR = "_wangge_scope"


@dataclass(frozen=True)
class Scope:
    """What a user is entitled to, computed from role and grid membership."""

    user_id: int | None
    staff_id: int | None = None
    role: str | None = None
    #: True for the market department and superusers: no row filter at all.
    everything: bool = False
    #: Grids the user belongs to (any role).
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    #: Grids the user leads as grid manager.
    managed_grid_ids: frozenset[int] = field(default_factory=frozenset)
    #: Agents and similar: only the records they own, never the grid's team.
    own_records_only: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Scope(user_id=None)

ScopeResolver = Callable[[Any], Scope]
ActionChecker = Callable[[Any, str], bool]
_resolver: ScopeResolver | None = None
_checker: ActionChecker | None = None


def register(*, resolver: ScopeResolver, checker: ActionChecker) -> None:
    global _resolver, _checker
    _resolver, _checker = resolver, checker


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if _resolver is None:
        raise RuntimeError("No scope resolver registered; is wangge.org installed?")
    scope = _resolver(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's role or memberships changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_can(user: Any, action: str) -> bool:
    if not scope_for(user).authenticated:
        return False
    if _checker is None:
        raise RuntimeError("No action checker registered; is wangge.org installed?")
    return _checker(user, action)


def require(user: Any, action: str) -> None:
    """Refuse an action the user's role lacks with 404, like a record they may not see."""
    if not user_can(user, action):
        from django.http import Http404

        raise Http404


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what one user may see."""

    def visible_to(self, user: Any) -> Self:
        scope = scope_for(user)
        if not scope.authenticated:
            return self.none()
        if scope.everything:
            return self.all()
        return self.filter(self.scope_q(scope))

    def scope_q(self, scope: Scope) -> Q:
        raise NotImplementedError(f"{type(self).__name__} must say how it is scoped.")
