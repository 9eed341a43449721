"""Benchmark: settle a month of commission (issue 12: 1M sales lines for 2,000 staff ≤ 60 s).

    .venv/bin/python bench/settle.py                           # 1,000,000 sales, 2,000 staff
    .venv/bin/python bench/settle.py --sales 100000 --staff 2000
    scripts/with-postgres .venv/bin/python bench/settle.py     # PostgreSQL

Builds (once, cached in `var/bench/settle-<sales>.sqlite3`; on PostgreSQL into an empty
`DATABASE_URL`) the month of `tests/performance/factories_settle.bulk_month`: `--staff`
people in grids of 20, `--sales` sales records in one month, the four bench policies. The
same builder makes a small month in the tests, so what is timed here is what is tested there.

It then times `services_settle.compute` (read and calculate) and `write` (replace the
month's statements and lines) separately, on the wall clock and in CPU seconds: this
process's (the client), which on SQLite include the database's work, and on PostgreSQL the
CPU of the connection's server backend (read from /proc: the server must run on this
machine), printed as their sum and, on PostgreSQL, "(client + server)". It
runs the month a second time to show that a re-run replaces the figures with identical
ones, and prints the figures with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import _harness

PERIOD = "2024-03"


def _database(n_sales: int, rebuild: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    path = _harness.ROOT / "var" / "bench" / f"settle-{n_sales}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _build(n_sales: int, n_staff: int, seed: int) -> None:
    from tests.performance.factories_settle import bulk_month
    from wangge.performance.models import SalesRecord

    if SalesRecord.objects.exists():
        return
    print(f"building {n_staff:,} staff and {n_sales:,} sales …", file=sys.stderr)
    started = time.monotonic()
    bulk_month(n_sales, n_staff, seed=seed, progress=lambda msg: print(f"  {msg}", file=sys.stderr))
    _harness.analyze()
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _server_cpu() -> Callable[[], float]:
    """CPU seconds of this connection's PostgreSQL backend so far (0 on SQLite, whose work
    is in this process's CPU time): read from /proc, the server runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return read


class Took(NamedTuple):
    wall: float
    client: float  # CPU seconds of this process (on SQLite the database's work included)
    server: float  # CPU seconds of the PostgreSQL backend (0 on SQLite)

    def __add__(self, other: object) -> Took:
        assert isinstance(other, Took)
        return Took(self.wall + other.wall, self.client + other.client, self.server + other.server)

    def __str__(self) -> str:
        cpu = self.client + self.server
        if not self.server:
            return f"{self.wall:.1f} / {cpu:.1f}"
        return f"{self.wall:.1f} / {cpu:.1f} ({self.client:.1f} + {self.server:.1f})"


def _timed(fn: Callable[[], Any], server: Callable[[], float]) -> tuple[Any, Took]:
    """fn's result and its wall seconds, CPU seconds of this process and of the database
    server's backend (one call: a month is not a request)."""
    w0, c0, s0 = time.perf_counter(), time.process_time(), server()
    out = fn()
    return out, Took(time.perf_counter() - w0, time.process_time() - c0, server() - s0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=2, help="the re-runs must match the first")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    _harness.django_setup(_database(args.sales, args.rebuild))
    _build(args.sales, args.staff, args.seed)
    from django.db import connection

    from wangge.performance import services_settle
    from wangge.performance.models import SalesRecord, Settlement, StatementLine

    n_sales = SalesRecord.objects.count()
    rows = []
    server = _server_cpu()
    for run in range(1, args.runs + 1):
        outcome, compute = _timed(partial(services_settle.compute, PERIOD), server)
        settlement, _ = Settlement.objects.get_or_create(period=PERIOD)
        _, write = _timed(partial(services_settle.write, settlement, outcome), server)
        rows.append((run, compute, write, outcome))
    for *_, again in rows[1:]:
        assert again.result.lines == rows[0][3].result.lines, "a re-run gave different figures"
    print(f"settle {PERIOD}: {n_sales:,} sales, {args.staff:,} staff; {_harness.machine_line()}")
    cpu = "CPU (client + server)" if connection.vendor == "postgresql" else "CPU"
    print(
        f"| run | compute s wall / {cpu} | write s wall / {cpu} | total s wall / {cpu} | "
        "lines | people | total 元 | capped |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for run, compute, write, o in rows:
        print(
            f"| {run} | {compute} | {write} | {compute + write} "
            f"| {len(o.result.lines):,} | {len(o.totals):,} | {o.total} | "
            f"{o.result.capped_lines:,} |"
        )
    stored = StatementLine.objects.filter(statement__settlement__period=PERIOD).count()
    print(f"lines stored: {stored:,}")


if __name__ == "__main__":
    main()
