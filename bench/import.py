"""Benchmark: the Excel import pipeline on a 100,000-row estates file.

    .venv/bin/python bench/import.py                 # 100,000 rows, a throwaway SQLite file
    .venv/bin/python bench/import.py --rows 20000
    DATABASE_URL=postgres://… .venv/bin/python bench/import.py   # an empty PostgreSQL database

Builds a county of 30 grids with an active plan in a fresh database, writes an .xlsx of
estates in those grids (the seed's survey fields, phones and dates in mixed forms, a
title row), then times, as the market department:

* dry run: read + parse + validate every row + find existing + place in grids;
* commit: the same, then write every site, its plan assignment and its audit entry;
* re-import unchanged: every row found and compared, nothing written;
* re-import changed: every row updated (one column), audited.

Prints one Markdown table (seconds, rows/s) to stdout. Timing lives only here, not in tests.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_url: str | None) -> str:
    tmp = tempfile.mkdtemp(prefix="wangge-bench-")
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["WANGGE_TASKS"] = "immediate"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def _county(grids: int = 30) -> object:
    """A 6 x 5 block of square grids near 邵东, an active plan over them, a market admin."""
    import datetime as dt

    import shapely
    from shapely.geometry import mapping

    from wangge.org import services as org
    from wangge.org.roles import Role
    from wangge.territory import services

    region = org.region_create(actor=None, code="R1", name="两市塘街道")
    for i in range(grids):
        x, y = 111.60 + (i % 6) * 0.05, 27.10 + (i // 6) * 0.05
        org.grid_create(
            actor=None,
            code=f"G{i:02d}",
            name=f"网格{i}",
            region=region,
            boundary=mapping(shapely.box(x, y, x + 0.05, y + 0.05)),
        )
    plan = services.plan_snapshot_current(actor=None, name="现行")
    services.plan_activate(actor=None, plan=plan, effective_from=dt.date(2026, 1, 1))
    return org.staff_create(
        actor=None,
        username="bench_admin",
        password=None,
        name="市场部",
        employee_no="BENCH",
        role=Role.MARKET_ADMIN,
    ).user


def _sheet(rows: int, *, households_bump: int = 0) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("小区")
    ws.append(["2026 年小区摸底表"])
    ws.append(["编码", "小区名称", "详细地址", "总户数", "交房时间", "入住率", "物业公司",
               "物业联系人", "物业联系电话", "经度", "纬度", "覆盖户数", "空闲端口"])  # fmt: skip
    phones = ["138-0013-{:04d}", "+86 139 0013 {:04d}", "1370013{:04d}"]
    dates = ["2019-06-{:02d}", "2019/06/{:02d}", "2019年6月{:02d}日"]
    for i in range(rows):
        ws.append(
            [
                f"XQ{i:06d}",
                f"小区{i}",
                f"两市塘街道第 {i % 977} 路 {i} 号",
                100 + i % 500 + households_bump,
                dates[i % 3].format(1 + i % 28),
                f"{60 + i % 40}%",
                "宏达物业",
                "王经理",
                phones[i % 3].format(i % 10000),
                111.6001 + (i % 3000) * 0.0001,
                27.1001 + (i // 3000) * 0.0007,
                80,
                i % 50,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    db = _setup(
        os.environ.get("DATABASE_URL") if "postgres" in os.environ.get("DATABASE_URL", "") else None
    )
    from wangge.core.imports import get_spec
    from wangge.core.imports.pipeline import run_import
    from wangge.core.models import AuditEntry
    from wangge.territory.models import Site, SiteAssignment

    admin = _county()
    spec = get_spec("estates")
    t = time.perf_counter()
    data = _sheet(args.rows)
    build_s = time.perf_counter() - t
    print(
        f"database: {db.split('@')[-1]}; file: {len(data) / 1e6:.1f} MB, built in {build_s:.1f} s",
        file=sys.stderr,
    )

    results = []

    def timed(label: str, payload: bytes, commit: bool) -> None:
        t0 = time.perf_counter()
        report = run_import(spec, admin, payload, commit=commit)
        seconds = time.perf_counter() - t0
        assert not report.errors, report.errors[:5]
        results.append((label, report, seconds))
        print(f"{label}: {seconds:.1f} s", file=sys.stderr)

    timed("dry run", data, commit=False)
    timed("commit (create)", data, commit=True)
    timed("re-import unchanged (dry run)", data, commit=False)
    timed("re-import changed (commit)", _sheet(args.rows, households_bump=1), commit=True)
    sites = Site.objects.filter(kind="estate").count()
    placed = Site.objects.filter(kind="estate", grid__isnull=False).count()
    audits = AuditEntry.objects.filter(content_type__model="site").count()
    print(
        f"\n{args.rows:,} estate rows · {sites:,} estates in the database, {placed:,} placed in "
        f"a grid · {SiteAssignment.objects.count():,} plan assignments · "
        f"{audits:,} site audit entries\n"
    )
    print("| run | rows | created | updated | unchanged | seconds | rows/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r, seconds in results:
        print(f"| {label} | {r.rows:,} | {r.created:,} | {r.updated:,} | {r.unchanged:,} | "
              f"{seconds:.1f} | {r.rows / seconds:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
