"""Benchmark: the nightly snapshot of the headline figures, and the dashboards that read it.

    .venv/bin/python bench/insights.py                        # the 1M-customer bench county
    .venv/bin/python bench/insights.py --customers 205000     # the demo county's size
    DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/insights.py --customers 0

Uses the county `bench/pages.py` builds and caches under `var/bench/` (`--customers 0`: the
database `DATABASE_URL` names, as it is). Times the nightly job (`services.snapshot_take`,
yesterday's figures: one pass of every measure over the county) `--nights` times, makes
sure 30 days of snapshots exist (back-filled when missing, timed), then times, warm, the
county dashboard (market department), a grid's dashboard, a person's, and the figures API,
as the busiest grid's manager and the market department, and prints p50/p95 in ms.
Goals (issue 13): the nightly snapshot ≤ 60 s; dashboards p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import statistics
import time
from typing import Any

import _harness

ROOT = _harness.ROOT

SNAPSHOT_GOAL_S = 60.0
PAGE_GOAL_MS = 300.0


def _p(times: list[float], q: int) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=20, method="inclusive")[q]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--nights", type=int, default=1, help="timed nightly snapshots")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers)
    from django.db.models import Count
    from django.test import Client

    from wangge.core import clock as wclock
    from wangge.core.access import SYSTEM
    from wangge.crm.models import Customer
    from wangge.insights import services
    from wangge.insights.models import Snapshot
    from wangge.org.models import GridMembership, User
    from wangge.org.roles import Role

    total = Customer.objects.count()
    yesterday = wclock.today() - dt.timedelta(days=1)
    nights = []
    for _ in range(args.nights):
        started = time.perf_counter()
        rows = services.snapshot_take(actor=SYSTEM, on=yesterday)
        nights.append(time.perf_counter() - started)
    days = [wclock.today() - dt.timedelta(days=n) for n in range(1, 31)]
    have = set(Snapshot.objects.filter(day__in=days).values_list("day", flat=True).distinct())
    backfill = None
    if len(have) < len(days):
        started = time.perf_counter()
        services.snapshots_backfill(actor=SYSTEM, days=days)
        backfill = time.perf_counter() - started

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
    tick = time.process_time if args.clock == "cpu" else time.perf_counter
    pages: list[tuple[str, Any, str]] = []
    if admin is not None:
        pages += [
            ("county dashboard", admin, "/insights/"),
            ("API kpis (county)", admin, "/api/insights/kpis"),
            ("API trend (county)", admin, "/api/insights/trend"),
            ("API ranking (grids)", admin, "/api/insights/ranking"),
        ]
    if manager is not None:
        u = manager.staff.user
        pages += [
            ("grid dashboard", u, f"/insights/grid/{busiest}/"),
            ("API kpis (grid)", u, f"/api/insights/kpis?grid={busiest}"),
        ]
        if marketer is not None:
            pages.append(("person dashboard", u, f"/insights/person/{marketer.staff_id}/"))
    print(
        f"\n{total:,} customers ({url.split('@')[-1]}); nightly snapshot of {yesterday}: "
        + ", ".join(f"{s:.1f} s" for s in nights)
        + f" ({rows:,} rows; goal ≤ {SNAPSHOT_GOAL_S:.0f} s)"
        + (f"; 30-day back-fill {backfill:.1f} s" if backfill is not None else "")
        + f"; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    print(f"| page | user | p50 ms | p95 ms ({args.clock}; goal ≤ {PAGE_GOAL_MS:.0f}) |")
    print("|---|---|---|---|")
    for label, user, page in pages:
        client = Client()
        client.force_login(user)
        status = client.get(page).status_code
        _, times = _harness.time_calls(functools.partial(client.get, page), args.requests, tick)
        p95 = _p(times, 18)
        mark = "" if p95 <= PAGE_GOAL_MS and status == 200 else " ✗"
        print(
            f"| {label} | {user.username} | {_p(times, 9):.0f} | {p95:.0f}{mark} |"
            + ("" if status == 200 else f" status {status}")
        )


if __name__ == "__main__":
    main()
