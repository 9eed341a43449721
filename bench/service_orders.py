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
import contextlib
import functools
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import _cpu
import _harness

ROOT = _harness.ROOT


KINDS = (("install", 30), ("repair", 40), ("complaint", 10), ("consultation", 10),
         ("relocation", 6), ("removal", 4))  # fmt: skip
HOURS = {"install": 48, "repair": 24, "complaint": 2, "consultation": 4, "relocation": 27,
         "removal": 18}  # fmt: skip
OPEN_SHARE = 0.1
OPEN_STATES = ("assigned", "accepted", "on_site")


@contextlib.contextmanager
def _indexes_set_aside(table: str) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk load and build them again after it:
    half a million rows inserted into a dozen indexes at random places (customer, site,
    deadline) crawl on a cold cache; an index built once from the finished table is a sort.
    The unique indexes (code, idempotency key) stay: they hold the load to the rules."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint) "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in found:
                cursor.execute(sql)


def _row_writer(
    template: Any, varying: tuple[str, ...]
) -> tuple[str, Callable[..., tuple[Any, ...]]]:
    """An INSERT of every column of `template`'s model and a function turning the `varying`
    columns' values into its parameters, the others taken from `template` (the model's
    defaults): plain tuples, no model instance per row."""
    from django.db import connection, models

    fields = [f for f in template._meta.concrete_fields if not f.primary_key]
    prepared = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    slots = [next(i for i, f in enumerate(fields) if f.attname == name) for name in varying]
    dated = {i for i in slots if isinstance(fields[i], models.DateTimeField)}
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(template._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )

    def row(*values: Any) -> tuple[Any, ...]:
        out = list(prepared)
        for i, value in zip(slots, values, strict=True):
            if i in dated and value is not None:
                value = fields[i].get_db_prep_save(value, connection)
            out[i] = value
        return tuple(out)

    return sql, row


VARYING = ("code", "kind", "customer_id", "site_id", "grid_id", "source", "state",
           "state_since", "assignee_id", "created_at", "sla_measure", "due_at", "accepted_at",
           "done_at", "closed_at", "met_at", "on_time", "result")  # fmt: skip


def _populate(n_orders: int, seed: int) -> None:
    import datetime as dt

    from django.db import connection, transaction

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
    next_code = (WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    sql, row = _row_writer(WorkOrder(due_at=now), VARYING)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB while loading
    batch = 20000
    with _indexes_set_aside(WorkOrder._meta.db_table):
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
                state = rng.choice(OPEN_STATES) if is_open else "closed"
                accepted = met = on_time = None
                result = ""
                if not is_open:
                    met = created + dt.timedelta(hours=rng.uniform(0.2, HOURS[kind] * 1.3))
                    accepted = created + dt.timedelta(minutes=20)
                    on_time, result = met <= due, "完成"
                values = (f"GD{next_code:08d}", kind, customer_id, site_id, grid_id, "call",
                          state, created, techs[grid_id], created, measure, due, accepted, met,
                          met, met, on_time, result)  # fmt: skip
                rows.append(row(*values))
                next_code += 1
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        print(f"rows written in {time.monotonic() - started:.0f} s; indexing …", file=sys.stderr)
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
    clock, clock_label = _cpu.clock(args.clock), _cpu.describe(args.clock)
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
        f"{args.requests} warm runs each, {clock_label} ({url.split('@')[-1]})\n"
    )
    from config.warm import settle

    settle()
    print("| item | p50 / p95 | goal |")
    print("|---|---|---|")
    for label, fn, goal in items:
        print(f"{label} …", file=sys.stderr)
        _, times = _harness.time_calls(fn, args.requests, clock)
        print(f"| {label} | {_harness.cell(times, goal)} | {goal:.0f} |")


if __name__ == "__main__":
    main()
