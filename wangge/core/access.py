"""The one place that decides what a user may see (what they may *do* is
`wangge.core.permissions`).

`core` must not import the domain apps, so the organisation app registers the function that
knows about roles and grid membership (see `wangge.org.apps`). Every scoped queryset derives
from `ScopedQuerySet` and answers `visible_to(user)` by turning the user's `Scope` into a
filter it defines once, in `scope_q(scope, prefix)`; related models compose that rule with a
prefix instead of writing it again, and `visible(scope, obj)` is the same rule for one
loaded object (property-tested to agree with the queryset).

Commands, tasks and imports run from the shell act as `SYSTEM`, an explicit actor that sees
and may do everything; `None` is nobody and sees nothing.
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
    #: The system itself (commands, tasks, shell imports): not a person.
    system: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.system


class SystemActor:
    """The system acting on its own: the demo loader, commands, scheduled jobs, imports run
    from the shell. It may do everything and is recorded as "system" in the audit log."""

    pk = None
    is_authenticated = False
    is_active = True
    is_superuser = False

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()
ANONYMOUS = Scope(user_id=None)
SYSTEM_SCOPE = Scope(user_id=None, everything=True, system=True)

ScopeResolver = Callable[[Any], Scope]
_resolver: ScopeResolver | None = None


def register(*, resolver: ScopeResolver) -> None:
    global _resolver
    _resolver = resolver


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def is_person(actor: Any) -> bool:
    """A signed-in user (as opposed to the system or nobody)."""
    return actor is not None and actor is not SYSTEM and getattr(actor, "is_authenticated", False)


def scope_for(user: Any) -> Scope:
    if user is SYSTEM:
        return SYSTEM_SCOPE
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


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what one user may see."""

    def visible_to(self, user: Any) -> Self:
        return self.visible_to_scope(scope_for(user))

    def visible_to_scope(self, scope: Scope) -> Self:
        if not scope.authenticated:
            return self.none()
        if scope.everything:
            return self.all()
        return self.filter(self.scope_q(scope))

    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        """The rule as a filter; `prefix` (e.g. `"customer__"`) applies it across a relation."""
        raise NotImplementedError(f"{type(self).__name__} must say how it is scoped.")

    @classmethod
    def visible(cls, scope: Scope, obj: Any) -> bool:
        """The same rule for one loaded object, without a query (lists link rows by it).
        Querysets that need it override `_visible`; tests hold the two together."""
        if not scope.authenticated:
            return False
        return scope.everything or cls._visible(scope, obj)

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        raise NotImplementedError(f"{cls.__name__} has no object predicate.")
