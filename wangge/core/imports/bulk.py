"""Audit entries for bulk writes: one entry per record, inserted in batches.

Specs that write with `bulk_create`/`bulk_update` for speed call this inside the
pipeline's transaction, so each record still has its who/what/before/after, exactly as
`wangge.core.audit.audit_record` would have written it one at a time.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router

from wangge.core import clock
from wangge.core.audit import snapshot, snapshotter
from wangge.core.models import AuditEntry, Versioned

BATCH = 1000
#: Values whose conversion for the database depends on the value alone (immutable,
#: hashable): a bulk write converts each distinct one once (a batch's timestamps repeat).
_MEMO_TYPES = frozenset({dt.datetime, dt.date, dt.time, decimal.Decimal, uuid.UUID})


def _actor_fields(actor: Any) -> dict[str, Any]:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor if is_user else None,
        "actor_repr": (actor.get_full_name() or actor.get_username()) if is_user else "system",
    }


def bulk_audit(
    *,
    actor: Any,
    action: str,
    changes: Iterable[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
) -> int:
    """Record (instance, before, after) for every written instance; returns the count.

    The entries are the ones `AuditEntry.objects.bulk_create` would write, inserted with
    one prepared INSERT sent in batches (`executemany`): building a model instance per entry
    cost more than the insert itself (100,000 entries: ~6 s of CPU against ~2 s)."""
    who = _actor_fields(actor)
    conn = connections[router.db_for_write(AuditEntry)]
    meta = AuditEntry._meta
    fields = [
        meta.get_field(name)
        for name in (
            "at", "actor", "actor_repr", "action", "content_type", "object_id", "object_repr",
            "before", "after",
        )
    ]  # fmt: skip
    at_f, before_f, after_f = fields[0], fields[7], fields[8]
    assert isinstance(at_f, models.Field)
    assert isinstance(before_f, models.Field) and isinstance(after_f, models.Field)
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields if isinstance(f, models.Field))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    )
    at = at_f.get_db_prep_save(clock.now(), conn)
    actor_id = who["actor"].pk if who["actor"] is not None else None
    types: dict[type[models.Model], int] = {}
    count = 0
    batch: list[list[Any]] = []
    # The JSON text Django's JSONField sends (`json.dumps` with the field's encoder), made
    # here: the field's own path costs as much again per entry.
    dumps_before, dumps_after = _json_dumps(before_f), _json_dumps(after_f)
    for instance, before, after in changes:
        cls = type(instance)
        if cls not in types:
            types[cls] = ContentType.objects.get_for_model(instance, for_concrete_model=True).pk
        batch.append(
            [
                at, actor_id, who["actor_repr"], action, types[cls], str(instance.pk),
                str(instance)[:200], None if before is None else dumps_before(before),
                None if after is None else dumps_after(after),
            ]
        )  # fmt: skip
        if len(batch) >= BATCH:
            count += _insert(conn, sql, batch)
            batch = []
    return count + _insert(conn, sql, batch)


def bulk_audit_created(*, actor: Any, instances: Iterable[models.Model]) -> int:
    """`bulk_audit` of new instances: each one's `audit.snapshot` as its "after"."""
    snaps: dict[type[models.Model], Callable[[models.Model], dict[str, Any]]] = {}

    def changes() -> Iterable[tuple[models.Model, None, dict[str, Any]]]:
        for instance in instances:
            cls = type(instance)
            if cls not in snaps:
                snaps[cls] = snapshotter(cls)
            yield instance, None, snaps[cls](instance)

    return bulk_audit(actor=actor, action=AuditEntry.Action.CREATE, changes=changes())


def _json_dumps(field: models.Field) -> Callable[[Any], str]:
    encoder = getattr(field, "encoder", None)
    return lambda value: json.dumps(value, cls=encoder)


def _insert(conn: Any, sql: str, rows: list[list[Any]]) -> int:
    """Send `rows` to the prepared INSERT `sql`: on PostgreSQL as one COPY of the same
    columns (see `copy_rows`), elsewhere by `executemany`."""
    if not rows:
        return 0
    if conn.vendor == "postgresql":
        copy_rows(conn, _copy_target(sql), rows)
    else:
        with conn.cursor() as cursor:
            cursor.executemany(sql, rows)
    return len(rows)


def _copy_target(insert_sql: str) -> str:
    """'INSERT INTO t (a, b) VALUES (…)' → 't (a, b)'."""
    head = insert_sql.removeprefix("INSERT INTO ")
    return head[: head.index(" VALUES ")]


def copy_rows(conn: Any, target: str, rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: `COPY target FROM STDIN` of these rows (values as the driver takes
    them: what `get_db_prep_save` gives), in the write's transaction.

    One statement for the whole batch instead of an INSERT per row: Django's driver binds
    parameters on the client, so each row of an `executemany` is a statement the server
    parses and plans, and every index expression's function (`crm_short_grams` of the
    search indexes) is set up again for it. 100,000 customers into the 1M county: ~10 s of
    the server's CPU instead of ~38 s. The rows go through the same constraints, triggers
    and deferred foreign-key checks as INSERTs do."""
    with conn.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` primary keys for new rows of `model`, taken before they are inserted, so a bulk
    write can derive values from them (a number issued from the id) in the INSERT itself
    instead of an UPDATE after it.

    PostgreSQL draws them from the table's sequence (never handed out twice). SQLite has no
    sequence to draw from: the ids after the highest ever issued (AUTOINCREMENT's
    `sqlite_sequence`, or the table's highest id), which holds because a transaction there
    has the database's one write lock from its start (`transaction_mode` IMMEDIATE), so no
    other writer can insert in between; call it inside the write's transaction.
    """
    if n <= 0:
        return []
    conn = connections[router.db_for_write(model)]
    meta = model._meta
    assert meta.pk is not None
    table, column = meta.db_table, meta.pk.column
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, n],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if conn.vendor != "sqlite":
            raise NotImplementedError(conn.vendor)
        if not conn.in_atomic_block:
            raise RuntimeError("reserve_ids needs the write's transaction")
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + n))


#: Field classes whose values of these exact types the database drivers take as they are:
#: `get_db_prep_save` would only hand them back (after a dozen calls; most of an insert's
#: Python time). Exact classes, not subclasses, which may convert.
_PLAIN_TYPES: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    **{
        cls: (int,)
        for cls in (
            models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField,
            models.SmallIntegerField, models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
        )
    },
}  # fmt: skip


def _passes(field: models.Field) -> frozenset[type]:
    """The value types `field` sends to the database unchanged (with None, for NULL)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    plain = _PLAIN_TYPES.get(type(target), ())
    return frozenset((type(None), *plain)) if plain else frozenset()


def _memoised(to_db: Callable[[Any, Any], Any], conn: Any) -> Callable[[Any], Any]:
    """`to_db(value, conn)`, computed once per distinct value of the `_MEMO_TYPES`."""
    memo: dict[tuple[type, Any], Any] = {}

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind not in _MEMO_TYPES:
            return to_db(value, conn)
        key = (kind, value)
        if key not in memo:
            memo[key] = to_db(value, conn)
        return memo[key]

    return convert


class Blueprint:
    """New unsaved instances of `model` for a bulk write, built the way `Model.from_db`
    builds loaded ones: every column's value by position, in field order. Keyword
    arguments with related objects cost five times as much (each assignment checked by the
    relation's descriptor), which for 100,000 customers was seconds of CPU.

    `build(**values)` takes columns by attribute name (`site_id`) or relations by field name
    (`site`: the object, also kept as the instance's cached relation, as the keyword
    constructor does); a field not given takes its default (callables called per instance).
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.Field)]
        self.fields = fields
        self.slot = {f.attname: i for i, f in enumerate(fields)}
        self.relations = {
            f.name: (i, f) for i, f in enumerate(fields) if f.is_relation and f.many_to_one
        }
        self.base: list[Any] = []
        self.dynamic: list[tuple[int, models.Field]] = []
        for i, f in enumerate(fields):
            if f.has_default() and callable(f.default):
                self.dynamic.append((i, f))
                self.base.append(None)
            else:
                self.base.append(f.get_default())

    def build(self, **values: Any) -> models.Model:
        args = list(self.base)
        given = set()
        related = []
        for name, value in values.items():
            if name in self.relations:
                i, field = self.relations[name]
                args[i] = None if value is None else value.pk
                related.append((field, value))
            else:
                i = self.slot[name]
                args[i] = value
            given.add(i)
        for i, field in self.dynamic:
            if i not in given:
                args[i] = field.get_default()
        obj = self.model(*args)
        for field, value in related:
            field.set_cached_value(obj, value)  # type: ignore[attr-defined]
        return obj


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert instances whose primary keys are set (`reserve_ids`): one prepared INSERT of
    every concrete field, sent in batches (`executemany`).

    What `bulk_create` writes, without compiling a multi-row statement per batch, which
    costs more CPU than the database's insert itself (100,000 customers: ~6 s against
    ~2 s). Saves no parents (every instance's foreign keys must be set) and sends no signals,
    as `bulk_create`; `auto_now(_add)` fields get their value as in `bulk_create`.
    """
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    quote = conn.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if isinstance(f, models.Field)]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", 0)]
    columns = ", ".join(quote(f.column) for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    )
    prep = [(f.attname, _passes(f), _memoised(f.get_db_prep_save, conn)) for f in fields]
    for start in range(0, len(objs), BATCH):
        batch = objs[start : start + BATCH]
        for obj in batch:
            if obj.pk is None:
                raise ValueError(f"{model.__name__} without a primary key: reserve_ids first")
            for f in stamped:
                f.pre_save(obj, True)
        params = [
            [
                value if type(value) in passes else to_db(value)
                for name, passes, to_db in prep
                for value in (getattr(o, name),)
            ]
            for o in batch
        ]
        _insert(conn, sql, params)
        for obj in batch:
            obj._state.adding = False
            obj._state.db = conn.alias


def bulk_update_changed(model: type[models.Model], rows: Iterable[tuple[Any, set[str]]]) -> None:
    """Save each instance's changed fields, one UPDATE … WHERE pk per row, sent in batches.

    Django's `bulk_update` builds one CASE WHEN per field over the whole batch, which both
    SQLite and PostgreSQL evaluate row by row: 100,000 updated sites took ~20 s that way.
    `executemany` of a plain prepared UPDATE does the same work in a fraction of it, and
    rows changing different fields each write only their own. On PostgreSQL, from
    `UPDATE_FROM_ROWS` rows on, the new values go through a temporary table (`_update_from`).
    """
    groups: dict[tuple[str, ...], list[Any]] = {}
    for obj, changed in rows:
        if changed:
            groups.setdefault(tuple(sorted(changed)), []).append(obj)
    if not groups:
        return
    conn = connections[router.db_for_write(model)]
    fields = {names: _concrete(model, names) for names in groups}
    if conn.vendor == "postgresql" and sum(map(len, groups.values())) >= UPDATE_FROM_ROWS:
        _update_from(conn, model, [(fields[names], objs) for names, objs in groups.items()])
        return
    quote = conn.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    for names, objs in groups.items():
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields[names])
        if issubclass(model, Versioned):  # an editor holding the old version must reload
            assignments += f", {quote('version')} = {quote('version')} + 1"
        table = quote(model._meta.db_table)
        sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"
        for start in range(0, len(objs), BATCH):
            params = [
                [f.get_db_prep_save(getattr(o, f.attname), conn) for f in fields[names]] + [o.pk]
                for o in objs[start : start + BATCH]
            ]
            with conn.cursor() as cursor:
                cursor.executemany(sql, params)


def _concrete(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    fields = [f for f in map(model._meta.get_field, names) if isinstance(f, models.Field)]
    if len(fields) != len(names):
        raise ValueError(f"Not concrete fields of {model.__name__}: {names}")
    return fields


#: From this many changed rows on, PostgreSQL writes them through a temporary table: below,
#: its half-dozen statements (and a catalogue entry) cost more than the UPDATEs they replace.
UPDATE_FROM_ROWS = 1000
#: The temporary table of `_update_from`: one per call, whatever the groups.
_UPDATES = "wangge_bulk_update"
_GROUP = "wangge_group"


def _update_from(
    conn: Any, model: type[models.Model], groups: Sequence[tuple[list[models.Field], list[Any]]]
) -> None:
    """PostgreSQL: the rows' new values, COPYed with their ids and their group's number into
    one temporary table of the same column types, then one `UPDATE … FROM` it per group
    (each writing only its own fields). An UPDATE per row is a statement the server parses
    and plans, and each sets up the search indexes' functions again (see `copy_rows`):
    100,000 changed households into the 1M county took 27 s of the server's CPU that way,
    18–20 like this. The table is named in `pg_temp` throughout, so no permanent table of
    the same name is ever touched."""
    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    every = list({f.name: f for fields, _ in groups for f in fields}.values())
    listed = ", ".join(quote(c) for c in [pk.column, *(f.column for f in every)])
    temp = f"pg_temp.{quote(_UPDATES)}"
    group = quote(_GROUP)

    def values() -> Iterable[list[Any]]:
        for n, (fields, objs) in enumerate(groups):
            mine = {f.name for f in fields}
            for o in objs:
                yield [
                    n,
                    o.pk,
                    *(
                        f.get_db_prep_save(getattr(o, f.attname), conn) if f.name in mine else None
                        for f in every
                    ),
                ]

    with conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")  # left by a failed call of this session
        like = f"SELECT 0 AS {group}, {listed} FROM {table} WITH NO DATA"  # the columns' types
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(_UPDATES)} AS {like}")
        copy_rows(conn, f"{temp} ({group}, {listed})", values())
        cursor.execute(f"ANALYZE {temp}")
        for n, (fields, _) in enumerate(groups):
            assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields)
            if issubclass(model, Versioned):  # an editor holding the old version must reload
                assignments += f", {quote('version')} = {table}.{quote('version')} + 1"
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {temp} u"
                f" WHERE {table}.{quote(pk.column)} = u.{quote(pk.column)} AND u.{group} = %s",
                [n],
            )
        cursor.execute(f"DROP TABLE {temp}")


class BulkWriter:
    """The bookkeeping of a bulk import write for one model: new instances, changed fields
    with before/after for the audit, then one `flush` that inserts, updates and audits."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.created: list[models.Model] = []
        self._changed: list[tuple[Any, set[str]]] = []
        self._changes: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []

    def create(self, instance: models.Model) -> models.Model:
        self.created.append(instance)
        return instance

    def update(self, instance: models.Model, data: dict[str, Any]) -> bool:
        """Set `data` on `instance`; returns whether anything changed."""
        before = snapshot(instance)
        names = set()
        for name, value in data.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                names.add(name)
        if names:
            self._changed.append((instance, names))
            self._changes.append((instance, before, snapshot(instance)))
        return bool(names)

    def flush(self, actor: Any) -> None:
        self.model._default_manager.bulk_create(self.created, batch_size=BATCH)
        bulk_update_changed(self.model, self._changed)
        bulk_audit_created(actor=actor, instances=self.created)
        bulk_audit(actor=actor, action=AuditEntry.Action.UPDATE, changes=self._changes)
