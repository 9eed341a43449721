"""Benchmark: the nightly snapshot of the headline figures, and the dashboards that read it.

    .venv/bin/python bench/insights.py                        # the 1M-customer bench county
    .venv/bin/python bench/insights.py --customers 205000     # the demo county's size
    DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/insights.py --customers 0

Uses the county `bench/pages.py` builds and caches under `var/bench/` (`--customers 0`: the
database `DATABASE_URL` names, as it is). Times the nightly job (`services.snapshot_take`,
yesterday's figures: one pass of every measure over the county) `--nights` times, the
30-day back-fill (the demo loader's work, `--backfill`), the market potential's nightly
job (`services_potential.potential_compute`; a register-only county first gets a survey
and survey assignments, `bench/potential.py`'s `populate`), then, warm, the county dashboard
(market department), a grid's dashboard, a person's, each app's headline panel (loaded by
the dashboard after its first paint) and the figures API, as the busiest grid's manager and
the market department: p50 / p95 in ms, by the wall clock and by this process's CPU time
(the database's work included on SQLite; a loaded machine's waiting left out) and, on
PostgreSQL, that plus the server backend's CPU time (read from /proc: the server on this
machine).
Goals (issue 13): the nightly snapshot ≤ 60 s; dashboards p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
import time
from typing import Any

import _harness
import potential as potential_bench

ROOT = _harness.ROOT

SNAPSHOT_GOAL_S = 60.0
PAGE_GOAL_MS = 300.0


def server_cpu() -> float:
    """CPU seconds the database server has spent on this process's connection: on
    PostgreSQL its backend's, read from /proc when the server runs on this machine
    (`schedstat`: nanoseconds on a CPU); 0 on SQLite, whose work is this process's own."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except OSError:
        return 0.0


def cpu_and_server() -> float:
    """This process's CPU time plus its database backend's (PostgreSQL)."""
    return time.process_time() + server_cpu()


def _timed(fn: Any) -> tuple[Any, float, float, float]:
    """fn's result, wall seconds, this process's CPU seconds, the server's CPU seconds."""
    wall, cpu, db = time.perf_counter(), time.process_time(), server_cpu()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu, server_cpu() - db


def _secs(wall: float, cpu: float, db: float) -> str:
    server = f" + {db:.1f} s PostgreSQL cpu" if db else ""
    return f"{wall:.1f} s wall / {cpu:.1f} s cpu{server}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--nights", type=int, default=1, help="timed nightly snapshots")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--backfill", action="store_true", help="time the 30-day back-fill even when stored"
    )
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers)
    from django.db import connection

    # One backend for the whole run (no reconnecting every CONN_MAX_AGE seconds), so that
    # its CPU time can be read before and after each step.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    if connection.vendor == "postgresql":
        # Parallel workers are processes of their own, whose CPU the backend's does not
        # count: the server's whole work stays in the one backend that is measured.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    from django.db.models import Count
    from django.test import Client

    from wangge.core import clock as wclock
    from wangge.core.access import SYSTEM
    from wangge.crm.models import Customer
    from wangge.insights import services, services_potential
    from wangge.insights.headlines import PANEL_KEYS
    from wangge.insights.models import Snapshot
    from wangge.org.models import GridMembership, User
    from wangge.org.roles import Role

    # A register-only county gets a survey and survey assignments first (kept on later
    # runs): the people's site figures count the sites assigned to them.
    print(potential_bench.populate(), file=sys.stderr)
    total = Customer.objects.count()
    yesterday = wclock.today() - dt.timedelta(days=1)
    nights = []
    rows = 0
    for _ in range(args.nights):
        rows, wall, cpu, db = _timed(lambda: services.snapshot_take(actor=SYSTEM, on=yesterday))
        nights.append(_secs(wall, cpu, db))
    days = [wclock.today() - dt.timedelta(days=n) for n in range(1, 31)]
    have = set(Snapshot.objects.filter(day__in=days).values_list("day", flat=True).distinct())
    backfill = ""
    if args.backfill or len(have) < len(days):
        _n, wall, cpu, db = _timed(lambda: services.snapshots_backfill(actor=SYSTEM, days=days))
        backfill = f"; 30-day back-fill {_secs(wall, cpu, db)}"
    # The other nightly job: the market potential's fit, held-out error and split among
    # people, stored for the potential page and the person dashboard.
    run, wall, cpu, db = _timed(lambda: services_potential.potential_compute(actor=SYSTEM))
    backfill += f"; potential job {_secs(wall, cpu, db)} ({run.estates:,} estates)"

    busiest = (
        Customer.objects.values("site__grid_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("site__grid_id", flat=True)
        .first()
    )
    if busiest is None:
        raise SystemExit("the county has no customers in a grid")
    manager = (
        GridMembership.objects.filter(grid_id=busiest, role=Role.GRID_MANAGER)
        .select_related("staff__user")
        .first()
    )
    marketer = (
        GridMembership.objects.filter(grid_id=busiest, role=Role.ACCOUNT_MARKETER, is_primary=True)
        .select_related("staff")
        .first()
    )
    admin = (
        User.objects.filter(staff__role=Role.MARKET_ADMIN).first()
        or User.objects.filter(is_superuser=True).first()
    )
    pages: list[tuple[str, Any, str]] = []
    if admin is not None:
        pages += [
            ("county dashboard", admin, "/insights/"),
            *[
                (f"· its {key} panel (after paint)", admin, f"/insights/headlines/{key}/")
                for key in PANEL_KEYS
            ],
            ("API kpis (county)", admin, "/api/insights/kpis"),
            ("API trend (county)", admin, "/api/insights/trend"),
            ("API ranking (grids)", admin, "/api/insights/ranking"),
            ("API people (county)", admin, "/api/insights/people"),
        ]
    if manager is not None:
        u = manager.staff.user
        pages += [
            ("grid dashboard", u, f"/insights/grid/{busiest}/"),
            *[
                (
                    f"· its {key} panel (after paint)",
                    u,
                    f"/insights/headlines/{key}/?grid={busiest}",
                )
                for key in PANEL_KEYS
            ],
            ("API kpis (grid)", u, f"/api/insights/kpis?grid={busiest}"),
            ("API people (the grid's team split)", u, f"/api/insights/people?grid={busiest}"),
        ]
        if marketer is not None:
            pages.append(("person dashboard", u, f"/insights/person/{marketer.staff_id}/"))
    from wangge.retention.models import CareCount, CareDue
    from wangge.retention.models import Contact as CareContact

    # What the reach query and the care panel read: a county after `bench/care.py` has a
    # million contacts and ~913k care items (the panel reads their kept counts).
    print(
        f"\ncare contacts {CareContact.objects.count():,}, care items"
        f" {CareDue.objects.count():,}, their kept counts {CareCount.objects.count():,} rows"
    )
    print(
        f"\n{total:,} customers ({url.split('@')[-1]}); nightly snapshot of {yesterday}: "
        + ", ".join(nights)
        + f" ({rows:,} rows; goal ≤ {SNAPSHOT_GOAL_S:.0f} s){backfill}; "
        + _harness.machine_line()
        + f"; {args.requests} warm requests each\n"
    )
    pg = connection.vendor == "postgresql"
    clocks: list[tuple[str, Any]] = [("wall", time.perf_counter), ("cpu", time.process_time)]
    head = f"| page | user | wall p50 / p95 ms | cpu p50 / p95 ms (goal p95 ≤ {PAGE_GOAL_MS:.0f}) |"
    if pg:
        clocks.append(("cpu + server", cpu_and_server))
        head += " cpu + PostgreSQL backend p50 / p95 ms |"
    print(head)
    print("|---" * (len(clocks) + 2) + "|")
    for label, user, page in pages:
        client = Client()
        client.force_login(user)
        status = client.get(page).status_code
        if status == 404:
            continue  # a panel this user does not see
        cells = []
        for _name, clock in clocks:
            _, times = _harness.time_calls(
                functools.partial(client.get, page), args.requests, clock
            )
            cells.append(_harness.cell(times, PAGE_GOAL_MS))
        print(
            f"| {label} | {user.username} | "
            + " | ".join(cells)
            + " |"
            + ("" if status == 200 else f" status {status}")
        )


if __name__ == "__main__":
    main()
