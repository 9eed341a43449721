"""Benchmark: the busiest grid's manager's review page with 20 logs, today view, log KPIs.

    .venv/bin/python bench/worklog.py                          # a county of 205k customers
    .venv/bin/python bench/worklog.py --customers 1000000 --people 40

Uses the county `bench/pages.py` builds (and caches under `var/bench/`), then makes the
busiest grid (most customers) busy: `--people` field people (added through org's services
once), each with a month of logs written in bulk (the services' rules are the tests'
business; this measures reads), of which yesterday's 20 wait for review. Then, logged in as
that grid's manager, it times the review page (20 logs, approve/return inline), the home page
(the today view with every app's sections), the KPI page and the list API, and the home page
of the grid's account marketer who owns the most customers; then each today section alone
for both, to show where a home page's time goes. p50/p95 in ms. Goals (issue 10): review
page ≤ 150 ms, today view p95 ≤ 150 ms. `--clock cpu` on PostgreSQL adds the backend's CPU
(`bench/_cpu.py`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import statistics
import sys
from typing import Any

import _harness

ROOT = _harness.ROOT

GOAL_MS = 150.0
PENDING = 20


def _personas() -> tuple[str, str]:
    """Usernames of the manager of the grid with the most customers and of that grid's
    account marketer who owns the most (the demo county's `manager` leads the third)."""
    from django.db.models import Count

    from wangge.crm.models import Customer
    from wangge.org.models import GridMembership
    from wangge.org.roles import Role

    busiest = (Customer.objects.values("site__grid_id").annotate(n=Count("id")).order_by("-n")[0])[
        "site__grid_id"
    ]
    team = GridMembership.objects.filter(grid_id=busiest, is_primary=True)
    manager = team.filter(role=Role.GRID_MANAGER).order_by("id")[0].staff.user.username
    owners = (
        Customer.objects.filter(owner__in=team.filter(role=Role.ACCOUNT_MARKETER).values("staff"))
        .values("owner__user__username")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return manager, owners[0]["owner__user__username"]


def _populate(people: int, manager_name: str) -> int:
    """Make the manager's grid busy (idempotent); returns the grid's id."""
    from django.db import transaction
    from django.utils import timezone

    from wangge.core import clock, workdays
    from wangge.core.access import SYSTEM
    from wangge.org import services as org
    from wangge.org.models import GridMembership, Staff
    from wangge.org.roles import Role
    from wangge.worklog.models import LOG_ROLES, WorkLog

    manager = Staff.objects.get(user__username=manager_name)
    grid = GridMembership.objects.get(staff=manager, is_primary=True).grid
    with transaction.atomic():
        field = GridMembership.objects.filter(grid=grid, role__in=LOG_ROLES, is_primary=True)
        for i in range(field.count(), people):
            org.staff_create(
                actor=SYSTEM,
                username=f"bench_wl_{grid.pk}_{i}",
                password="bench-pass-123",
                name=f"营销员{i:02d}",
                employee_no=f"BWL{grid.pk:03d}{i:03d}",
                role=Role.ACCOUNT_MARKETER,
                primary_grid=grid,
            )
        authors = list(field.values_list("staff_id", flat=True))
        today = clock.today()
        days = workdays.workdays_between(today - dt.timedelta(days=30), today - dt.timedelta(1))
        have = set(
            WorkLog.objects.filter(author_id__in=authors, day__in=days).values_list(
                "author_id", "day"
            )
        )
        rows = []
        for n, author in enumerate(authors):
            for day in days:
                if (author, day) in have:
                    continue
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(18)))
                pending = day == days[-1] and n < PENDING
                rows.append(
                    WorkLog(
                        author_id=author,
                        day=day,
                        grid=grid,
                        status="submitted" if pending else "approved",
                        activity=[
                            {
                                "source": "拜访与商机",
                                "text": "上门 · 王家 · 有意向",
                                "at": "10:00",
                                "url": "",
                            }
                        ]
                        * 5,
                        findings="走访小区八户，两户有意向升级千兆。" * 3,
                        problems="物业不让张贴宣传品。",
                        plan="回访有意向的客户。",
                        submitted_at=at,
                        resubmitted_at=at,
                        reviewed_at=None if pending else at + dt.timedelta(hours=15),
                        score=None if pending else 4,
                        version=2 if pending else 3,
                    )
                )
        WorkLog.objects.bulk_create(rows, batch_size=1000)
        # Exactly PENDING wait: the ones beyond are approved, so the page shows 20.
        waiting = WorkLog.objects.filter(grid=grid, status="submitted").order_by("day", "id")
        extra = list(waiting.values_list("id", flat=True)[PENDING:])
        WorkLog.objects.filter(pk__in=extra).update(status="approved", score=4)
        print(f"{len(rows):,} logs added; {waiting.count()} waiting", file=sys.stderr)
    return grid.pk


#: The home page with nothing kept (the leaderboard recomputed on every load, as before it
#: was kept; also what the first load after a change of the figures costs).
COLD = "today view, leaderboard not kept"


def _cold(client: Any, page: str) -> Any:
    from django.core.cache import cache

    cache.clear()
    return client.get(page)


def _sections(user: Any, n: int, clock: Any) -> list[tuple[str, int, int, list[float]]]:
    """Each today section alone for `user`: (key, items, queries, ms per call)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.core import clock as wangge_clock
    from wangge.core import extensions

    today = wangge_clock.today()
    out = []
    for section in sorted(extensions._today.values(), key=lambda s: (s.order, s.key)):
        call = functools.partial(section.items, user, today)
        items, times = _harness.time_calls(call, n, clock)
        with CaptureQueriesContext(connection) as queries:
            call()
        out.append((section.key, len(items), len(queries), times))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=205_000)
    parser.add_argument("--people", type=int, default=30, help="field people in the grid")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--rebuild", action="store_true", help="build the county again")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time (on SQLite it includes the "
        "database's work) plus, on PostgreSQL, its backend's (bench/_cpu.py)",
    )
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers, args.rebuild)
    manager, account = _personas()
    _populate(args.people, manager)
    import _cpu
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wangge.org.models import User
    from wangge.worklog.models import WorkLog

    clock = _cpu.clock(args.clock)
    personas = {manager: "grid manager", account: "account marketer"}
    clients = {}
    for username in personas:
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    review = clients[manager].get("/worklog/review/").content.decode()
    cards = review.count('data-testid="log-card"')
    pages = (
        (manager, "review page", "/worklog/review/", GOAL_MS),
        (manager, "today view (home)", "/", GOAL_MS),
        (manager, COLD, "/", None),
        (account, "today view (home)", "/", GOAL_MS),
        (manager, "log KPIs (30 days)", "/worklog/kpi/", None),
        (manager, "API logs", "/api/worklog/logs?limit=50", None),
    )
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{engine} ({url.split('@')[-1]}), {manager} and {account} of the busiest grid, "
        f"{WorkLog.objects.count():,} logs, the review page "
        f"shows {cards} logs; {args.requests} warm requests each, {_cpu.describe(args.clock)}; "
        f"load average {load} on {os.cpu_count()} CPUs\n"
    )
    print("| who | page | status | queries | p50 | p95 | goal |")
    print("|---|---|---|---|---|---|---|")
    for username, label, page, goal in pages:
        client = clients[username]
        get = (
            functools.partial(_cold, client, page)
            if label == COLD
            else functools.partial(client.get, page)
        )
        first, times = _harness.time_calls(get, args.requests, clock)
        status = first.status_code
        with CaptureQueriesContext(connection) as queries:
            get()
        p95 = _harness.p95(times)
        verdict = "" if goal is None else ("✓" if p95 <= goal else "✗") + f" ≤ {goal:.0f}"
        print(f"| {personas[username]} | {label} | {status} | {len(queries)} | "
              f"{statistics.median(times):.0f} | {p95:.0f} | {verdict} |")  # fmt: skip
    # Where a home page's time goes: each app's today section alone (warm, as on the page).
    print("\n| who | today section | items | queries | p50 | p95 |")
    print("|---|---|---|---|---|---|")
    for username, persona in personas.items():
        user = User.objects.get(username=username)
        for key, n_items, n_queries, times in _sections(user, args.requests, clock):
            print(f"| {persona} | {key} | {n_items} | {n_queries} | "
                  f"{statistics.median(times):.1f} | {_harness.p95(times):.1f} |")  # fmt: skip
    print(f"\nload average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
