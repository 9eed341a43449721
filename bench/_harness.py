"""What every bench script shares: the county it runs on, the timing loop, the percentiles.

Bench scripts are run by path (`.venv/bin/python bench/x.py`), so `bench/` is on sys.path and
they import this module as `import _harness`. Timing lives here and in the scripts, never in
tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The demo generator's scale 1 holds about this many customers.
CUSTOMERS_AT_SCALE_1 = 205_000


def django_setup(url: str) -> None:
    """Point Django at `url` with the test settings (in-process client, immediate tasks)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("WANGGE_TASKS", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def analyze() -> None:
    """Fresh planner statistics: a bench right after a bulk load must not plan on empty tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")


def setup_county(customers: int, rebuild: bool = False) -> str:
    """The demo county of about `customers` customers; returns the database URL.

    SQLite: built once into `var/bench/county-N.sqlite3` and reused (`rebuild` starts again).
    PostgreSQL (`DATABASE_URL` set, as `scripts/with-postgres` does): copied from the SQLite
    county of the same size where one exists (`_pg_from_sqlite`), else built into that
    database, unless it already holds the county. `customers=0` uses `DATABASE_URL` as it is.
    """
    url = os.environ.get("DATABASE_URL", "")
    if customers == 0:
        if not url:
            raise SystemExit("--customers 0 needs DATABASE_URL")
        django_setup(url)
        return url
    if not url.startswith("postgres"):
        path = ROOT / "var" / "bench" / f"county-{customers}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    django_setup(url)
    from django.core.management import call_command

    from wangge.crm.models import Customer

    lite = ROOT / "var" / "bench" / f"county-{customers}.sqlite3"
    filled = Customer.objects.count() >= customers * 0.9
    if url.startswith("postgres") and not (rebuild or filled) and lite.exists():
        _copy_sqlite_county(lite, url)
    if Customer.objects.count() < customers * 0.9:
        print(f"building a county of {customers:,} customers in {url} …", file=sys.stderr)
        started = time.monotonic()
        call_command("demo", reset=True, customers=customers, stdout=sys.stderr)
        print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    analyze()
    return url


def _copy_sqlite_county(path: Path, url: str) -> None:
    """Fill the PostgreSQL database from the SQLite county of the same size: minutes where
    `wangge demo` takes most of an hour. The SQLite file is migrated first, in its own
    process (Django holds one database here), so both have this branch's schema."""
    import subprocess

    import _pg_from_sqlite

    print(f"migrating {path} …", file=sys.stderr)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "-m", "wangge", "migrate", "-v", "0"], env=env, check=True)
    print(f"copying {path} into {url.split('@')[-1]} …", file=sys.stderr)
    started = time.monotonic()
    copied = _pg_from_sqlite.copy(path, url)
    print(
        f"copied {sum(copied.values()):,} rows in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )


def add_clock_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time, which on SQLite includes the "
        "database's work and leaves out waiting for a busy machine's CPU",
    )


def clock_of(name: str) -> Callable[[], float]:
    return time.process_time if name == "cpu" else time.perf_counter


def time_calls(
    fn: Callable[[], Any], n: int, clock: Callable[[], float]
) -> tuple[Any, list[float]]:
    """One untimed warm call (caches, session, the database's pages), then `n` timed ones in ms.

    Returns the warm call's result (a page's status, say) and the timings.
    """
    first = fn()
    times = []
    for _ in range(n):
        started = clock()
        fn()
        times.append((clock() - started) * 1000)
    return first, times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


def cell(times: list[float], goal_ms: float) -> str:
    """`p50 / p95` with a ✗ where p95 misses the goal."""
    mark = "" if p95(times) <= goal_ms else " ✗"
    return f"{statistics.median(times):.0f} / {p95(times):.0f}{mark}"


def machine_line() -> str:
    """Which database and how busy the machine was: figures mean little without it."""
    from django.db import connection

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{engine}; load average {load} on {os.cpu_count()} CPUs"
