"""How a settlement's lines are stored and found: the indexes the reads need and no more
(every index is a write per line, a month writes 1.7 M lines), every read of the lines
planned through an index, and the bulk insert writing exactly its rows in batches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.performance import factories_settle as f
from wangge.core.access import SYSTEM
from wangge.org.models import Region
from wangge.performance import bulk, services_settle
from wangge.performance.models import SalesRecord, Statement, StatementLine

TABLE = StatementLine._meta.db_table


def test_statement_lines_are_indexed_by_statement_and_sale_only(db: None) -> None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    indexed = sorted(
        tuple(c["columns"]) for c in found.values() if c["index"] and not c["primary_key"]
    )
    assert indexed == [("sale_id",), ("statement_id",)]
    # No foreign-key constraint in the database (a lookup per key per line): the
    # settlement writes the lines alone (why it is safe: the model's comment).
    assert [c["columns"] for c in found.values() if c["foreign_key"]] == []


def _scans_of_lines(sql: str) -> list[str]:
    """The plan steps of `sql` that read the lines table whole (SQLite: SCAN; PostgreSQL,
    sequential scans switched off so that any usable index is taken: Seq Scan)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            steps = [str(row[-1]) for row in cursor.fetchall()]
            return [s for s in steps if s.startswith(f"SCAN {TABLE}")]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        steps = [str(row[0]) for row in cursor.fetchall()]
        return [s for s in steps if f"Seq Scan on {TABLE}" in s]


def test_every_read_of_the_lines_goes_through_an_index(db: None, client: Client) -> None:
    f.bulk_month(120, 40, seed=5)
    services_settle.settle_now(actor=SYSTEM, period=f.PERIOD)
    # An account of the month cancelled next month: next month's settlement claws it back.
    record = SalesRecord.objects.order_by("reference").first()
    assert record is not None
    record.cancelled_on = dt.date(2024, 4, 5)
    record.save()
    with CaptureQueriesContext(connection) as seen:
        services_settle.settle_now(actor=SYSTEM, period=f.PERIOD)  # the re-run deletes
        back = services_settle.settle_now(actor=SYSTEM, period="2024-04")
        statement = Statement.objects.filter(settlement__period=f.PERIOD).first()
        assert statement is not None
        client.force_login(statement.staff.user)  # a person reads their own statement
        assert client.get(f"/performance/statements/{statement.pk}/").status_code == 200
        assert client.get(f"/api/performance/statements/{statement.pk}").status_code == 200
        export = client.get(f"/performance/statements/export.xlsx?period={f.PERIOD}")
        assert export.status_code == 200
    assert back.result.lines and all(ln.clawback for ln in back.result.lines)
    reads = [
        q["sql"]
        for q in seen.captured_queries
        if TABLE in q["sql"] and q["sql"].lstrip().upper().startswith(("SELECT", "DELETE"))
    ]
    # The re-run's delete, the claw-backs, the page's, the API's and the export's lines.
    assert len(reads) >= 5
    scans = {sql: found for sql in reads if (found := _scans_of_lines(sql))}
    assert scans == {}


def test_the_bulk_insert_writes_every_row_in_batches(db: None) -> None:
    rows = [(f"B{i:02d}", f"区域{i}", Region.Kind.TOWN.value) for i in range(20)]
    with transaction.atomic():
        progress = list(bulk.insert_rows(Region, ("code", "name", "kind"), iter(rows), batch=7))
    assert progress == [7, 14, 20]
    stored = Region.objects.filter(code__startswith="B").order_by("code")
    assert list(stored.values_list("code", "name", "kind")) == rows


def test_the_bulk_insert_refuses_a_bad_row_as_the_orm_would(db: None) -> None:
    rows = [("C1", "区域", Region.Kind.TOWN.value), ("C1", "重复", Region.Kind.TOWN.value)]
    with pytest.raises(IntegrityError), transaction.atomic():
        list(bulk.insert_rows(Region, ("code", "name", "kind"), rows))
    assert not Region.objects.filter(code="C1").exists()


def test_the_write_restores_sqlites_page_cache(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")

    def cache() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    before = cache()
    with bulk.large_cache():
        assert cache() == -bulk.SQLITE_CACHE_KIB
    assert cache() == before
    f.bulk_month(30, 20, seed=1)
    outcome = services_settle.settle_now(actor=SYSTEM, period=f.PERIOD)
    assert outcome.total > Decimal(0) and cache() == before
