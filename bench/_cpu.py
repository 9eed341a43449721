"""The CPU clock of a bench, with the database server's share when it runs elsewhere.

On SQLite the database works inside this process, so `time.process_time()` counts it. A
PostgreSQL backend is another process: its CPU time is read from `/proc/<pid>/schedstat`
(nanoseconds on the CPU; the cluster must run on this machine, as the bench cluster does)
and added. Parallel workers would be further processes, so a CPU-clocked session on
PostgreSQL turns parallel plans off (`max_parallel_workers_per_gather = 0`): every statement
then runs in the one backend that is measured, and the figure is the whole work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

_backend: dict[str, int] = {}


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    key = str(id(connection.connection))
    if key not in _backend:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _backend[key] = cursor.fetchone()[0]
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    return _backend[key]


def server_seconds() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (0 on SQLite)."""
    pid = _backend_pid()
    if pid is None:
        return 0.0
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError as err:  # another machine's server: say so rather than under-count
        raise SystemExit(f"cannot read the backend's CPU time ({err}); use --clock wall") from err


def clock(name: str) -> Callable[[], float]:
    """`wall`: elapsed seconds; `cpu`: this process's CPU seconds plus the database server's."""
    if name == "wall":
        return time.perf_counter
    return lambda: time.process_time() + server_seconds()


def describe(name: str) -> str:
    from django.db import connection

    if name == "wall":
        return "wall ms"
    if connection.vendor == "postgresql":
        return "CPU ms (this process + its PostgreSQL backend, parallel plans off)"
    return "CPU ms (this process, SQLite's work included)"
