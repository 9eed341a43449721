"""What an importable kind of record looks like: its columns and how rows become records.

A spec is the only thing an app writes to make its records importable and exportable; the
pipeline (`pipeline.py`) does the reading, parsing, validating, reporting and transactions.
See the package docstring for the contract in one page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet

from wangge.core.access import ScopedQuerySet
from wangge.core.params import text_param
from wangge.core.permissions import CoreAction, can

ColumnKind = Literal[
    "text", "phone", "date", "int", "decimal", "money", "percent", "bool", "choice", "ref"
]


@dataclass(frozen=True)
class Column:
    """One column of the sheet.

    `key` names the value in the dict `clean_row` receives (use the model field name where
    there is one). `header` is the column's name in the file: the operator's Chinese term,
    the same in every language, because files travel between people. `aliases` are other
    headers people use for it. `choices` are (value, label) pairs; a cell may hold either.
    A `ref` column is read as text; the spec's `clean_row` resolves it.
    """

    key: str
    header: str
    kind: ColumnKind = "text"
    required: bool = False
    choices: Sequence[tuple[str, Any]] | None = None
    max_length: int | None = None
    example: str = ""
    aliases: tuple[str, ...] = ()
    min_value: Decimal | int | None = None
    max_value: Decimal | int | None = None
    #: Round decimals and percents to this many places (the model field's), half up.
    decimal_places: int | None = None
    #: A short format hint for the template's instructions sheet (str or lazy translation).
    help: Any = ""
    #: This column is the second occurrence of column `second_of`'s header: forms that
    #: repeat a header (the seed's survey has 联系电话 twice) read it here, not as an error.
    second_of: str | None = None
    #: Needed only when the row creates a record (updates may leave it blank): the spec's
    #: `clean_row` enforces it; the template's instructions sheet says so.
    required_on_create: bool = False


@dataclass
class ImportContext:
    """Shared by the spec's hooks during one run. `cache` is the spec's own memo (lookups
    by code, placements); `row`, `existing` and `failed` describe the row being cleaned:
    `failed` holds the keys of cells that did not parse, so cross-field rules can stay
    quiet about them (their own message is already reported)."""

    user: Any
    commit: bool
    cache: dict[str, Any] = field(default_factory=dict)
    row: int = 0
    existing: Any = None
    failed: set[str] = field(default_factory=set)


@dataclass
class RowDraft:
    """A parsed row before `clean_row`: Excel row number, parsed values, the record it updates."""

    row: int
    values: dict[str, Any]
    existing: Any = None
    #: Keys of cells holding a value our export masked: kept as they are on an update.
    masked: dict[str, str] = field(default_factory=dict)
    #: The record is the user's to see but not to change: fine only if nothing changes.
    read_only: bool = False


@dataclass
class WriteItem:
    """A valid row ready to write. `action` is "create" or "update"."""

    row: int
    cleaned: dict[str, Any]
    existing: Any
    action: str
    #: Set by `save`/`save_many`: the record written.
    obj: Any = None


class WriteError(Exception):
    """A write the database or a service refused; the pipeline rolls everything back."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


RowErrors = list[tuple[str | None, str]]


def validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


class ImportSpec:
    """Base class of every kind's spec. Subclasses set the class attributes and override
    `clean_row` and `save` (and, for speed, `save_many`); the defaults do the rest."""

    kind: ClassVar[str]
    label: ClassVar[Any]  # a lazy translation, shown in the page and the template
    model: ClassVar[type[models.Model]]
    columns: ClassVar[Sequence[Column]]
    #: Column keys whose values find the existing record; the model field of each is the
    #: same name unless `lookup_fields` says otherwise.
    natural_key: ClassVar[tuple[str, ...]]
    lookup_fields: ClassVar[tuple[str, ...] | None] = None
    #: Fields searched by the export filter `q`.
    search_fields: ClassVar[tuple[str, ...]] = ()
    #: Rows validated (and existing records fetched) per database round trip.
    chunk_size: ClassVar[int] = 1000
    #: Action a person needs to import (None: only the system, e.g. the command line).
    import_action: ClassVar[str | None] = None
    #: Action a person needs to export what they can see.
    export_action: ClassVar[str | None] = "org.view"
    #: Headers of figures the system counts itself, with where they come from (a lazy
    #: translation): a sheet may carry one (a survey, a copied list), and the report says
    #: it was not imported and why, instead of calling the column unknown.
    derived_headers: ClassVar[Mapping[str, Any]] = {}

    # --- columns ------------------------------------------------------------------------

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def header(self, key: str | None) -> str:
        if key is None:
            return ""
        try:
            return self.column(key).header
        except KeyError:
            return key

    # --- rights and scope ---------------------------------------------------------------

    def can_import(self, user: Any) -> bool:
        """`SYSTEM` (command line without `--as`) may do everything."""
        return self.import_action is not None and can(user, self.import_action)

    def can_export(self, user: Any) -> bool:
        return self.export_action is not None and can(user, self.export_action)

    def mask_phones(self, user: Any) -> bool:
        return not can(user, CoreAction.VIEW_PHONE)

    def phone_visible(self, user: Any, obj: Any) -> bool:
        """Whether the export shows `obj`'s phones whole, asked per record. Specs whose pages
        show some records' numbers to more people (a customer's named owner) override it
        with the pages' rule, so a list and its export agree."""
        return not self.mask_phones(user)

    def base_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def queryset(self, user: Any) -> QuerySet[Any]:
        """What the user may see of this kind: exported, and the only records updated."""
        qs = self.base_queryset()
        if not isinstance(qs, ScopedQuerySet):
            raise TypeError(f"{type(self).__name__}: {self.model.__name__} is not scoped.")
        return qs.visible_to(user)

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The export's list: the user's queryset narrowed by list-page filters.

        Returns the queryset and the filters actually applied (for the export log).
        Specs with a selector override this to call it with the same parameters.
        """
        qs = self.queryset(user)
        q = text_param(params, "q")
        if q and self.search_fields:
            cond = Q()
            for name in self.search_fields:
                cond |= Q(**{f"{name}__icontains": q})
            return qs.filter(cond), {"q": q}
        return qs, {}

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        """Primary keys among `objs` (found by natural key) that the user may update.

        By default, those in `queryset(user)`: one query per chunk.
        """
        if not objs:
            return set()
        return set(
            self.queryset(user).filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True)
        )

    # --- reading ------------------------------------------------------------------------

    def key_of(self, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The natural key of parsed values, or None when part of it is missing."""
        key = tuple(values.get(k) for k in self.natural_key)
        return None if any(v in (None, "") for v in key) else key

    def find_existing(
        self, user: Any, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Any]:
        """Existing records by natural key, in one query for the whole chunk.

        Deliberately NOT scoped: natural keys are unique across the table, so a key held by
        a record outside the user's scope must be found (and the row refused by `writable`),
        never treated as new.
        """
        if not keys:
            return {}
        fields = self.lookup_fields or self.natural_key
        qs = self.existing_queryset()
        if len(fields) == 1:
            qs = qs.filter(**{f"{fields[0]}__in": [k[0] for k in keys]})
        else:
            cond = Q()
            for k in keys:
                cond |= Q(**dict(zip(fields, k, strict=True)))
            qs = qs.filter(cond)
        return {tuple(getattr(o, f) for f in fields): o for o in qs}

    def visible(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        """Primary keys among `objs` the user may see (`queryset(user)`), one query.

        A row naming a visible record the user may not change is accepted when it changes
        nothing, so people can re-import their own export; a hidden one is always refused.
        """
        if not objs:
            return set()
        return set(
            self.queryset(user).filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True)
        )

    def not_found_message(self) -> str:
        """What a row naming a record the user cannot see is told: the same words as for a
        key that nobody holds, so that an import does not confirm another grid's record."""
        from django.utils.translation import gettext

        return gettext("没有这个%(key)s") % {"key": self.header(self.natural_key[0])}

    def existing_queryset(self) -> QuerySet[Any]:
        """Unscoped queryset used by `find_existing` (add select_related here)."""
        return self.base_queryset()

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        """Batch work for a chunk before its rows are cleaned (look references up in bulk)."""

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        """Resolve references, apply cross-field rules and scope. Returns the cleaned
        values `save` understands and a list of (column key or None, message)."""
        return dict(values), []

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        """What an update would change, as (column key, before, after)."""
        out = []
        for key, new in cleaned.items():
            if not hasattr(obj, key):
                continue
            old = getattr(obj, key)
            if not _same(old, new):
                out.append((key, _plain(old), _plain(new)))
        return out

    def diff_on_create(self, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        """What a new record's row changes in records that exist already (a competitor
        offer updating its site's intelligence), so the preview shows it."""
        return []

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        """Create or update one record through the app's services; returns (obj, created)."""
        raise NotImplementedError

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        """Write every item (the pipeline holds the transaction). Override for bulk writes;
        each write must still be scoped and leave its audit entry."""
        for item in items:
            try:
                item.obj, _created = self.save(user, item.cleaned, item.existing)
            except ValidationError as exc:
                raise WriteError(item.row, "；".join(validation_messages(exc))) from exc

    # --- exporting ----------------------------------------------------------------------

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The export's queryset with what `export_row` needs joined in."""
        return qs

    def export_row(self, obj: Any) -> dict[str, Any]:
        """One record as {column key: value}; the writer formats by column kind."""
        return {c.key: _plain(getattr(obj, c.key, None)) for c in self.columns}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    return value


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, float) or isinstance(new, float):
        try:
            return abs(float(old) - float(new)) < 1e-9
        except (TypeError, ValueError):
            return False
    return bool(old == new)


def changed(obj: Any, cleaned: Mapping[str, Any], keys: Iterable[str]) -> bool:
    return any(not _same(getattr(obj, k), cleaned[k]) for k in keys if k in cleaned)


# --- registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    """Make a kind importable. Registering the same class again replaces it (reloads)."""
    current = _REGISTRY.get(spec.kind)
    if current is not None and type(current).__qualname__ != type(spec).__qualname__:
        raise ValueError(f"Import kind {spec.kind!r} is already registered by {current!r}.")
    _REGISTRY[spec.kind] = spec
    return spec


def get_spec(kind: str) -> ImportSpec:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(kind) from None


def all_specs() -> list[ImportSpec]:
    return list(_REGISTRY.values())


def autodiscover() -> None:
    """Import every installed app's `imports` module, where specs register themselves."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("imports")
