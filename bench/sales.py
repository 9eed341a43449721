"""Benchmark: the sales board, "my opportunities" and the funnel with many open opportunities.

    .venv/bin/python bench/sales.py                                  # 1M customers, 100k open
    .venv/bin/python bench/sales.py --customers 205000 --open 20000  # the demo county's size

Uses the county `bench/pages.py` builds (and caches under `var/bench/`), then adds `--open`
open opportunities (and a fifth as many lost ones, so the funnel has losses to count) with
their history, spread over the county's customers and each grid's marketers. They are
written in bulk, not through the services: this measures reads, and the services' rules
are the tests' business. Then, for the grid manager of the busiest grid and one of its
marketers, it times the board summary (`selectors.board`, and the board page if there is
one), "my opportunities" (the selector's first page, and the list page), and the funnel of
one grid (selector, page and API), and the market department's board of the county, and
prints p50/p95 in ms. Goals (issue 9): board and
"my opportunities" p95 ≤ 100 ms, the funnel for a grid ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import _harness

ROOT = _harness.ROOT


#: Open stages and their shares of the open opportunities.
OPEN_MIX = (("need", 0.4), ("proposal", 0.3), ("confirmed", 0.2), ("ordered", 0.1))
LOST_REASONS = ("price", "competitor", "no_coverage", "no_need", "unreachable")
LADDER = ("need", "proposal", "confirmed", "ordered")


def _populate(n_open: int, seed: int) -> None:
    """Bring the county up to `n_open` open opportunities (bulk; see the docstring)."""
    import datetime as dt

    from django.db import transaction

    from wangge.core import clock
    from wangge.crm.models import Customer
    from wangge.org.models import GridMembership
    from wangge.org.roles import Role
    from wangge.sales import funnel
    from wangge.sales.models import Opportunity, OpportunityStep

    have = Opportunity.objects.open().count()
    if have >= n_open * 0.9:
        return
    wanted = n_open - have
    print(f"adding {wanted:,} open opportunities …", file=sys.stderr)
    started = time.monotonic()
    rng = random.Random(seed)
    sellers: dict[int, list[int]] = {}
    for grid_id, staff_id in GridMembership.objects.filter(
        role__in=(Role.ACCOUNT_MARKETER, Role.SALES_MARKETER)
    ).values_list("grid_id", "staff_id"):
        sellers.setdefault(grid_id, []).append(staff_id)
    pool = list(
        Customer.objects.filter(site__grid_id__in=list(sellers))
        .order_by("?")
        .values_list("id", "site_id", "site__grid_id")[: wanted + wanted // 5]
    )
    now = clock.now()
    stages = [s for s, share in OPEN_MIX for _ in range(int(share * 10))]
    batch = 5000
    for i in range(0, len(pool), batch):
        chunk = pool[i : i + batch]
        opps, plans = [], []
        for j, (customer_id, site_id, grid_id) in enumerate(chunk):
            lost = i + j >= wanted
            stage = "lost" if lost else rng.choice(stages)
            created = now - dt.timedelta(hours=rng.uniform(24, 85 * 24))
            reached = rng.randint(0, 3) if lost else LADDER.index(stage)
            moves, at = [], created
            for k in range(1, reached + 1):
                at += dt.timedelta(hours=rng.uniform(2, 72))
                moves.append((at, LADDER[k - 1], LADDER[k]))
            if lost:
                at += dt.timedelta(hours=rng.uniform(2, 72))
                moves.append((at, LADDER[reached], "lost"))
            kept = funnel.kept(
                funnel.FunnelRow(
                    created_at=created, stage=stage, moves=[(t, b) for t, _a, b in moves]
                )
            )
            stays = {Opportunity.STAY_COLUMNS[s]: h for s, h in kept.hours.items()}
            opps.append(
                Opportunity(
                    furthest_stage=kept.furthest,
                    **stays,
                    source="dispatch",
                    kind="new",
                    customer_id=customer_id,
                    site_id=site_id,
                    grid_id=grid_id,
                    stage=stage,
                    stage_since=at,
                    lost_reason=rng.choice(LOST_REASONS) if lost else "",
                    expected_monthly=rng.choice((30, 68, 99, 128)),
                    assignee_id=rng.choice(sellers[grid_id]),
                    dispatch="accepted",
                    created_at=created,
                    closed_at=at if lost else None,
                )
            )
            plans.append(moves)
        with transaction.atomic():
            Opportunity.objects.bulk_create(opps)
            steps = []
            for opp, moves in zip(opps, plans, strict=True):
                steps.append(OpportunityStep(opportunity=opp, kind="created", at=opp.created_at,
                                             to_stage="need", actor_name="bench"))  # fmt: skip
                steps += [
                    OpportunityStep(
                        opportunity=opp,
                        kind="stage",
                        at=at,
                        from_stage=a,
                        to_stage=b,
                        actor_name="bench",
                    )
                    for at, a, b in moves
                ]
            OpportunityStep.objects.bulk_create(steps, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"added in {time.monotonic() - started:.0f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000, help="open opportunities")
    parser.add_argument("--requests", type=int, default=20, help="timed runs per item")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers, False)
    _populate(args.open, args.seed)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

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
        .filter(grid_id=grid_id)
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
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    clients = {}
    for user in (boss, worker):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)

    def page(user: Any, url: str) -> Callable[[], Any]:
        def get() -> Any:
            response = clients[user.pk].get(url)
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
        (
            "funnel, one grid (selector)",
            functools.partial(selectors_funnel.funnel_for, user=boss, filters=grid_filter),
            300,
        ),
        ("funnel, one grid (page)", page(boss, f"{reverse('sales:funnel')}?grid={grid_id}"), 300),
        ("funnel, one grid (API)", page(boss, f"/api/sales/funnel?grid={grid_id}"), 300),
    ]
    with contextlib.suppress(NoReverseMatch):  # the board page may not be built yet
        items.insert(1, ("board (page)", page(boss, reverse("sales:board")), 100))
    in_grid = Opportunity.objects.filter(grid_id=grid_id)
    print(
        f"\n{'PostgreSQL' if connection.vendor == 'postgresql' else 'SQLite'}, "
        f"{Customer.objects.count():,} customers, {Opportunity.objects.open().count():,} open "
        f"opportunities ({in_grid.open().count():,} open, {in_grid.count():,} in all in the "
        f"busiest grid), {args.requests} warm runs each, {args.clock} ms ({url.split('@')[-1]})\n"
    )
    print("| item | p50 | p95 | goal |")
    print("|---|---|---|---|")
    for label, fn, goal in items:
        print(f"{label} …", file=sys.stderr)
        _, times = _harness.time_calls(fn, args.requests, clock)
        p95 = _harness.p95(times)
        mark = "" if p95 <= goal else " ✗"
        print(f"| {label} | {statistics.median(times):.0f} | {p95:.0f}{mark} | {goal:.0f} |")


def _period() -> dict[str, Any]:
    from wangge.sales.selectors_funnel import default_period

    start, end = default_period()
    return {"start": start, "end": end}


if __name__ == "__main__":
    main()
