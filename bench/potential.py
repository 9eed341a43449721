"""The market-potential model beside the naive baseline, on held-out estates; with a
county, the cost of what reads the model (page, API, provider).

Without `--customers`: a synthetic county (`potential.synthetic_county`, seeded) whose
penetration follows the survey factors plus noise, with grids that differ. Prints the
K-fold error of the model and of each grid's average penetration.

With `--customers N` (the harness's demo county, built once and cached) or `--customers 0`
(`DATABASE_URL` as it is): the same error on the county's own estates, and p50 / p95 of the
provider that performance and sales ask (`core.potential`: fit on every estate, forecast),
the potential page and its API for the market department and a grid manager.

    .venv/bin/python bench/potential.py [--estates 600] [--grids 30] [--noise 0.06] [--seed 1]
    DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/potential.py --customers 0 \\
        [--requests 10] [--clock cpu]
"""

from __future__ import annotations

import argparse
import time

import _harness

from wangge.insights import potential

#: The page's and the API's goal (the issue's dashboards goal).
GOAL_MS = 300


def synthetic(args: argparse.Namespace) -> None:
    estates = potential.synthetic_county(args.estates, args.grids, args.noise, args.seed)
    start = time.perf_counter()
    ev = potential.cross_validate(estates, folds=args.folds)
    took = time.perf_counter() - start
    print(f"{ev.estates} estates, {ev.folds}-fold, {took * 1000:.0f} ms")
    _errors(ev)


def _errors(ev: potential.Evaluation) -> None:
    print(f"{'':<28}{'MAE penetration':>16}{'MAE customers/estate':>22}")
    print(f"{'model (ridge, 9 factors)':<28}{ev.model_mae:>16.4f}{ev.model_customers_mae:>22.1f}")
    print(f"{'baseline (grid average)':<28}{ev.baseline_mae:>16.4f}"
          f"{ev.baseline_customers_mae:>22.1f}")  # fmt: skip


def county(args: argparse.Namespace) -> None:
    _harness.setup_county(args.customers)
    from django.test import Client

    from wangge.core import potential as provider
    from wangge.insights import selectors_potential as sel
    from wangge.org.models import GridMembership, User
    from wangge.org.roles import Role
    from wangge.territory.models import Site

    every = sel.estates()
    ev = potential.cross_validate(every, folds=args.folds)
    surveyed = sum(e.pc_owners is not None for e in every)
    print(f"{len(every):,} estates ({surveyed:,} surveyed), {ev.folds}-fold on {ev.estates:,}")
    _errors(ev)

    clock = _harness.clock_of(args.clock)
    sites = dict(
        (pk, (h, c)) for pk, h, c in Site.objects.values_list("pk", "households", "customers")
    )
    some = dict(list(sites.items())[:25])  # a dispatch board's page of leads
    rows: list[tuple[str, list[float]]] = []
    _, t = _harness.time_calls(lambda: provider.untapped(some), args.requests, clock)
    rows.append(("provider, 25 sites (board)", t))
    _, t = _harness.time_calls(lambda: provider.untapped(sites), args.requests, clock)
    rows.append((f"provider, all {len(sites):,} sites", t))
    admin = User.objects.filter(staff__role=Role.MARKET_ADMIN).first()
    manager = (
        GridMembership.objects.filter(role=Role.GRID_MANAGER, staff__user__isnull=False)
        .select_related("staff__user")
        .order_by("grid__code")
        .first()
    )
    for who, user, url in (
        ("county page", admin, "/insights/potential/"),
        ("county API", admin, "/api/insights/potential"),
        ("grid page (manager)", manager and manager.staff.user, "/insights/potential/"),
        (
            "grid API (manager)",
            manager and manager.staff.user,
            f"/api/insights/potential?grid={manager.grid_id if manager else 0}",
        ),
    ):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        status, t = _harness.time_calls(lambda: client.get(url).status_code, args.requests, clock)  # noqa: B023
        assert status == 200, (url, status)
        rows.append((who, t))
    print(f"\n{args.clock} ms, {args.requests} calls after a warm one; {_harness.machine_line()}")
    print(f"{'':<30}{'p50 / p95':>16}")
    for name, t in rows:
        print(f"{name:<30}{_harness.cell(t, GOAL_MS):>16}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estates", type=int, default=600)
    parser.add_argument("--grids", type=int, default=30)
    parser.add_argument("--noise", type=float, default=0.06)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=None, help="time on a county")
    parser.add_argument("--requests", type=int, default=10)
    _harness.add_clock_argument(parser)
    args = parser.parse_args()
    if args.customers is None:
        synthetic(args)
    else:
        county(args)


if __name__ == "__main__":
    main()
