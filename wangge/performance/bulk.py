"""Raw multi-row inserts for the settlement's million-row tables.

A month holds up to a million sales and more statement lines; the ORM's per-object cost
(`bulk_create` builds a model instance and walks its fields for every row) was most of the
run. Rows here are tuples of what the model's fields would write: dates, Decimals and ints
go to the driver as they are (SQLite's adapters are Django's, PostgreSQL's its own), a
datetime through `connection.ops.adapt_datetimefield_value` by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models

BATCH = 20000


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    batch: int = BATCH,
) -> Iterator[int]:
    """Insert `rows` (tuples in the order of `columns`) one prepared statement per batch;
    yields the number written so far after each batch (progress). Call it in a transaction:
    in autocommit SQLite commits every row."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"
    done, it = 0, iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(it, batch)):
            cursor.executemany(sql, chunk)
            done += len(chunk)
            yield done
