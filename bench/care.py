"""Benchmark: the care engine over a county of N customers.

    .venv/bin/python bench/care.py                          # 1M customers, 1M contacts
    .venv/bin/python bench/care.py --customers 205000 --contacts 200000

Uses the county `bench/pages.py` builds (and caches under `var/bench/`), adds `--contacts`
recorded contacts (calls and messages, in bulk: this measures the engine, not the services)
spread over the last 60 days, and a rule that keeps every subscriber (`bench: 每月联系`:
a call or message every 30 days), so the engine works on every subscriber besides the seed's two
rules (gold customers, new group customers). Then it times:

* `engine.refresh()`: the nightly run, every rule over every customer, replacing `CareDue`
  and counting them again into `CareCount` (goal, issue 10: ≤ 60 s for 1M customers on
  SQLite and PostgreSQL), and that last count alone;
* `engine.refresh(customer_ids=[…])`: what recording one contact costs (p50/p95 in ms);
* `engine.due_rows(as_of=…, grid_id=…)`: the CLI's `care due --grid` for the busiest grid.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from typing import Any

import _cpu
import _harness

ROOT = _harness.ROOT

RULE = "bench: 每月联系"


def _populate(n_contacts: int, seed: int) -> None:
    from django.db import connection, transaction

    from wangge.core import clock
    from wangge.crm.models import Customer
    from wangge.retention.models import CareRule, Contact

    CareRule.objects.get_or_create(
        name=RULE,
        defaults={"mode": "every", "period_days": 30, "contact_kinds": ["phone", "message"]},
    )
    have = Contact.objects.count()
    if have >= n_contacts * 0.9:
        return
    wanted = n_contacts - have
    print(f"adding {wanted:,} contacts …", file=sys.stderr)
    started = time.monotonic()
    rng = random.Random(seed)
    pool = list(
        Customer.objects.filter(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS).values_list(
            "id", "owner_id", "site__grid_id"
        )
    )
    now = clock.now()
    table = connection.ops.quote_name(Contact._meta.db_table)
    sql = (
        f"INSERT INTO {table} (customer_id, staff_id, grid_id, kind, at, note)"
        " VALUES (%s, %s, %s, %s, %s, '')"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for _i in range(wanted):
            cid, owner, grid = rng.choice(pool)
            at = adapt(now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60)))
            rows.append((cid, owner, grid, "phone" if rng.random() < 0.7 else "message", at))
            if len(rows) == 20000:
                cursor.executemany(sql, rows)
                rows.clear()
        cursor.executemany(sql, rows)
    print(f"added in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _ms(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.1f} ms, p95 {_harness.p95(samples):.1f} ms"


def _timed(fn: Any) -> tuple[Any, float, float]:
    """`fn()`, its wall seconds and CPU seconds: this process's (on SQLite the database's
    too) plus, on PostgreSQL, its backend's (`_cpu`)."""
    cpu_clock = _cpu.clock("cpu")
    wall, cpu = time.perf_counter(), cpu_clock()
    result = fn()
    return result, time.perf_counter() - wall, cpu_clock() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=None, help="default: = --customers")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    url = _harness.setup_county(args.customers, args.rebuild)
    _populate(args.contacts if args.contacts is not None else args.customers, args.seed)

    from django.db import connection
    from django.db.models import Count

    from wangge.core import clock
    from wangge.crm.models import Customer
    from wangge.retention import engine
    from wangge.retention.models import CareDue, Contact
    from wangge.sales.models import Visit

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {url.split('@')[-1]}", file=sys.stderr)
    sizes = {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "visits": Visit.objects.count(),
    }
    print("| " + " | ".join(f"{k} {v:,}" for k, v in sizes.items()) + " |")
    print(_harness.machine_line())
    full, full_cpu = [], []
    written = 0
    for _run in range(args.runs):
        written, wall, cpu = _timed(engine.refresh)
        full.append(wall)
        full_cpu.append(cpu)
    per_rule = dict(
        CareDue.objects.values_list("rule__name").annotate(n=Count("id")).order_by("rule__name")
    )
    print(f"refresh (nightly): wall {min(full):.1f} s best, {max(full):.1f} s worst;"
          f" cpu {min(full_cpu):.1f} s best, {max(full_cpu):.1f} s worst of {args.runs};"
          f" {written:,} care items {per_rule}")  # fmt: skip
    counted, wall, cpu = _timed(engine.counts_recount)
    print(f"of it, counting the items again (CareCount, {counted:,} rows): wall {wall:.2f} s,"
          f" cpu {cpu:.2f} s")  # fmt: skip
    ids = iter(CareDue.objects.order_by("?").values_list("customer_id", flat=True)[:60])
    for name in ("wall", "cpu"):
        _first, one = _harness.time_calls(
            lambda: engine.refresh(customer_ids=[next(ids)]), 25, _cpu.clock(name)
        )
        print(f"refresh one customer (after a contact), {name}: {_ms(one)}")
    busiest = CareDue.objects.values("grid_id").annotate(n=Count("id")).order_by("-n").first() or {}
    rows, wall, cpu = _timed(
        lambda: engine.due_rows(as_of=clock.today(), grid_id=busiest.get("grid_id"))
    )
    print(f"care due --grid (busiest, {len(rows):,} rows): wall {wall:.2f} s, cpu {cpu:.2f} s")
    print(_harness.machine_line())


if __name__ == "__main__":
    main()
