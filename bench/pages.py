"""Benchmark: the main scoped pages and API lists on a county of a million customers.

    .venv/bin/python bench/pages.py                       # 1,000,000 customers, SQLite
    .venv/bin/python bench/pages.py --customers 205000    # the demo county's size
    scripts/with-postgres .venv/bin/python bench/pages.py # the same on PostgreSQL

Builds the demo county (`wangge demo --customers N`) once into a SQLite file under
`var/bench/` and reuses it on later runs (`--rebuild` starts again); on PostgreSQL
(`DATABASE_URL` set, as `scripts/with-postgres` does) it builds into that database unless
it already holds the county. Then, for each demo persona (market department `admin`, grid
manager `manager`, account marketer `account`, agent `agent`), it requests every page
below in-process with Django's test client (warm: one untimed request first, then
`--requests` timed ones) and prints p50/p95 in milliseconds as a Markdown table, with the
goal (p95 ≤ 100 ms) beside it. Pages the persona may not open (404) are shown as such.

Server-side time only (no network, no browser); timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import functools
import sys

import _cpu
import _harness

GOAL_MS = 100.0
PERSONAS = ("admin", "manager", "account", "agent")
CUSTOMERS_AT_SCALE_1 = _harness.CUSTOMERS_AT_SCALE_1


def _pages(username: str) -> list[tuple[str, str]]:
    """(label, url) for one persona: lists, a search, details of rows the persona may see."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from wangge.crm.models import Customer
    from wangge.org.models import Grid, User
    from wangge.territory.models import Site

    user = User.objects.get(username=username)
    pages = [
        ("customers", reverse("crm:customer_list")),
        ("customers p.50", reverse("crm:customer_list") + "?page=50"),
        ("customers ?q=", reverse("crm:customer_list") + "?q=%E6%9D%8E"),  # 李: one character
        ("customers ?tier", reverse("crm:customer_list") + "?tier=key"),
        ("subscriptions", reverse("crm:subscription_list")),
        ("subscriptions ?expiring", reverse("crm:subscription_list") + "?expiring=30"),
        ("sites", reverse("territory:site_list")),
        ("staff", reverse("org:staff_list")),
        ("grids", reverse("org:grid_list")),
    ]
    customer = Customer.objects.visible_to(user).order_by("pk").first()
    site = Site.objects.visible_to(user).order_by("pk").first()
    grid = Grid.objects.visible_to(user).order_by("pk").first()
    # Page 50 reached by its "next" link (`after`: the last row of page 49), as a reader
    # paging on gets it, beside page 50 typed in (an offset).
    from wangge.crm.selectors import customer_list

    shown = customer_list(user=user).values_list("pk", flat=True)
    last_of_49 = next(iter(shown[49 * 50 - 1 : 49 * 50]), None)
    if last_of_49 is not None:
        pages.insert(
            2, ("customers p.50 →", reverse("crm:customer_list") + f"?page=50&after={last_of_49}")
        )
    if customer is not None:
        # A whole name (three characters: PostgreSQL's trigram index can serve it).
        found = reverse("crm:customer_list") + "?" + urlencode({"q": customer.name})
        pages.insert(3, ("customers ?q=name", found))
    pages += [
        ("customer detail", reverse("crm:customer_detail", args=[customer.pk if customer else 0])),
        ("site detail", reverse("territory:site_detail", args=[site.pk if site else 0])),
        ("grid detail", reverse("org:grid_detail", args=[grid.pk if grid else 0])),
        ("API customers", "/api/crm/customers?limit=50"),
        ("API customers ?q=", "/api/crm/customers?limit=50&q=%E6%9D%8E"),
        ("API subscriptions", "/api/crm/subscriptions?limit=50"),
        ("API sites", "/api/territory/sites?limit=50"),
        ("API staff", "/api/org/staff?limit=50"),
        ("API grids", "/api/org/grids?limit=50"),
    ]
    return pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--personas", default=",".join(PERSONAS))
    parser.add_argument("--only", default="", help="only pages whose label contains this")
    parser.add_argument("--rebuild", action="store_true", help="build the county again")
    _harness.add_clock_argument(parser)
    args = parser.parse_args(argv)

    url = _harness.setup_county(args.customers, args.rebuild)
    from django.test import Client

    from config.warm import settle
    from wangge.crm.models import Customer
    from wangge.org.models import User

    total = Customer.objects.count()
    # As the server does (`config/wsgi.py`): the URL tree loaded and everything frozen, so a
    # full collection does not walk it inside a timed request.
    settle()
    # On PostgreSQL `cpu` adds the server backend's CPU and turns parallel plans off, so the
    # figure is the whole work (`bench/_cpu.py`).
    clock = _cpu.clock(args.clock)
    personas = [p for p in args.personas.split(",") if p]
    results: dict[str, dict[str, tuple[int, list[float]]]] = {}
    labels: list[str] = []
    for username in personas:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for label, page in _pages(username):
            if args.only and args.only not in label:
                continue
            print(f"{username:8} {label} {page}", file=sys.stderr)
            if label not in labels:
                labels.append(label)
            first, times = _harness.time_calls(
                functools.partial(client.get, page), args.requests, clock
            )
            results.setdefault(label, {})[username] = (first.status_code, times)

    print(
        f"\n{_harness.machine_line()}, {total:,} customers ({url.split('@')[-1]}), "
        f"{args.requests} warm requests each, {_cpu.describe(args.clock)} p50 / p95 "
        f"(goal p95 ≤ {GOAL_MS:.0f} ms)\n"
    )
    print("| page | " + " | ".join(personas) + " |")
    print("|---|" + "---|" * len(personas))
    worst = 0.0
    for label in labels:
        cells = []
        for username in personas:
            if username not in results[label]:
                cells.append("")
                continue
            status, times = results[label][username]
            if status != 200:
                cells.append(f"({status})")
                continue
            worst = max(worst, _harness.p95(times))
            cells.append(_harness.cell(times, GOAL_MS))
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\nworst p95: {worst:.0f} ms ({'meets' if worst <= GOAL_MS else 'misses'} the goal)")


if __name__ == "__main__":
    main()
