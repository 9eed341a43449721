"""Building blocks for domain services: validate, write and audit in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from wangge.core.audit import audit_record, snapshot
from wangge.core.models import AuditEntry

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def audited_create(*, actor: Any, instance: M) -> M:
    """Validate (fields and database constraints), insert, and record the creation."""
    instance.full_clean()
    instance.save(force_insert=True)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=instance,
        before=None,
        after=snapshot(instance),
    )
    return instance


@transaction.atomic
def audited_update(
    *, actor: Any, instance: M, data: Mapping[str, Any], fields: Iterable[str]
) -> tuple[M, bool]:
    """Apply the allowed `fields` from `data`; save and audit only if something changed.

    Returns the instance and whether it changed. Unknown keys are an error, not ignored,
    so a caller's typo cannot silently drop an edit.
    """
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    after = snapshot(instance)
    if after == before:
        return instance, False
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=instance, before=before, after=after
    )
    return instance, True


@transaction.atomic
def audited_delete(*, actor: Any, instance: models.Model) -> None:
    before = snapshot(instance)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, instance=instance, before=before, after=None
    )
    instance.delete()
