"""Open opportunities in bulk: the input of `bench/sales.py` (a hundred thousand on a county
of a million customers), built by a test at a few dozen so the bench's input is tested too.

Written straight into the tables (`performance.bulk.insert_rows`), not through the
services: it is what the reads are measured on, and the services' rules are the tests'
business. The mix is a grid's working day: most open ones accepted and contacted, some
still in the grid's pool (unassigned), some dispatched and not yet accepted, some whose
first contact is late, a few in the market department's pool (no grid yet), and a fifth as
many lost ones with their reasons, so the funnel has losses to count. Each carries its
history (created, dispatch, stage moves) and the funnel's kept figures
(`sales.funnel.kept` of that history, as `services.funnel_keep` would write them).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from wangge.core import clock
from wangge.crm.models import Customer
from wangge.org.models import GridMembership
from wangge.org.roles import Role
from wangge.performance.bulk import insert_rows
from wangge.sales import funnel
from wangge.sales.models import BoardCount, Opportunity, OpportunityStep, opportunity_code

#: Open stages and their shares (in tenths) of the open opportunities.
OPEN_MIX = (("need", 4), ("proposal", 3), ("confirmed", 2), ("ordered", 1))
LADDER = ("need", "proposal", "confirmed", "ordered")
LOST_REASONS = ("price", "competitor", "no_coverage", "no_need", "unreachable")

#: Where an open one stands on the board, with its share in hundredths: in the market
#: department's pool, in the grid's pool, dispatched and awaiting acceptance, accepted
#: with the first contact late, accepted and contacted.
POOL, UNASSIGNED, PENDING, LATE, WORKED = "pool", "unassigned", "pending", "late", "worked"
BOARD_MIX = ((POOL, 1), (UNASSIGNED, 8), (PENDING, 6), (LATE, 7), (WORKED, 78))

_OPP_COLUMNS = (
    "id", "version", "code", "kind", "source", "contact_name", "contact_phone", "need",
    "expected_monthly", "stage", "stage_since", "lost_reason", "lost_note", "dispatch",
    "dispatched_at", "contact_due", "outcome_due", "first_contact_at", "external_ref",
    "created_at", "closed_at", "assignee_id", "customer_id", "grid_id", "site_id",
    "furthest_stage", "need_hours", "proposal_hours", "confirmed_hours", "ordered_hours",
)  # fmt: skip
_STEP_COLUMNS = (
    "opportunity_id", "at", "kind", "actor_name", "from_stage", "to_stage", "grid_id",
    "assignee_id", "due", "note",
)  # fmt: skip


@dataclass(frozen=True)
class Added:
    open: int
    lost: int
    steps: int


def _sellers() -> dict[int, list[int]]:
    sellers: dict[int, list[int]] = {}
    for grid_id, staff_id in (
        GridMembership.objects.filter(role__in=(Role.ACCOUNT_MARKETER, Role.SALES_MARKETER))
        .order_by("grid_id", "staff_id")
        .values_list("grid_id", "staff_id")
    ):
        sellers.setdefault(grid_id, []).append(staff_id)
    return sellers


def _customers(grid_ids: list[int], wanted: int, rng: random.Random) -> list[tuple[int, ...]]:
    """`wanted` customers of those grids at random, without sorting the county at random
    in the database (a million rows: read the narrow rows, sample here)."""
    rows = list(
        Customer.objects.filter(site__grid_id__in=grid_ids)
        .order_by("id")
        .values_list("id", "site_id", "site__grid_id")
    )
    return rng.sample(rows, min(wanted, len(rows)))


def bulk_opportunities(
    n_open: int, *, seed: int = 9, progress: Callable[[str], None] | None = None
) -> Added:
    """Add `n_open` open opportunities and a fifth as many lost ones (seeded: the same seed
    on the same county gives the same rows), with their history; see the module."""
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)
    sellers = _sellers()
    n_lost = n_open // 5
    pool = _customers(sorted(sellers), n_open + n_lost, rng)
    now = clock.now()
    adapt = connection.ops.adapt_datetimefield_value
    stages = [s for s, tenths in OPEN_MIX for _ in range(tenths)]
    places = [p for p, share in BOARD_MIX for _ in range(share)]
    first_id = (Opportunity.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    steps: list[tuple[Any, ...]] = []

    def opportunity(i: int, customer_id: int, site_id: int, grid_id: int) -> tuple[Any, ...]:
        pk = first_id + i
        lost = i >= n_open
        stage = "lost" if lost else rng.choice(stages)
        place = WORKED if lost else rng.choice(places)
        created = now - dt.timedelta(hours=rng.uniform(24, 85 * 24))
        assignee = None if place in (POOL, UNASSIGNED) else rng.choice(sellers[grid_id])
        step: list[tuple[Any, ...]] = [
            (pk, adapt(created), "created", "bench", "", "need", None, None, None, "")
        ]
        dispatched = created + dt.timedelta(hours=rng.uniform(0.1, 4))
        contact_due: dt.datetime | None = None
        outcome_due: dt.datetime | None = None
        contacted: dt.datetime | None = None
        if place != POOL:
            step.append((pk, adapt(dispatched), "dispatch_grid", "bench", "", "", grid_id,
                         None, None, ""))  # fmt: skip
        if assignee is not None:
            contact_due = dispatched + dt.timedelta(hours=24)
            # The outcome is due in the weeks ahead: late are only the first contacts.
            outcome_due = now + dt.timedelta(days=rng.uniform(1, 30))
            if place == PENDING:
                # Handed over in the last day: due later today or tomorrow.
                dispatched = now - dt.timedelta(hours=rng.uniform(0.5, 20))
                contact_due = dispatched + dt.timedelta(hours=24)
                outcome_due = contact_due + dt.timedelta(days=14)
            elif place == LATE:
                contact_due = now - dt.timedelta(hours=rng.uniform(1, 72))
            else:
                contacted = contact_due - dt.timedelta(hours=rng.uniform(1, 20))
            step.append((pk, adapt(dispatched), "dispatch", "bench", "", "", grid_id, assignee,
                         adapt(contact_due), ""))  # fmt: skip
        reached = rng.randint(0, 3) if lost else LADDER.index(stage)
        moves, at = [], created
        for k in range(1, reached + 1):
            at += dt.timedelta(hours=rng.uniform(2, 72))
            moves.append((at, LADDER[k - 1], LADDER[k]))
        if lost:
            at += dt.timedelta(hours=rng.uniform(2, 72))
            moves.append((at, LADDER[reached], "lost"))
        step += [(pk, adapt(t), "stage", "bench", a, b, None, None, None, "") for t, a, b in moves]
        steps.extend(step)
        kept = funnel.kept(
            funnel.FunnelRow(created_at=created, stage=stage, moves=[(t, b) for t, _a, b in moves])
        )
        dispatch = {
            POOL: "none",
            UNASSIGNED: "to_grid",
            PENDING: "pending",
        }.get(place, "accepted")
        return (
            pk, 0, opportunity_code(pk), "new", "dispatch", "", "", "",
            rng.choice((30, 68, 99, 128)), stage, adapt(at),
            rng.choice(LOST_REASONS) if lost else "", "", dispatch,
            adapt(None if place == POOL else dispatched), adapt(contact_due),
            adapt(outcome_due), adapt(contacted), "",
            adapt(created), adapt(at) if lost else None, assignee, customer_id,
            None if place == POOL else grid_id, site_id, kept.furthest,
            *(kept.hours.get(s) for s in LADDER),
        )  # fmt: skip

    def opportunities() -> Iterator[tuple[Any, ...]]:
        for i, (customer_id, site_id, grid_id) in enumerate(pool):
            yield opportunity(i, customer_id, site_id, grid_id)

    with transaction.atomic():
        for done in insert_rows(Opportunity, _OPP_COLUMNS, opportunities()):
            say(f"{done:,} opportunities")
        for done in insert_rows(OpportunityStep, _STEP_COLUMNS, steps):
            say(f"{done:,} steps")
        with connection.cursor() as cursor:
            # PostgreSQL: the ids were chosen here, the sequences move past them.
            for sql in connection.ops.sequence_reset_sql(no_style(), [Opportunity]):
                cursor.execute(sql)
        BoardCount.recount()  # written around `Opportunity.save`: the board's counts again
    opened = min(n_open, len(pool))
    return Added(open=opened, lost=len(pool) - opened, steps=len(steps))
