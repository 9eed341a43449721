"""Benchmark: the leaderboard's cost on the pages it sits on (the today view, a grid page)
and on the rankings page, on the demo county.

    .venv/bin/python bench/leaderboard.py [--customers 3000] [--requests 10] [--clock cpu]

Builds (or reuses, under `var/bench/`) the demo county through `_harness.setup_county`, then
for the demo's market department (`admin`), grid manager (`manager`) and account marketer
(`account`) requests each page in-process (one warm request, then `--requests` timed) and
prints p50/p95 in ms and the page's query count, with the leaderboard's own share on the
home page (the today view with and without the leaderboard section).
"""

from __future__ import annotations

import argparse
from typing import Any

import _harness

GOAL_MS = 300.0
PERSONAS = ("admin", "manager", "account")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    _harness.add_clock_argument(parser)
    args = parser.parse_args()
    _harness.setup_county(args.customers, rebuild=args.rebuild)
    clock = _harness.clock_of(args.clock)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from wangge.core import clock as wangge_clock
    from wangge.core.access import scope_for
    from wangge.org.models import Grid, User
    from wangge.performance import leaderboard

    print(f"# leaderboard ({args.clock} clock; {_harness.machine_line()})\n")
    print("| persona | page | p50 / p95 ms | queries |")
    print("|---|---|---|---|")
    today = wangge_clock.today()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        grid_ids = sorted(scope_for(user).grid_ids) or list(
            Grid.objects.order_by("pk").values_list("pk", flat=True)[:1]
        )
        pages = [
            ("home (today view)", "/"),
            ("grid detail", reverse("org:grid_detail", args=[grid_ids[0]])),
            ("rankings", reverse("performance:rankings")),
        ]
        for label, url in pages:

            def get(client: Client = client, url: str = url) -> int:
                return client.get(url).status_code

            status, times = _harness.time_calls(get, args.requests, clock)
            with CaptureQueriesContext(connection) as queries:
                get()
            shown = _harness.cell(times, GOAL_MS) if status == 200 else str(status)
            print(f"| {username} | {label} | {shown} | {len(queries)} |")

        def section(user: Any = user) -> int:
            return len(leaderboard.today_items(user, today))

        items, times = _harness.time_calls(section, args.requests, clock)
        with CaptureQueriesContext(connection) as queries:
            section()
        print(
            f"| {username} | leaderboard section alone ({items} items) | "
            f"{_harness.cell(times, GOAL_MS)} | {len(queries)} |"
        )


if __name__ == "__main__":
    main()
