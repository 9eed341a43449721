"""Benchmark: the sales board, "my opportunities" and the funnel with many open opportunities.

    .venv/bin/python bench/sales.py                                  # 1M customers, 100k open
    .venv/bin/python bench/sales.py --customers 205000 --open 20000  # the demo county's size

Uses the county `bench/pages.py` builds (and caches under `var/bench/`; at a million, copy
the prepared one there), then adds `--open` open opportunities and a fifth as many lost ones
with their history (`tests/sales/bulk.py`: a grid's working day, with unassigned, pending
and late ones on the board; a test builds the same at a few dozen). Then, for the grid
manager of the busiest grid, the marketer holding most of its open ones and the market
department, it times the board (summary selector and page, of the grid and of the county),
"my opportunities" (selector's first page and the list page), the manager's list of their
grid, and the funnel of one grid (selector, page and API), and prints p50/p95 in ms with the
load average (`--clock cpu` for CPU time, which leaves out waiting for a busy machine:
`bench/_cpu.py`, on SQLite this process's, which includes the database's work; on
PostgreSQL this process's plus its server backend's, parallel plans off, so the server must
run on this machine; the table then also gives the server's share). It also times one board row's
dispatch form, fetched when its 派单 button is pressed. Goals (issue 9): board and "my
opportunities" p95 ≤ 100 ms, the funnel for a grid ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import _cpu
import _harness

ROOT = _harness.ROOT


def _time_calls(
    fn: Callable[[], Any], n: int, clock: Callable[[], float], server: bool
) -> tuple[list[float], list[float]]:
    """`_harness.time_calls` on `clock` (`_cpu.clock`: with `--clock cpu` on PostgreSQL this
    process's CPU plus its backend's): the totals, and the server's part of each, in ms."""
    fn()
    totals, served = [], []
    for _ in range(n):
        started, on_server = clock(), _cpu.server_seconds() if server else 0.0
        fn()
        spent = (_cpu.server_seconds() - on_server) if server else 0.0
        totals.append((clock() - started) * 1000)
        served.append(spent * 1000)
    return totals, served


def _populate(n_open: int, seed: int) -> None:
    """Bring the county up to `n_open` open opportunities (`tests/sales/bulk.py`)."""
    from tests.sales.bulk import bulk_opportunities
    from wangge.sales.models import Opportunity

    have = Opportunity.objects.open().count()
    if have >= n_open * 0.9:
        return
    print(f"adding {n_open - have:,} open opportunities …", file=sys.stderr)
    started = time.monotonic()
    added = bulk_opportunities(
        n_open - have, seed=seed, progress=lambda msg: print(f"  {msg}", file=sys.stderr)
    )
    _harness.analyze()
    print(
        f"added {added.open:,} open, {added.lost:,} lost and {added.steps:,} steps in "
        f"{time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000, help="open opportunities")
    parser.add_argument("--requests", type=int, default=20, help="timed runs per item")
    parser.add_argument("--seed", type=int, default=9)
    _harness.add_clock_argument(parser)
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers, False)
    _populate(args.open, args.seed)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from config.warm import settle
    from wangge.crm.models import Customer
    from wangge.org.models import GridMembership
    from wangge.org.roles import Role
    from wangge.sales import selectors, selectors_funnel
    from wangge.sales.models import Opportunity
    from wangge.sales.selectors_funnel import FunnelFilters

    busiest = (
        Opportunity.objects.open().values("grid_id").annotate(n=Count("id")).order_by("-n").first()
    )
    assert busiest is not None, "no open opportunities"
    grid_id = busiest["grid_id"]
    manager = GridMembership.objects.filter(grid_id=grid_id, role=Role.GRID_MANAGER).first()
    seller = (
        Opportunity.objects.open()
        .filter(grid_id=grid_id, assignee__isnull=False)  # the unassigned are nobody's list
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert manager is not None and seller is not None
    from wangge.org.models import Staff, User

    boss = manager.staff.user
    admin = User.objects.get(username="admin")  # the market department: the whole county
    worker = Staff.objects.get(pk=seller["assignee_id"]).user
    # As the server does (`config/wsgi.py`): the URL tree loaded and everything frozen, so a
    # full collection does not walk it inside a timed request.
    settle()
    clock = _cpu.clock(args.clock)
    clients = {}
    for user in (boss, worker, admin):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)

    def page(user: Any, url: str, headers: dict[str, str] | None = None) -> Callable[[], Any]:
        def get() -> Any:
            response = clients[user.pk].get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    grid_filter = FunnelFilters(grid_id=grid_id, **_period())
    items: list[tuple[str, Callable[[], Any], float]] = [
        ("board (selector)", functools.partial(selectors.board, user=boss, grid_id=grid_id), 100),
        ("board, county (selector, admin)", functools.partial(selectors.board, user=admin), 100),
        (
            "my opportunities (selector, 50)",
            lambda: list(selectors.opportunity_list(user=worker, mine=True, open_only=True)[:50]),
            100,
        ),
        ("my opportunities (page)", page(worker, reverse("sales:opportunity_list")), 100),
        # A manager's list with no filter: their grids' open opportunities, overdue first.
        (
            "the grid's opportunities (page, manager)",
            page(boss, reverse("sales:opportunity_list")),
            100,
        ),
        (
            "funnel, one grid (selector)",
            functools.partial(selectors_funnel.funnel_for, user=boss, filters=grid_filter),
            300,
        ),
        ("funnel, one grid (page)", page(boss, f"{reverse('sales:funnel')}?grid={grid_id}"), 300),
        ("funnel, one grid (API)", page(boss, f"/api/sales/funnel?grid={grid_id}"), 300),
    ]
    items.insert(1, ("board (page)", page(boss, reverse("sales:board")), 100))
    items.insert(3, ("board, county (page, admin)", page(admin, reverse("sales:board")), 100))
    # A row's dispatch form, as its 派单 button fetches it (htmx): the first unassigned row.
    first = selectors.first_rows(
        selectors.opportunity_list(user=boss, grid_id=grid_id, open_only=True, unassigned=True)
        .filter(grid_id=grid_id)
        .order_by("created_at", "id"),
        1,
    )
    if first:
        form_url = reverse("sales:opportunity_dispatch", args=[first[0].pk])
        for at, who, label in ((4, boss, "manager"), (5, admin, "admin")):
            fetch = page(who, form_url, {"HX-Request": "true"})
            items.insert(at, (f"a row's dispatch form (htmx, {label})", fetch, 100))
    server = args.clock == "cpu" and connection.vendor == "postgresql"
    in_grid = Opportunity.objects.filter(grid_id=grid_id)
    print(
        f"\n{'PostgreSQL' if connection.vendor == 'postgresql' else 'SQLite'}, "
        f"{Customer.objects.count():,} customers, {Opportunity.objects.open().count():,} open "
        f"opportunities ({in_grid.open().count():,} open, {in_grid.count():,} in all in the "
        f"busiest grid), {args.requests} warm runs each, {_cpu.describe(args.clock)} "
        f"({url.split('@')[-1]})"
    )
    print(f"{_harness.machine_line()} at the start\n")
    if server:
        print("'server' is the PostgreSQL backend's share.\n")
    print(f"| item | p50 | p95 | goal |{' server p50 |' if server else ''}")
    print(f"|---|---|---|---|{'---|' if server else ''}")
    for label, fn, goal in items:
        print(f"{label} …", file=sys.stderr)
        times, served = _time_calls(fn, args.requests, clock, server)
        p95 = _harness.p95(times)
        mark = "" if p95 <= goal else " ✗"
        extra = f" {statistics.median(served):.0f} |" if server else ""
        print(f"| {label} | {statistics.median(times):.0f} | {p95:.0f}{mark} | {goal:.0f} |{extra}")
    print(f"\n{_harness.machine_line()} at the end")


def _period() -> dict[str, Any]:
    from wangge.sales.selectors_funnel import default_period

    start, end = default_period()
    return {"start": start, "end": end}


if __name__ == "__main__":
    main()
