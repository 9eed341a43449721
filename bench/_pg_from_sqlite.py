"""Copy a SQLite bench county into an empty, migrated PostgreSQL database.

Building a 1M-customer county with `wangge demo` on PostgreSQL takes longer than a bench
session has; copying the SQLite county's rows takes a few minutes. Both databases must be at
the same migration state (`_harness.setup_county` migrates the SQLite file first). The copy:

* empties every table the migrations filled (content types, permissions, seeds): the
  SQLite county's own rows, ids included, replace them;
* drops the tables' plain indexes (not those behind constraints) and puts them back after
  the load: building a (trigram) index once costs a fraction of keeping it current row by row;
* COPYs each table's rows (psycopg's `cursor.copy`), parents before children, with the
  foreign-key triggers off for the session (`session_replication_role = replica`: the rows
  were consistent in SQLite);
* sets every id sequence past the largest id, so later inserts do not collide.

SQLite-only tables (the search index, `crm.search`) are left out. Values go as COPY text:
SQLite's 0/1 booleans, ISO dates, UTC timestamps and JSON text are what PostgreSQL's
input functions read. Run by `_harness`; on its own:

    DATABASE_URL=postgres://… .venv/bin/python bench/_pg_from_sqlite.py var/bench/county-N.sqlite3
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

#: Rows per `fetchmany` from SQLite.
BATCH = 20_000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pg_tables(pg: psycopg.Connection[Any]) -> list[str]:
    rows = pg.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'django_migrations' ORDER BY tablename"
    ).fetchall()
    return [name for (name,) in rows]


def _dependency_order(pg: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """Tables with the ones they reference first (self-references and cycles ignored)."""
    edges = pg.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text "
        "FROM pg_constraint c WHERE c.contype = 'f'"
    ).fetchall()
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in edges:
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:  # a cycle: place the rest as they come
            ready = [t for t in tables if t not in placed]
        for t in ready:
            ordered.append(t)
            placed.add(t)
    return ordered


def _plain_indexes(pg: psycopg.Connection[Any], tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that no constraint owns."""
    rows = pg.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [tables],
    ).fetchall()
    return [(name, sql) for name, sql in rows]


def _columns(pg: psycopg.Connection[Any], table: str) -> list[str]:
    rows = pg.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def copy(sqlite_path: Path, url: str) -> dict[str, int]:
    """Copy every table; returns rows copied per table."""
    lite = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    lite.text_factory = str
    lite_tables = {
        name for (name,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    copied: dict[str, int] = {}
    with psycopg.connect(url, autocommit=False) as pg:
        pg.execute("SET TimeZone = 'UTC'")  # SQLite holds naive UTC timestamps
        pg.execute("SET session_replication_role = replica")
        pg.execute("SET maintenance_work_mem = '256MB'")
        tables = [t for t in _pg_tables(pg) if t in lite_tables]
        order = _dependency_order(pg, tables)
        indexes = _plain_indexes(pg, tables)
        pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in order) + " CASCADE")
        for name, _sql in indexes:
            pg.execute(f'DROP INDEX "{name}"')
        for table in order:
            started = time.monotonic()
            lite_columns = {row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')}
            columns = [c for c in _columns(pg, table) if c in lite_columns]
            names = ", ".join(f'"{c}"' for c in columns)
            rows = lite.execute(f'SELECT {names} FROM "{table}"')
            n = 0
            with pg.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
                while batch := rows.fetchmany(BATCH):
                    for row in batch:
                        cp.write_row(row)
                    n += len(batch)
            copied[table] = n
            if n >= BATCH:
                _log(f"  {table}: {n:,} rows in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        for _name, sql in indexes:
            pg.execute(sql)
        _log(f"  {len(indexes)} indexes rebuilt in {time.monotonic() - started:.0f} s")
        for table in order:
            if "id" not in _columns(pg, table):
                continue
            sequence = pg.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table]).fetchone()
            if sequence and sequence[0]:
                pg.execute(
                    f'SELECT setval(%s, coalesce((SELECT max(id) FROM "{table}"), 1), '
                    f'(SELECT max(id) IS NOT NULL FROM "{table}"))',
                    [sequence[0]],
                )
        pg.commit()
    lite.close()
    return copied


if __name__ == "__main__":
    import os

    source = Path(sys.argv[1])
    started = time.monotonic()
    done = copy(source, os.environ["DATABASE_URL"])
    _log(f"copied {sum(done.values()):,} rows in {time.monotonic() - started:.0f} s")
