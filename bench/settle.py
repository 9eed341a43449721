"""Benchmark: settle a month of commission (issue 12: 1M sales lines for 2,000 staff ≤ 60 s).

    .venv/bin/python bench/settle.py                           # 1,000,000 sales, 2,000 staff
    .venv/bin/python bench/settle.py --sales 100000 --staff 2000
    DATABASE_URL=postgres://… .venv/bin/python bench/settle.py

Builds (once, cached in `var/bench/settle-<sales>.sqlite3`) a county of `--staff` people in
grids of 20 (one manager each; the others sell, a tenth are technicians), one customer per
seller and `--sales` sales records in one month (70% broadband, 20% HD, 10% digital TV;
amounts 30–1,500 元; a tenth of broadband sales has an install work order), written in bulk:
this measures settlement, not the sales services. Policies: broadband 12% split seller 80% /
manager 10% / technician 5% with a tier at 200 units, agents' broadband a fixed 20 元 from
120 元, HD a fixed 5 元, digital TV 8%.

It then times `services_settle.compute` (read and calculate) and `write` (replace the
month's statements and lines) separately, runs the month a second time to show that a re-run
replaces the figures with identical ones, and prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = "2024-03"
DAY0 = dt.date(2024, 3, 1)


def _setup(n_sales: int, rebuild: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = ROOT / "var" / "bench" / f"settle-{n_sales}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("WANGGE_TASKS", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _build(n_sales: int, n_staff: int, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from wangge.core import clock
    from wangge.core.access import SYSTEM
    from wangge.crm.models import Customer, Product, Subscription, TariffPlan
    from wangge.org.models import Grid, GridMembership, Region, Staff
    from wangge.org.roles import Role
    from wangge.performance import services_settle
    from wangge.performance.models import CommissionPolicy, SalesRecord
    from wangge.service.models import OrderKind, WorkOrder
    from wangge.territory.models import Site

    User = get_user_model()
    if SalesRecord.objects.count() >= n_sales:
        return
    print(f"building {n_staff:,} staff and {n_sales:,} sales …", file=sys.stderr)
    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        region = Region.objects.create(code="BR", name="基准区域", kind=Region.Kind.TOWN)
        n_grids = max(1, n_staff // 20)
        grids = Grid.objects.bulk_create(
            [Grid(code=f"G{i:04d}", name=f"网格{i}", region=region) for i in range(n_grids)]
        )
        sites = Site.objects.bulk_create(
            [
                Site(
                    code=f"S{i:04d}",
                    kind=Site.Kind.values[0],
                    name=f"小区{i}",
                    address="地址",
                    lon=111.7 + i * 1e-3,
                    lat=27.2,
                    grid=g,
                )
                for i, g in enumerate(grids)
            ]
        )
        users = User.objects.bulk_create(
            [User(username=f"b{i:05d}", password="!") for i in range(n_staff)]
        )
        roles = []
        for i in range(n_staff):
            if i % 20 == 0:
                roles.append(Role.GRID_MANAGER)
            elif i % 10 == 1:
                roles.append(Role.TECHNICIAN)
            elif i % 10 == 2:
                roles.append(Role.AGENT)
            else:
                roles.append(Role.ACCOUNT_MARKETER)
        staff = Staff.objects.bulk_create(
            [
                Staff(
                    user=u,
                    name=f"员工{i}",
                    employee_no=f"E{i:05d}",
                    role=roles[i],
                    agency="门店" if roles[i] == Role.AGENT else "",
                )
                for i, u in enumerate(users)
            ]
        )
        GridMembership.objects.bulk_create(
            [
                GridMembership(
                    staff=s, grid=grids[i // 20 % n_grids], role=roles[i], is_primary=True
                )
                for i, s in enumerate(staff)
            ]
        )
        sellers = [
            (s, grids[i // 20 % n_grids], sites[i // 20 % n_grids])
            for i, s in enumerate(staff)
            if roles[i] in (Role.ACCOUNT_MARKETER, Role.AGENT)
        ]
        techs = {
            grids[i // 20 % n_grids].pk: s
            for i, s in enumerate(staff)
            if roles[i] == Role.TECHNICIAN
        }
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    kind=Customer.Kind.values[0],
                    name=f"客户{s.pk}",
                    site=site,
                    address="地址",
                    phone="",
                    relationship="existing",
                    owner=s,
                )
                for s, _g, site in sellers
            ]
        )
        product = Product.objects.create(code="BB", name="宽带", kind="broadband")
        plan = TariffPlan.objects.create(
            product=product, code="BB-1", name="宽带", monthly_price=Decimal("68.00")
        )
        subs = Subscription.objects.bulk_create(
            [
                Subscription(
                    customer=c,
                    plan=plan,
                    account_no=f"A{c.pk}",
                    started_on=DAY0,
                    monthly_fee=Decimal("68.00"),
                )
                for c in customers
            ]
        )
        # A tenth of the customers were installed by their grid's technician.
        WorkOrder.objects.bulk_create(
            [
                WorkOrder(
                    kind=OrderKind.INSTALL,
                    site_id=c.site_id,
                    grid_id=g.pk,
                    customer=c,
                    subscription=sub,
                    source="sale",
                    assignee=techs[g.pk],
                    due_at=clock.now(),
                )
                for (_s, g, _site), c, sub in zip(sellers, customers, subs, strict=True)
                if c.pk % 10 == 0 and g.pk in techs
            ]
        )
    policies = [
        dict(
            name="宽带",
            business_line="broadband",
            kind="rate",
            value=Decimal("0.12"),
            tiers=[{"min_units": 200, "value": "0.15"}],
            share_seller=Decimal("0.8"),
            share_manager=Decimal("0.1"),
            share_technician=Decimal("0.05"),
        ),
        dict(
            name="宽带代理",
            business_line="broadband",
            channel="agent",
            kind="fixed",
            value=Decimal("20"),
            min_amount=Decimal("120"),
            share_seller=Decimal(1),
            share_manager=Decimal(0),
            share_technician=Decimal(0),
        ),
        dict(
            name="高清",
            business_line="hd",
            kind="fixed",
            value=Decimal("5"),
            share_seller=Decimal(1),
            share_manager=Decimal(0),
            share_technician=Decimal(0),
        ),
        dict(
            name="数字电视",
            business_line="digital_tv",
            kind="rate",
            value=Decimal("0.08"),
            share_seller=Decimal(1),
            share_manager=Decimal(0),
            share_technician=Decimal(0),
        ),
    ]
    if not CommissionPolicy.objects.exists():
        for p in policies:
            services_settle.policy_create(actor=SYSTEM, effective_from=dt.date(2024, 1, 1), **p)
    lines = ["broadband"] * 7 + ["hd"] * 2 + ["digital_tv"]
    batch = 20000
    now = clock.now()
    for start in range(0, n_sales, batch):
        rows = []
        for i in range(start, min(start + batch, n_sales)):
            k = rng.randrange(len(sellers))
            s, g, _site = sellers[k]
            rows.append(
                SalesRecord(
                    reference=f"R{i:08d}",
                    sold_on=DAY0 + dt.timedelta(days=rng.randrange(31)),
                    customer=customers[k],
                    subscription=subs[k],
                    business_line=rng.choice(lines),
                    amount=Decimal(rng.randrange(3000, 150000)) / 100,
                    seller=s,
                    channel="agent" if s.role == Role.AGENT else "staff",
                    grid=g,
                    source="import",
                    created_at=now,
                )
            )
        SalesRecord.objects.bulk_create(rows)
        print(f"  {start + len(rows):,} sales", file=sys.stderr)
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = _setup(args.sales, args.rebuild)
    _build(args.sales, args.staff, args.seed)
    from wangge.performance import services_settle
    from wangge.performance.models import Settlement, StatementLine

    rows = []
    for run in (1, 2):
        t0, c0 = time.monotonic(), time.process_time()
        outcome = services_settle.compute(PERIOD)
        t1 = time.monotonic()
        settlement, _ = Settlement.objects.get_or_create(period=PERIOD)
        services_settle.write(settlement, outcome)
        t2, c2 = time.monotonic(), time.process_time()
        rows.append((run, t1 - t0, t2 - t1, t2 - t0, c2 - c0, len(outcome.result.lines), outcome))
    first, second = rows[0][6], rows[1][6]
    assert first.result.lines == second.result.lines, "a re-run gave different figures"
    engine = url.split(":", 1)[0]
    print(f"settle {PERIOD} on {engine}: {args.sales:,} sales, {args.staff:,} staff")
    # CPU seconds beside the wall clock: on a shared machine the wall clock also counts the
    # time the process waited for a core (and, for PostgreSQL, the server's share).
    print("| run | compute s | write s | total s | CPU s | lines | people | total 元 | capped |")
    print("|---|---|---|---|---|---|---|---|---|")
    for run, c, w, t, cpu, n, o in rows:
        print(
            f"| {run} | {c:.1f} | {w:.1f} | {t:.1f} | {cpu:.1f} | {n:,} | {len(o.totals):,} | "
            f"{o.total} | {o.result.capped_lines:,} |"
        )
    stored = StatementLine.objects.filter(statement__settlement__period=PERIOD).count()
    print(f"lines stored: {stored:,}")


if __name__ == "__main__":
    main()
