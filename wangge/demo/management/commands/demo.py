"""`wangge demo`: fill an empty database with the seeded demo county of 邵东市."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Q

from wangge.core.models import AuditEntry
from wangge.demo import county as demo
from wangge.demo.load import load_county
from wangge.demo.load_crm import load_crm, reset_crm
from wangge.demo.load_frontier import load_frontier
from wangge.demo.load_infobase import load_infobase
from wangge.demo.load_insights import load_insights, reset_insights
from wangge.demo.load_performance_sales import load_performance_sales, reset_performance_sales
from wangge.demo.load_performance_settle import (
    load_performance_settle,
    reset_performance_settle,
)
from wangge.demo.load_performance_targets import (
    load_performance_targets,
    reset_performance_targets,
)
from wangge.demo.load_potential import load_potential
from wangge.demo.load_retention import load_retention, reset_retention
from wangge.demo.load_sales import load_sales, reset_sales
from wangge.demo.load_service_assets import load_service_assets, reset_service_assets
from wangge.demo.load_service_orders import load_service_orders, reset_service_orders
from wangge.demo.load_territory import load_territory
from wangge.demo.load_worklog import load_worklog, reset_worklog
from wangge.org.models import (
    Department,
    Grid,
    GridMembership,
    Region,
    ServicePoint,
    Staff,
    Team,
    TeamMembership,
    User,
)
from wangge.org.roles import Role
from wangge.territory.models import GridPlan, ServiceArea, Site

ORG_MODELS = (Department, Region, ServicePoint, Grid, Staff, Team)
#: About how many customers the county holds at `--crm-scale 1` (the default seed).
CUSTOMERS_AT_SCALE_1 = 205_000
MAX_CUSTOMERS = 5_000_000


class Command(BaseCommand):
    help = "生成可复现的演示县（邵东市）：区域、网格、人员、团队和演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子")
        parser.add_argument("--grids", type=int, default=demo.DEFAULT_GRIDS, help="网格数量")
        parser.add_argument(
            "--reset", action="store_true", help="先删除现有的组织数据和审计记录，再生成"
        )
        parser.add_argument(
            "--crm-scale",
            type=float,
            default=1.0,
            help="客户数据规模（1 = 约 20 万客户；测试用小值）",
        )
        parser.add_argument(
            "--sales-scale",
            type=float,
            default=None,
            help="增量营销（商机、拜访）规模，0 到 1（默认同 --crm-scale，最大 1）",
        )
        parser.add_argument(
            "--no-work",
            action="store_true",
            help="只生成组织、区域和客户，不生成各业务应用的一个月工作（测试用）",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=None,
            help="约多少客户（代替 --crm-scale；基准测试用，如 1000000）",
        )

    def handle(
        self,
        *args: Any,
        seed: int,
        grids: int,
        reset: bool,
        crm_scale: float,
        customers: int | None = None,
        sales_scale: float | None = None,
        no_work: bool = False,
        **options: Any,
    ) -> None:
        if not 1 <= grids <= demo.MAX_GRIDS:
            raise CommandError(f"--grids 必须在 1 到 {demo.MAX_GRIDS} 之间。")
        if customers is not None:
            if not 0 < customers <= MAX_CUSTOMERS:
                raise CommandError(f"--customers 必须在 1 到 {MAX_CUSTOMERS} 之间。")
            crm_scale = customers / CUSTOMERS_AT_SCALE_1
        started = time.monotonic()
        county = demo.generate(seed=seed, grids=grids)
        usernames = [s.username for s in county.staff]
        if not reset and _existing(usernames):
            # Not an error: `make demo` is re-run on databases that already hold the demo.
            self.stdout.write(
                "数据库中已有组织数据（或同名账号），未做任何修改。要重新生成请加 --reset。"
            )
            self.stdout.write(_table(county.logins))
            return
        with transaction.atomic():
            if reset:
                _reset(usernames)
            counts = load_county(county)
            counts.update(load_territory(seed))
            counts.update(load_crm(seed, scale=crm_scale))
            _analyze()
            if not no_work:
                counts.update(_load_work(seed, crm_scale, sales_scale))
        elapsed = time.monotonic() - started
        summary = "，".join(f"{name} {n}" for name, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已生成（种子 {seed}，{elapsed:.1f} 秒）：{summary}")
        )
        self.stdout.write(_table(county.logins))


def _load_work(seed: int, crm_scale: float, sales_scale: float | None) -> dict[str, int]:
    """Each work app's month, in the order they hear each other (a won sale opens its
    install; the worklog reads everyone's day)."""
    counts: dict[str, int] = {}
    counts.update(load_sales(seed, scale=crm_scale if sales_scale is None else sales_scale))
    counts.update(load_service_orders(seed, scale=1.0 if sales_scale is None else sales_scale))
    counts.update(load_service_assets(seed, scale=crm_scale))
    # The worklog loader reads every app's day activity per person and day: planned
    # on empty-table statistics, PostgreSQL walked every asset per query (1.5 s each).
    _analyze()
    counts.update(load_retention(seed, scale=crm_scale))
    counts.update(load_worklog(seed))
    counts.update(load_performance_sales(seed, scale=crm_scale))
    counts.update(load_performance_settle(seed))
    counts.update(load_performance_targets(seed))
    counts.update(load_infobase(seed))
    counts.update(load_potential())
    # Last: the figures' month of snapshots reads every app's records.
    counts.update(load_insights())
    counts.update(load_frontier(seed))
    return counts


def _analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk load: planning the growth loader's
    queries on tables it still believes empty chose nested loops that took minutes.
    (SQLite plans without statistics; ANALYZE there would only cost time.)"""
    if connection.vendor == "postgresql":
        # The project's own tables only: a bare ANALYZE also takes the cluster's shared
        # catalogs and, inside a transaction, holds them until it ends, so a second
        # database's load (a parallel test worker) waited for the first one's.
        tables = ", ".join(
            connection.ops.quote_name(t) for t in connection.introspection.table_names()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


def _existing(usernames: list[str]) -> bool:
    return any(m.objects.exists() for m in ORG_MODELS) or (
        User.objects.filter(username__in=usernames).exists()
    )


def _reset(usernames: list[str]) -> None:
    """Delete the organisation, its logins and the audit log, children before parents.

    Logins that merely share a demo username go too, or loading would trip over them.
    """
    reset_insights()
    reset_performance_targets()
    reset_performance_settle()
    reset_performance_sales()
    reset_worklog()
    reset_retention()
    reset_service_assets()
    reset_service_orders()
    reset_sales()
    reset_crm()
    logins = User.objects.filter(Q(staff__isnull=False) | Q(username__in=usernames))
    users = list(logins.values_list("pk", flat=True))
    GridPlan.objects.all().delete()
    Site.objects.all().delete()
    ServiceArea.objects.all().delete()
    TeamMembership.objects.all().delete()
    Team.objects.all().delete()
    GridMembership.objects.all().delete()
    Staff.objects.all().delete()
    User.objects.filter(pk__in=users).delete()
    Grid.objects.all().delete()
    ServicePoint.objects.all().delete()
    Region.objects.all().delete()
    Department.objects.all().delete()
    AuditEntry.objects.all().delete()


def _table(logins: tuple[demo.Login, ...]) -> str:
    rows = [("用户名", "密码", "角色", "网格")]
    rows += [
        (x.username, demo.DEMO_PASSWORD, str(Role(x.role).label), x.grid or "—") for x in logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
