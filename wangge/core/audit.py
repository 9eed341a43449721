"""Recording writes. Services call `audit_record` inside their transaction, so a write
that rolls back takes its audit entry with it, and no write commits without one."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from wangge.core.models import AuditEntry


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    return str(value)


#: What `_json_safe` keeps as it is: checked by exact type first, the common case.
_JSON_PLAIN = frozenset({type(None), bool, int, float, str})


def snapshotter(
    model: type[models.Model], exclude: tuple[str, ...] = ("password", "version")
) -> Callable[[models.Model], dict[str, Any]]:
    """`snapshot` for instances of one model, with its field list read once (a bulk write
    audits thousands of one model)."""
    names = [(f.name, f.attname) for f in model._meta.concrete_fields if f.name not in exclude]

    def snap(instance: models.Model) -> dict[str, Any]:
        values = instance.__dict__
        out = {}
        for name, attname in names:
            value = values[attname] if attname in values else getattr(instance, attname)
            out[name] = value if type(value) in _JSON_PLAIN else _json_safe(value)
        return out

    return snap


def snapshot(
    instance: models.Model, *, exclude: tuple[str, ...] = ("password", "version")
) -> dict[str, Any]:
    """The instance's concrete field values (foreign keys as ids), JSON-safe. A
    `Versioned` record's `version` is bookkeeping, not a change anyone made: left out."""
    return snapshotter(type(instance), exclude)(instance)


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_repr=(actor.get_full_name() or actor.get_username()) if is_user else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )
