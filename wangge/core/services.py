"""Building blocks for domain services: validate, write and audit in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from wangge.core.audit import audit_record, snapshot
from wangge.core.models import AuditEntry, Versioned

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


class StaleVersion(Exception):
    """The record was changed by someone else since the editor loaded it (their `version`
    is not the row's): nothing was written. The API answers 409, forms show a message."""

    def __init__(self, instance: models.Model, sent: int, current: int) -> None:
        super().__init__(
            f"{instance._meta.label} {instance.pk}: version {sent} is stale ({current})"
        )
        self.instance = instance
        self.sent = sent
        self.current = current


def _locked_row(instance: M) -> M:
    """The row as it is in the database now, locked until the transaction ends
    (`select_for_update`; SQLite runs its write transactions one at a time anyway)."""
    manager = type(instance)._base_manager
    return manager.select_for_update().get(pk=instance.pk)


def _refresh_from(instance: M, row: M) -> None:
    """Copy the saved row's values onto the caller's instance (which may have been loaded
    long before); a related object it cached for a foreign key that changed is dropped."""
    cache = instance._state.fields_cache
    for f in instance._meta.concrete_fields:
        value = getattr(row, f.attname)
        if f.is_relation and f.name in cache and getattr(cache[f.name], "pk", None) != value:
            if f.name in row._state.fields_cache:
                cache[f.name] = row._state.fields_cache[f.name]
            else:
                del cache[f.name]
        setattr(instance, f.attname, value)


def _concrete_field(instance: models.Model, name: str) -> models.Field[Any, Any]:
    field = instance._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"Not a field of {instance._meta.label}: {name}")
    return field


@transaction.atomic
def audited_update(
    *,
    actor: Any,
    instance: M,
    data: Mapping[str, Any],
    fields: Iterable[str],
    version: int | None = None,
) -> tuple[M, bool]:
    """Apply the allowed `fields` from `data`; save and audit only if something changed.

    Returns the instance and whether it changed. Unknown keys are an error, not ignored,
    so a caller's typo cannot silently drop an edit.

    The row is read again under a lock inside the transaction, the changes are applied to
    that fresh copy and only the changed fields are written (`update_fields`), so two
    people editing different fields at the same time both keep their edit, and the audit's
    "before" is what the row really was. For a `Versioned` record, `version` (the one the
    editor loaded) must still be the row's, else `StaleVersion` and nothing is written;
    without it (older API clients) the fields sent still win, field by field.
    """
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    row = _locked_row(instance)
    current = row.version if isinstance(row, Versioned) else None
    if current is not None and version is not None and current != version:
        raise StaleVersion(row, version, current)
    before = snapshot(row)
    targets = {name: _concrete_field(row, name) for name in data}  # by name or attname
    old = {name: getattr(row, f.attname) for name, f in targets.items()}
    for name, value in data.items():
        setattr(row, name, value)
    changed = [f.name for name, f in targets.items() if getattr(row, f.attname) != old[name]]
    after = snapshot(row)
    if not changed:
        _refresh_from(instance, row)
        return instance, False
    row.full_clean()
    if current is not None:
        row.version = current + 1  # type: ignore[attr-defined]
        changed.append("version")
    row.save(update_fields=changed)
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=row, before=before, after=after
    )
    _refresh_from(instance, row)
    return instance, True


@transaction.atomic
def audited_delete(*, actor: Any, instance: models.Model) -> None:
    before = snapshot(instance)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, instance=instance, before=before, after=None
    )
    instance.delete()
