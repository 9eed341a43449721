"""The market-potential model beside the naive baseline, on held-out estates; with a
county, the cost of what reads the model (page, API, provider).

Without `--customers`: a synthetic county (`potential.synthetic_county`, seeded) whose
penetration follows the survey factors plus noise, with grids that differ. Prints the
K-fold error of the model and of each grid's average penetration.

With `--customers N` (the harness's county, built once and cached) or `--customers 0`
(`DATABASE_URL` as it is): a survey and survey assignments are added if the county has none
(`populate`), then the nightly job (`insights_potential`) is timed in its parts and stored,
the same error is printed on the county's own estates, and p50 / p95 (wall and cpu) of
what reads the stored run: the provider that performance and sales ask (`core.potential`,
per site and per person), the potential page and its API for the market department and a
grid manager, and the person dashboard's card (the whole dashboard: `bench/insights.py`).

    .venv/bin/python bench/potential.py [--estates 600] [--grids 30] [--noise 0.06] [--seed 1]
    .venv/bin/python bench/potential.py --customers 1000000 [--requests 10]
    DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/potential.py --customers 0
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal
from typing import Any

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


def spread_penetration(rng: random.Random) -> int:
    """The register-only bench county counts every customer of an estate as one of its
    subscribers, so its estates' penetration is ~100 % and the model's held-out error says
    nothing. Give such a county's estates more households than subscribers: each estate a
    penetration of its own (20–70 %, an appeal the survey then reflects with noise, as in
    the synthetic county), its households its subscribers over it. Returns the estates
    changed (none when the county's penetration already varies)."""
    from wangge.territory.models import Site

    estates = list(
        Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False, customers__gt=0).only(
            "pk", "households", "customers"
        )
    )
    shares = [min(e.customers / e.households, 1.0) for e in estates if e.households]
    if not shares or sum(shares) / len(shares) < 0.9:
        return 0
    for e in estates:
        p = min(max(0.2 + 0.5 * rng.random(), 0.05), 1.0)
        e.households = max(e.customers, round(e.customers / p))
    Site.objects.bulk_update(estates, ["households"], batch_size=500)
    return len(estates)


def populate(seed: int = 1) -> str:
    """Give a bench county (register only: no surveys, no survey assignments) estates whose
    penetration varies (`spread_penetration`), a survey of about 60% of its estates (PC
    owners, owners' age bands and tenants that follow the estate's penetration, with
    noise) and hand a third of each grid's estates and premises to the grid's people, so
    the model has factors to learn and the split has surveyors. What a county already has
    is kept (a county surveyed before its penetration was spread is surveyed again)."""
    from wangge.org.models import GridMembership
    from wangge.org.roles import Role
    from wangge.territory.models import SURVEYED_KINDS, Site, SurveyAssignment

    rng = random.Random(seed)
    spread = spread_penetration(rng)
    assigned = SurveyAssignment.objects.exists()
    if assigned and not spread:
        return "survey and assignments kept"

    def share(x: float) -> Decimal:
        return Decimal(str(round(min(max(x, 0.0), 1.0), 2)))

    surveyed = []
    for site in Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False).order_by("pk"):
        if rng.random() >= 0.6 or not site.households:
            continue
        p = min(site.customers / site.households, 1.0)
        site.pc_owners = round(site.households * min(max(0.3 + 0.5 * p + rng.gauss(0, 0.1), 0), 1))
        site.owners_young_share = share(0.15 + 0.3 * p + rng.gauss(0, 0.05))
        site.owners_senior_share = share(0.35 - 0.2 * p + rng.gauss(0, 0.05))
        site.tenant_share = share(0.3 - 0.2 * p + rng.gauss(0, 0.05))
        surveyed.append(site)
    fields = ["pc_owners", "owners_young_share", "owners_senior_share", "tenant_share"]
    Site.objects.bulk_update(surveyed, fields, batch_size=500)
    done = f"spread the penetration of {spread:,} estates, " if spread else ""
    if assigned:
        return f"{done}surveyed {len(surveyed):,} estates, assignments kept"
    people: dict[int, list[int]] = {}
    for grid_id, staff_id in GridMembership.objects.exclude(role=Role.AGENT).values_list(
        "grid_id", "staff_id"
    ):
        people.setdefault(grid_id, []).append(staff_id)
    rows = []
    for pk, grid_id in Site.objects.filter(kind__in=SURVEYED_KINDS, grid__isnull=False).values_list(
        "pk", "grid_id"
    ):
        if people.get(grid_id) and rng.random() < 1 / 3:
            rows.append(SurveyAssignment(site_id=pk, assignee_id=rng.choice(people[grid_id])))
    SurveyAssignment.objects.bulk_create(rows, batch_size=2000)
    return f"{done}surveyed {len(surveyed):,} estates, assigned {len(rows):,} sites"


def _timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def county(args: argparse.Namespace) -> None:
    _harness.setup_county(args.customers)
    from django.test import Client

    from wangge.core import potential as provider
    from wangge.core.access import SYSTEM
    from wangge.insights import selectors_potential as sel
    from wangge.insights import services_potential
    from wangge.org.models import GridMembership, User
    from wangge.org.roles import Role
    from wangge.territory.models import Site

    print(populate(args.seed))
    # The nightly job, in its parts: the model's input, fit + held-out error, the split
    # among people (one grouped pass over the customers with an owner), the store.
    every, w_in, c_in = _timed(sel.estates)
    ev, w_cv, c_cv = _timed(lambda: potential.cross_validate(every, folds=args.folds))
    model, w_fit, c_fit = _timed(lambda: potential.fit(every))
    ranked = potential.forecast(model, every)
    _split, w_split, c_split = _timed(
        lambda: sel.split_people({f.estate.id: f.untapped for f in ranked})
    )
    computed, w_job, c_job = _timed(sel.compute)
    run, w_store, c_store = _timed(
        lambda: services_potential.potential_store(actor=SYSTEM, computed=computed)
    )
    surveyed = sum(e.pc_owners is not None for e in every)
    print(f"{len(every):,} estates ({surveyed:,} surveyed), {ev.folds}-fold on {ev.estates:,}")
    _errors(ev)
    print(f"\nthe nightly job (insights_potential), s wall / s cpu; {_harness.machine_line()}")
    for name, w, c in (
        ("read the estates", w_in, c_in),
        ("fit", w_fit, c_fit),
        ("cross-validate (5 fits)", w_cv, c_cv),
        ("split among people", w_split, c_split),
        ("compute (all the above)", w_job, c_job),
        (f"store ({run.estates:,} forecasts, {run.people.count():,} person rows)", w_store,
         c_store),
    ):  # fmt: skip
        print(f"  {name:<46}{w:>8.2f} / {c:.2f}")

    sites = dict(
        (pk, (h, c)) for pk, h, c in Site.objects.values_list("pk", "households", "customers")
    )
    some = dict(list(sites.items())[:25])  # a dispatch board's page of leads
    calls: list[tuple[str, Any]] = [
        ("provider, 25 sites (board)", lambda: provider.untapped(some)),
        (f"provider, all {len(sites):,} sites", lambda: provider.untapped(sites)),
    ]
    admin = User.objects.filter(staff__role=Role.MARKET_ADMIN).first()
    manager = (
        GridMembership.objects.filter(role=Role.GRID_MANAGER, staff__user__isnull=False)
        .select_related("staff__user")
        .order_by("grid__code")
        .first()
    )
    marketer = (
        GridMembership.objects.filter(grid_id=manager.grid_id, role=Role.ACCOUNT_MARKETER)
        .select_related("staff__user")
        .first()
        if manager
        else None
    )
    staff_ids = list(
        GridMembership.objects.filter(grid_id=manager.grid_id).values_list("staff_id", flat=True)
        if manager
        else []
    )
    grid_id = manager.grid_id if manager else None
    calls.append(
        ("provider, a grid's people", lambda: provider.people_untapped(staff_ids, grid_id))
    )
    if manager is not None and marketer is not None:
        calls.append(
            (
                "person dashboard's card (manager)",
                lambda: sel.person_share(manager.staff.user, marketer.staff_id),
            )
        )
    for who, user, url in (
        ("county page", admin, "/insights/potential/"),
        ("county API", admin, "/api/insights/potential"),
        ("grid page (manager)", manager and manager.staff.user, "/insights/potential/"),
        (
            "grid API (manager)",
            manager and manager.staff.user,
            f"/api/insights/potential?grid={grid_id or 0}",
        ),
    ):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        calls.append((who, lambda c=client, u=url: _ok(c, u)))
    print(f"\nms p50 / p95, {args.requests} calls after a warm one; {_harness.machine_line()}")
    print(f"| what | wall | cpu (goal p95 ≤ {GOAL_MS}) |\n|---|---|---|")
    for name, fn in calls:
        cells = []
        for clock_name in ("wall", "cpu"):
            _, t = _harness.time_calls(fn, args.requests, _harness.clock_of(clock_name))
            cells.append(_harness.cell(t, GOAL_MS))
        print(f"| {name} | {cells[0]} | {cells[1]} |")


def _ok(client: Any, url: str) -> int:
    status = client.get(url).status_code
    assert status == 200, (url, status)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estates", type=int, default=600)
    parser.add_argument("--grids", type=int, default=30)
    parser.add_argument("--noise", type=float, default=0.06)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=None, help="time on a county")
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    if args.customers is None:
        synthetic(args)
    else:
        county(args)


if __name__ == "__main__":
    main()
