"""Raw bulk writes for the settlement's million-row tables.

A month holds up to a million sales and more statement lines; the ORM's per-object cost
(`bulk_create` builds a model instance and walks its fields for every row) was most of the
run. Rows here are tuples of what the model's fields would write: dates, Decimals and ints
go to the driver as they are (SQLite's adapters are Django's, PostgreSQL's its own), a
datetime through `connection.ops.adapt_datetimefield_value` by the caller.

SQLite gets multi-row `INSERT … VALUES (…), (…)` statements (one statement per few thousand
rows instead of one per row: the per-statement work, AUTOINCREMENT's sequence row among it,
is paid once); PostgreSQL gets `COPY … FROM STDIN` (no statement per row at all).
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import chain, islice
from typing import Any

from django.db import connection, models

BATCH = 20000
#: SQLite's page cache while a settlement reads and writes, in KiB (its default is 2 MiB).
#: A month's lines and their indexes are a few hundred MiB; with the default cache SQLite
#: spills pages to the WAL and reads them back many times over, and the month's sales, read
#: through the sale-day index, fetch each table page again for every row on it. Memory
#: only: durability is as configured (WAL, synchronous=NORMAL).
SQLITE_CACHE_KIB = 512 * 1024


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    batch: int = BATCH,
) -> Iterator[int]:
    """Insert `rows` (tuples in the order of `columns`); yields the number written so far
    after each batch (progress). Call it in a transaction: in autocommit SQLite commits
    every statement, and a failed batch must take the earlier ones with it."""
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)})"
    if connection.vendor == "postgresql":
        write = partial(_copy, f"COPY {head.removeprefix('INSERT INTO ')} FROM STDIN")
    else:
        write = partial(_insert, head, len(columns), min(batch, _max_params() // len(columns)))
    done, it = 0, iter(rows)
    # Errors as Django's (IntegrityError…): neither path goes through its cursor's execute.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        while chunk := list(islice(it, batch)):
            write(cursor, chunk)
            done += len(chunk)
            yield done


def _insert(head: str, width: int, per: int, cursor: Any, chunk: list[tuple[Any, ...]]) -> None:
    """`per` rows a statement. The qmark SQL goes straight to sqlite3's cursor: Django's
    wrapper would rewrite each of a statement's 30,000 "%s" with a regular expression."""
    one = "(" + ", ".join(["?"] * width) + ")"
    full = f"{head} VALUES " + ", ".join([one] * per)
    for i in range(0, len(chunk), per):
        part = chunk[i : i + per]
        sql = full if len(part) == per else f"{head} VALUES " + ", ".join([one] * len(part))
        sqlite3.Cursor.execute(cursor.cursor, sql, list(chain.from_iterable(part)))


def _copy(sql: str, cursor: Any, chunk: list[tuple[Any, ...]]) -> None:
    # One COPY per batch: between batches the caller may report progress on this connection,
    # which a COPY in progress would refuse.
    with cursor.cursor.copy(sql) as copy:
        for row in chunk:
            copy.write_row(row)


def _max_params() -> int:
    """How many parameters one SQLite statement may bind (999 before SQLite 3.32)."""
    return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a settlement runs (restored after).

    A month is millions of tuples (sales, lines, rows to write), all alive until the end and
    none in a reference cycle; each one allocated counts towards the collector's next pass,
    and each full pass walks every one of them again: a tenth to a fifth of the run's CPU
    for nothing to collect. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def large_cache() -> Iterator[None]:
    """A large SQLite page cache for one bulk read or write (restored after); nothing
    elsewhere."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
