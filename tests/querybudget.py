"""Every list page and list endpoint, found by walking the routes, and a query-budget check.

`list_pages()` finds the list pages (every `ListView` route, plus the function views named
in `FUNCTION_LIST_PAGES`), `api_lists()` the API's list operations (GETs without a path
parameter answering a page `{count, items}` or an array). A new list is then tested
without anyone adding it by hand.

`assert_flat(client, url, grow)` is the budget: it counts the queries of one request, lets
`grow` add rows (twice as many again), and expects exactly as many queries; a list that
costs a query per row fails with both query lists printed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic import ListView

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.core.models import ExportJob, ImportJob
from wangge.crm import services as crm_services
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Note,
    Organization,
    Subscription,
)
from wangge.org import services as org_services
from wangge.org.roles import Role
from wangge.territory.models import GridPlan, Site

#: List pages written as functions (not `ListView`s): URL names.
FUNCTION_LIST_PAGES = ("crm:catalogue", "territory:plan_list", "core:import_list")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", p


def list_pages() -> list[str]:
    """URL names of every list page: class-based `ListView`s found in the URL conf, and
    the function views listed above."""
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if (
            view_class is not None
            and issubclass(view_class, ListView)
            and not pattern.pattern.converters
        ):
            found.append(name)
    return sorted(set(found) | set(FUNCTION_LIST_PAGES))


def api_lists() -> list[str]:
    """Paths (under /api) of every list operation in the OpenAPI schema."""
    from config.api import api

    schema = api.get_openapi_schema()
    paths = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None or "{" in path:
            continue
        ok = op["responses"].get(200) or op["responses"].get("200") or {}
        body = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in body:
            name = body["$ref"].rsplit("/", 1)[-1]
            body = schema["components"]["schemas"][name]
        props = body.get("properties", {})
        if body.get("type") == "array" or {"count", "items"} <= set(props):
            paths.append(path)
    return sorted(paths)


def captured(client: Client, url: str) -> list[str]:
    """The SQL of one GET of `url` (after a first one that warms caches and the session)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return [q["sql"] for q in ctx.captured_queries]


def assert_flat(client: Client, url: str, grow: Callable[[int], None], n: int = 4) -> None:
    """`url` costs as many queries with n rows of everything as with 3n."""
    grow(n)
    few = captured(client, url)
    grow(2 * n)
    many = captured(client, url)
    assert len(many) == len(few), (
        f"{url}: {len(few)} queries with {n} rows each, {len(many)} with {3 * n}:\n"
        + "\n".join(many)
    )


_seq = itertools.count(1)


def grower(crm: CrmWorld) -> Callable[[int], None]:
    """A function adding `n` rows of every listed kind, in both grids, visible to every
    persona (owned by each of them where ownership counts)."""
    world = crm.world
    owners = [world.staff[k] for k in ("account_a", "agent_a", "manager_a", "sales_b")]
    competitor = Competitor.objects.order_by("pk").first()

    def grow(n: int) -> None:
        stamp = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        sites: list[Site] = []
        for grid in (world.grid_a, world.grid_b):
            sites += Site.objects.bulk_create(
                Site(
                    code=f"Q{(i := next(_seq)):05d}",
                    kind=Site.Kind.ESTATE,
                    name=f"加量小区{i}",
                    lon=111.71,
                    lat=27.21,
                    grid=grid,
                    households=10,
                )
                for _ in range(n)
            )
        customers = Customer.objects.bulk_create(
            Customer(
                kind="group" if k % 3 == 0 else "household",
                name=f"加量客户{(i := next(_seq))}",
                code=f"QK{i:06d}",
                site=sites[k % len(sites)],
                owner=owners[k % len(owners)],
                relationship="existing",
                phone=f"139{i:08d}",
                verified_at=stamp if k % 2 else None,
            )
            for k in range(n * len(owners))
        )
        Organization.objects.bulk_create(
            Organization(customer=c, name=c.name, contact_phone="13700000000")
            for c in customers
            if c.kind == "group"
        )
        Subscription.objects.bulk_create(
            Subscription(
                customer=c,
                plan=crm.plan_bb,
                account_no=f"QA{c.pk}",
                started_on=dt.date(2025, 1, 1),
                expires_on=dt.date(2030, 1, 1),
                monthly_fee=Decimal("68.00"),
                arrears=Decimal("10.00"),
            )
            for c in customers
        )
        Contact.objects.bulk_create(Contact(customer=c, name="联系人") for c in customers)
        Note.objects.bulk_create(Note(customer=c, text="备注") for c in customers)
        if competitor is not None:
            intel = CompetitorIntel.objects.bulk_create(
                CompetitorIntel(site=s, competitor=competitor) for s in sites
            )
            CompetitorOffer.objects.bulk_create(
                CompetitorOffer(intel=x, plan_name="100M", price=Decimal("50.00")) for x in intel
            )
        for _ in range(n):
            i = next(_seq)
            grid = org_services.grid_create(
                actor=SYSTEM, code=f"QG{i}", name=f"加量网格{i}", region=world.region_a
            )
            staff = org_services.staff_create(
                actor=SYSTEM,
                username=f"q{i}",
                password=None,
                name=f"加量人员{i}",
                employee_no=f"Q{i:05d}",
                phone="13800000000",
                role=Role.ACCOUNT_MARKETER,
                primary_grid=world.grid_a if i % 2 else world.grid_b,
            )
            org_services.membership_set(
                actor=SYSTEM, staff=staff, grid=grid, role=Role.ACCOUNT_MARKETER
            )
            team = org_services.team_create(
                actor=SYSTEM, name=f"加量团队{i}", kind="grid", grid=world.grid_a
            )
            org_services.team_member_add(actor=SYSTEM, team=team, staff=staff)
            GridPlan.objects.create(name=f"加量方案{i}", source=GridPlan.Source.MANUAL)
            crm_services.note_create(actor=SYSTEM, customer=customers[0], text=f"审计{i}")
            for persona in ("market_admin", "manager_a", "account_a", "agent_a"):
                user = world.user(persona)
                ImportJob.objects.create(user=user, kind="households", filename="x.xlsx", data=b"")
                ExportJob.objects.create(user=user, kind="households")

    return grow
