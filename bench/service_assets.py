"""Benchmark: the asset register and inspection lists at a province's scale.

    .venv/bin/python bench/service_assets.py                       # 100k assets, 600k inspections
    .venv/bin/python bench/service_assets.py --assets 20000 --history 3

Builds a small demo county (cached under `var/bench/service-assets.sqlite3`, or the
PostgreSQL of `DATABASE_URL`), then adds `--assets` assets spread over its sites and, per
asset, `--history` past monthly inspections and one open task, in bulk (this measures
reads; the services' rules are the tests' business). It times, for the market department,
the grid manager of the busiest grid and that grid's technician: the asset list (page, API,
map layer), the inspection lists ("my inspections today", the grid's open ones, the API)
and the coverage page, and prints p50/p95 in ms. Goal: list p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

import _cpu
import _harness

ROOT = _harness.ROOT
KINDS = ("building_switch", "onu", "splitter", "optical_receiver", "duct", "odf", "pipe")


def _setup() -> str:
    """Its own small county (a dozen grids): the assets and inspections are what grows."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = ROOT / "var" / "bench" / "service-assets.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    _harness.django_setup(url)
    from django.core.management import call_command

    from wangge.territory.models import Site

    if not Site.objects.exists():
        print("building a demo county …", file=sys.stderr)
        call_command("demo", grids=12, crm_scale=0.02, sales_scale=0.02, stdout=sys.stderr)
    return url


def _populate(n_assets: int, history: int, seed: int) -> None:
    from django.db import transaction

    from wangge.core import clock
    from wangge.service.models import Asset, Inspection
    from wangge.service.services.inspections import grid_technicians
    from wangge.territory.models import Site

    have = Asset.objects.count()
    if have >= n_assets * 0.9:
        return
    wanted = n_assets - have
    print(f"adding {wanted:,} assets with {history} inspections each …", file=sys.stderr)
    started = time.monotonic()
    rng = random.Random(seed)
    sites = list(Site.objects.filter(grid__isnull=False).values_list("id", "grid_id", "lon", "lat"))
    techs = grid_technicians()
    today = clock.today()
    # Numbered on from the bench's earlier assets: a load stopped half-way can be topped up.
    first = Asset.objects.filter(code__startswith="BENCH-").count()
    batch = 5000
    for at in range(0, wanted, batch):
        assets = []
        for n in range(at, min(at + batch, wanted)):
            site_id, grid_id, lon, lat = rng.choice(sites)
            total = rng.choice((0, 8, 24, 48))
            assets.append(
                Asset(
                    code=f"BENCH-{first + n:07d}",
                    kind=rng.choice(KINDS),
                    site_id=site_id,
                    grid_id=grid_id,
                    lon=lon,
                    lat=lat,
                    ports_total=total,
                    ports_used=rng.randint(0, total),
                    covered_households=rng.randint(0, 60),
                    last_inspected_on=today - dt.timedelta(days=rng.randint(1, 30)),
                )
            )
        grid_of = {s[0]: s[1] for s in sites}
        with transaction.atomic():
            Asset.objects.bulk_create(assets, batch_size=1000)
            rows = []
            for a in assets:
                grid_id = grid_of[a.site_id]
                for k in range(history, 0, -1):
                    due = today - dt.timedelta(days=30 * k + rng.randint(0, 5))
                    rows.append(Inspection(asset=a, grid_id=grid_id, assignee_id=techs.get(grid_id),
                                           due_on=due, done_on=due, finding="ok",
                                           created_on=due))  # fmt: skip
                rows.append(Inspection(asset=a, grid_id=grid_id, assignee_id=techs.get(grid_id),
                                       due_on=today + dt.timedelta(days=rng.randint(-3, 7)),
                                       created_on=today))  # fmt: skip
            Inspection.objects.bulk_create(rows, batch_size=2000)
    _harness.analyze()
    print(f"added in {time.monotonic() - started:.0f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=5, help="past inspections per asset")
    parser.add_argument("--requests", type=int, default=20, help="timed runs per item")
    parser.add_argument("--seed", type=int, default=11)
    _harness.add_clock_argument(parser)
    args = parser.parse_args(argv)

    url = _setup()
    _populate(args.assets, args.history, args.seed)

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from wangge.org.models import GridMembership, Staff
    from wangge.org.roles import Role
    from wangge.service.models import Asset, Inspection

    busiest = Asset.objects.values("grid_id").annotate(n=Count("id")).order_by("-n").first()
    assert busiest is not None, "no assets"
    grid_id = busiest["grid_id"]
    people = {
        "market": Staff.objects.filter(role=Role.MARKET_ADMIN).first(),
        "manager": Staff.objects.filter(
            memberships__grid_id=grid_id, memberships__role=Role.GRID_MANAGER
        ).first(),
        "technician": Staff.objects.filter(
            pk__in=GridMembership.objects.filter(grid_id=grid_id, role=Role.TECHNICIAN).values(
                "staff_id"
            )
        ).first(),
    }
    clock, clock_label = _cpu.clock(args.clock), _cpu.describe(args.clock)
    assets_url = reverse("service:asset_list")
    insp_url = reverse("service:inspection_list")
    pages: list[tuple[str, str, str]] = [
        ("market", "asset list", assets_url),
        ("market", "asset list ?kind=onu&free=1", assets_url + "?kind=onu&free=1"),
        ("market", "API assets", "/api/service/assets"),
        ("market", "inspections, overdue", insp_url + "?status=overdue"),
        ("market", "API inspections ?status=open", "/api/service/inspections?status=open"),
        ("market", "coverage", reverse("service:coverage")),
        ("manager", "asset list", assets_url),
        ("manager", "map layer (grid)", reverse("service:asset_geojson") + f"?grid={grid_id}"),
        ("manager", "inspections, open", insp_url + "?status=open"),
        ("manager", "API inspections ?status=open", "/api/service/inspections?status=open"),
        ("manager", "coverage", reverse("service:coverage")),
        ("technician", "my inspections today", insp_url),
        ("technician", "asset list", assets_url),
        ("technician", "API inspections ?mine", "/api/service/inspections?mine=true&status=open"),
    ]
    in_grid = Asset.objects.filter(grid_id=grid_id).count()
    print(
        f"\n{_harness.machine_line()}; "
        f"{Asset.objects.count():,} assets ({in_grid:,} in the busiest grid), "
        f"{Inspection.objects.count():,} inspections, {args.requests} warm runs each, "
        f"{clock_label} ({url.split('@')[-1]})\n"
    )
    from config.warm import settle

    settle()
    print("| who | page | p50 / p95 |")
    print("|---|---|---|")
    clients: dict[str, Client] = {}
    for who, label, target in pages:
        person = people[who]
        if person is None:
            print(f"| {who} | {label} | (nobody) |")
            continue
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(person.user)
        client = clients[who]

        def get(client: Client = client, target: str = target) -> None:
            response = client.get(target)
            assert response.status_code == 200, (target, response.status_code)

        print(f"{who} {label} …", file=sys.stderr)
        _, times = _harness.time_calls(get, args.requests, clock)
        print(f"| {who} | {label} | {_harness.cell(times, 100)} |")


if __name__ == "__main__":
    main()
