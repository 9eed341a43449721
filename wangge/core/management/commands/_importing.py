"""What the template, import and export commands share: finding the kind and the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from wangge.core.access import SYSTEM
from wangge.core.imports import ImportSpec, all_specs, get_spec

#: Exit status for a command used wrongly (unknown kind, user, file): 2, as argparse does.
USAGE = 2


def spec_for(kind: str) -> ImportSpec:
    try:
        return get_spec(kind)
    except LookupError:
        known = ", ".join(s.kind for s in all_specs())
        raise CommandError(
            f"Unknown kind {kind!r}; known kinds: {known}", returncode=USAGE
        ) from None


def user_for(username: str | None) -> Any:
    """`--as USERNAME`: act with that user's scope; without it, the system (full scope)."""
    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username!r}.", returncode=USAGE)
    return user
