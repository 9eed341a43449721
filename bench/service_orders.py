"""Benchmark: the manager's work-order board, the technician's list and the SLA dashboard
with many work orders.

    .venv/bin/python bench/service_orders.py                                 # 500k orders
    .venv/bin/python bench/service_orders.py --customers 50000 --orders 100000

Uses the county `bench/pages.py` builds (and caches under `var/bench/`), then brings it up
to `--orders` work orders spread over the county's customers and a year, most of them
finished long ago (closed), a tenth still open (some overdue), each grid's technician
holding its grid's. They are written in bulk, not through the services: this measures
reads. Then, for the manager of the busiest grid and its technician, it times the board
(selector and page), the technician's list (selector and page) and the SLA dashboard of the
last three months (the manager's grids and the whole county), and prints p50/p95 in ms.
Goals (issue 11): board and technician's list p95 ≤ 100 ms, the SLA dashboard ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import _harness

ROOT = _harness.ROOT


KINDS = (("install", 30), ("repair", 40), ("complaint", 10), ("consultation", 10),
         ("relocation", 6), ("removal", 4))  # fmt: skip
HOURS = {"install": 48, "repair": 24, "complaint": 2, "consultation": 4, "relocation": 27,
         "removal": 18}  # fmt: skip
OPEN_SHARE = 0.1
OPEN_STATES = ("assigned", "accepted", "on_site")


def _populate(n_orders: int, seed: int) -> None:
    import datetime as dt

    from django.db import transaction

    from wangge.core import clock
    from wangge.crm.models import Customer
    from wangge.org.models import GridMembership
    from wangge.org.roles import Role
    from wangge.service.models import WorkOrder
    from wangge.service.services.sla_days import sla_days_rebuild

    have = WorkOrder.objects.count()
    if have >= n_orders * 0.9:
        return
    wanted = n_orders - have
    print(f"adding {wanted:,} work orders …", file=sys.stderr)
    started = time.monotonic()
    rng = random.Random(seed)
    techs: dict[int, int] = {}
    for grid_id, staff_id in (
        GridMembership.objects.filter(role=Role.TECHNICIAN)
        .order_by("-is_primary", "since", "staff__employee_no")
        .values_list("grid_id", "staff_id")
    ):
        techs.setdefault(grid_id, staff_id)
    pool = list(
        Customer.objects.filter(site__grid_id__in=list(techs)).values_list(
            "id", "site_id", "site__grid_id"
        )
    )
    kinds = [k for k, w in KINDS for _ in range(w)]
    now = clock.now()
    batch = 5000
    next_code = (WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    for i in range(0, wanted, batch):
        rows = []
        for _ in range(min(batch, wanted - i)):
            customer_id, site_id, grid_id = rng.choice(pool)
            kind = rng.choice(kinds)
            is_open = rng.random() < OPEN_SHARE
            created = now - dt.timedelta(
                hours=rng.uniform(0.5, 96) if is_open else rng.uniform(96, 365 * 24)
            )
            due = created + dt.timedelta(hours=HOURS[kind])
            measure = "response" if kind in ("complaint", "consultation") else "done"
            row = WorkOrder(
                code=f"GD{next_code:08d}",
                kind=kind,
                customer_id=customer_id,
                site_id=site_id,
                grid_id=grid_id,
                source="call",
                state=rng.choice(OPEN_STATES) if is_open else "closed",
                state_since=created,
                assignee_id=techs[grid_id],
                created_at=created,
                sla_measure=measure,
                due_at=due,
            )
            next_code += 1
            if not is_open:
                met = created + dt.timedelta(hours=rng.uniform(0.2, HOURS[kind] * 1.3))
                row.accepted_at = created + dt.timedelta(minutes=20)
                row.done_at = row.closed_at = met
                row.met_at, row.on_time = met, met <= due
                row.result = "完成"
            rows.append(row)
        with transaction.atomic():
            WorkOrder.objects.bulk_create(rows, batch_size=1000)
    # Written past the services: the SLA summary is recounted as the nightly job does.
    sla_days_rebuild()
    _harness.analyze()
    print(f"added in {time.monotonic() - started:.0f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=20, help="timed runs per item")
    parser.add_argument("--seed", type=int, default=11)
    _harness.add_clock_argument(parser)
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers, False)
    _populate(args.orders, args.seed)

    import datetime as dt

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from wangge.core import clock as app_clock
    from wangge.org.models import GridMembership, User
    from wangge.org.roles import Role
    from wangge.service import selectors_orders as selectors
    from wangge.service.models import WorkOrder

    busiest = (
        WorkOrder.objects.open().values("grid_id").annotate(n=Count("id")).order_by("-n").first()
    )
    assert busiest is not None, "no open work orders"
    grid_id = busiest["grid_id"]
    manager = GridMembership.objects.filter(grid_id=grid_id, role=Role.GRID_MANAGER).first()
    tech_id = (
        WorkOrder.objects.open()
        .filter(grid_id=grid_id)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert manager is not None and tech_id is not None
    boss = manager.staff.user
    tech = User.objects.get(staff__id=tech_id["assignee_id"])
    admin = User.objects.filter(staff__role=Role.MARKET_ADMIN).first()
    clock = _harness.clock_of(args.clock)
    clients = {}
    for user in (boss, tech, admin):
        if user is not None:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)

    def page(user: Any, url: str) -> Callable[[], Any]:
        def get() -> Any:
            response = clients[user.pk].get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    today = app_clock.today()
    since = (today.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
    items: list[tuple[str, Callable[[], Any], float]] = [
        ("board (selector)", functools.partial(selectors.board, user=boss, grid_id=grid_id), 100),
        ("board (page)", page(boss, reverse("service:board")), 100),
        (
            "technician's list (selector)",
            functools.partial(selectors.technician_list, user=tech, staff_id=tech.staff.pk),
            100,
        ),
        ("technician's list (page)", page(tech, reverse("service:my_orders")), 100),
        (
            "SLA dashboard, manager (selector)",
            functools.partial(selectors.sla_dashboard, user=boss, since=since, until=today),
            300,
        ),
        ("SLA dashboard, manager (page)", page(boss, reverse("service:sla_dashboard")), 300),
    ]
    if admin is not None:
        items += [
            (
                "SLA dashboard, county (selector)",
                functools.partial(selectors.sla_dashboard, user=admin, since=since, until=today),
                300,
            ),
            ("SLA dashboard, county (page)", page(admin, reverse("service:sla_dashboard")), 300),
        ]
    in_grid = WorkOrder.objects.filter(grid_id=grid_id)
    print(
        f"\n{_harness.machine_line()}; "
        f"{WorkOrder.objects.count():,} work orders ({WorkOrder.objects.open().count():,} open; "
        f"{in_grid.open().count():,} open, {in_grid.count():,} in all in the busiest grid), "
        f"{args.requests} warm runs each, {args.clock} ms ({url.split('@')[-1]})\n"
    )
    print("| item | p50 / p95 | goal |")
    print("|---|---|---|")
    for label, fn, goal in items:
        print(f"{label} …", file=sys.stderr)
        _, times = _harness.time_calls(fn, args.requests, clock)
        print(f"| {label} | {_harness.cell(times, goal)} | {goal:.0f} |")


if __name__ == "__main__":
    main()
