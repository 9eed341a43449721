"""Reads of growth work for users: every one takes the acting user and is scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.crm.models import Customer
from wangge.org.models import Staff
from wangge.sales.models import (
    BoardCount,
    Campaign,
    Opportunity,
    OpportunityStep,
    PromoInspection,
    PromoPiece,
    Stage,
    Visit,
)
from wangge.sales.models.opportunities import OPEN_STAGES


def _mine(user: Any) -> int:
    return scope_for(user).staff_id or -1


def opportunity_list(
    *,
    user: Any,
    q: str = "",
    grid_id: int | None = None,
    stage: str | None = None,
    open_only: bool = False,
    assignee_id: int | None = None,
    mine: bool = False,
    managed: bool = False,
    dispatch: str | None = None,
    overdue: bool = False,
    unassigned: bool = False,
    source: str | None = None,
    kind: str | None = None,
    campaign_id: int | None = None,
    piece_id: int | None = None,
) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.visible_to(user).select_related(
        "customer", "site", "grid", "assignee", "product"
    )
    if q:
        qs = qs.filter(
            Q(code__iexact=q)
            | Q(customer__name__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(site__name__icontains=q)
            | Q(need__icontains=q)
        )
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if stage:
        qs = qs.filter(stage=stage)
    if open_only:
        qs = qs.filter(stage__in=Opportunity.OPEN_STAGES)
    if mine:
        qs = qs.filter(assignee_id=_mine(user))
    elif assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if managed:  # the boards of the grids the user leads
        qs = qs.filter(grid_id__in=scope_for(user).managed_grid_ids)
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    if dispatch:
        qs = qs.filter(dispatch=dispatch)
    if overdue:
        qs = qs.filter(overdue_q(clock.now()))
        if connection.vendor == "postgresql":
            # Open written as the late indexes lead (`closed_at IS NULL`): PostgreSQL then
            # reads each side of the OR from its index (a county's overdue list: 27 ms of
            # the server's CPU per statement, 3 with it) instead of the whole table. On
            # SQLite it made a grid's list slower (its statistics misjudge `closed_at`).
            qs = qs.filter(closed_at__isnull=True)
    if source:
        qs = qs.filter(source=source)
    if kind:
        qs = qs.filter(kind=kind)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if piece_id is not None:
        qs = qs.filter(piece_id=piece_id)
    return qs


def in_order(qs: QuerySet[Opportunity], keys: list[Opportunity]) -> list[Opportunity]:
    """The rows of `qs` that `keys` name (a page of the same list read narrow), in the
    keys' order, with the keys' annotations."""
    rows = qs.order_by().in_bulk([k.pk for k in keys])
    out = []
    for key in keys:
        row = rows.get(key.pk)
        if row is not None:
            for name in qs.query.annotations:
                setattr(row, name, getattr(key, name))
            out.append(row)
    return out


def first_rows(qs: QuerySet[Opportunity], n: int) -> list[Opportunity]:
    """The first `n` rows of `qs` in its order: sorted on narrow rows (the ids and what the
    filter and the order read, which an index holds), then only those `n` read whole with
    their related rows. Joining every match before sorting cost a county's board more than
    the rest of its page."""
    ids = list(qs.select_related(None).values_list("pk", flat=True)[:n])
    rows = qs.order_by().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def first_late(qs: QuerySet[Opportunity], n: int) -> list[Opportunity]:
    """The first `n` late rows of `qs` (a scoped list), first contact due first, then
    outcome due (no due time last), read whole. The late ones are found as the board
    counts them, two ranges of their covering indexes (late first contacts; late
    outcomes), each sorted and cut to `n` by the database, and the two short lists
    merged here: one query with the OR made PostgreSQL scan the whole table, and sorting
    a county's seven thousand late rows in Python cost more than the rest of the page."""
    now = clock.now()
    narrow = (
        qs.select_related(None)
        .filter(closed_at__isnull=True, stage__in=OPEN_STAGES)
        # No due time sorts last, as `opportunity_list`'s overdue first does on both
        # databases (SQLite puts NULL first unless told).
        .order_by(
            F("contact_due").asc(nulls_last=True), F("outcome_due").asc(nulls_last=True), "pk"
        )
    )
    keys = {
        pk: (contact_due, outcome_due)
        for late in (
            narrow.filter(first_contact_at__isnull=True, contact_due__lt=now),
            narrow.filter(outcome_due__lt=now),
        )
        for pk, contact_due, outcome_due in late.values_list("pk", "contact_due", "outcome_due")[:n]
    }
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    ids = sorted(keys, key=lambda pk: (keys[pk][0] or far, keys[pk][1] or far, pk))[:n]
    rows = qs.order_by().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def overdue_q(now: dt.datetime) -> Q:
    """Open, and the first contact or the outcome is late."""
    late_contact = Q(first_contact_at__isnull=True, contact_due__lt=now)
    return Q(stage__in=Opportunity.OPEN_STAGES) & (late_contact | Q(outcome_due__lt=now))


def opportunity_detail(*, user: Any, pk: int) -> Opportunity:
    opp = (
        Opportunity.objects.visible_to(user)
        .select_related(
            "customer", "site", "grid", "assignee", "product", "competitor", "campaign", "piece"
        )
        .filter(pk=pk)
        .first()
    )
    if opp is None:
        raise Http404
    return opp


def opportunity_steps(*, opportunity: Opportunity) -> QuerySet[OpportunityStep]:
    return opportunity.steps.select_related("assignee", "grid").order_by("at", "id")


@dataclass
class BoardColumn:
    stage: str
    label: str
    count: int
    value: Decimal


@dataclass
class BoardRow:
    assignee_id: int | None
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    pending: int = 0
    #: The counts in the board's column order (a county's board has a row per seller).
    by_stage: list[int] = field(default_factory=list)


@dataclass
class Board:
    columns: list[BoardColumn]
    rows: list[BoardRow]
    unassigned: int
    overdue: int


def board(*, user: Any, grid_id: int | None = None) -> Board:
    """The dispatch board's summary: open opportunities by stage and by person, of one grid
    or of all the user's grids (the market department: the county).

    Counts and values come from the kept summary (`BoardCount`, a row per grid, person,
    stage and dispatch state), read for the grids the user's scope gives them; the late
    ones, which depend on the hour, are counted from their own indexes. Only someone
    whose board is not whole grids of theirs (an agent, another grid asked for) has it
    added up from their visible opportunities (`_board_live`)."""
    scope = scope_for(user)
    if not scope.everything and (
        scope.own_records_only or (grid_id is not None and grid_id not in scope.grid_ids)
    ):
        return _board_live(user=user, grid_id=grid_id)
    grids: list[int] | None = None  # the county
    if grid_id is not None:
        grids = [grid_id]
    elif not scope.everything:
        grids = list(scope.grid_ids)
    counts = BoardCount.objects.filter(n__gt=0)
    if grids is not None:
        counts = counts.filter(grid_key__in=grids)
    tally = counts.values_list("stage", "assignee_key", "dispatch", "n", "value")
    late = _late_counts(grids)
    totals: dict[str, list[Any]] = {s: [0, Decimal("0.00")] for s in Opportunity.OPEN_STAGES}
    rows: dict[int | None, BoardRow] = {}
    for stage, assignee, dispatch, n, value in tally:
        key = assignee or None
        totals[stage][0] += n
        totals[stage][1] += value
        row = rows.setdefault(key, BoardRow(assignee_id=key, name=""))
        row.counts[stage] = row.counts.get(stage, 0) + n
        if dispatch == Opportunity.Dispatch.PENDING:
            row.pending += n
    for key, n in late.items():
        rows.setdefault(key, BoardRow(assignee_id=key, name="")).overdue += n
    return _board_of(totals, rows)


def _late_counts(grids: list[int] | None) -> dict[int | None, int]:
    """Open opportunities late now, per assignee, in `grids` (None: all): late for their
    first contact, then late only for their outcome, each read from its partial index."""
    now = clock.now()
    # Open: not closed (what the indexes lead with) and, to be exact, in an open stage.
    open_ = Opportunity.objects.filter(closed_at__isnull=True, stage__in=OPEN_STAGES)
    if grids is not None:
        open_ = open_.filter(grid_id__in=grids)
    contact = open_.filter(first_contact_at__isnull=True, contact_due__lt=now)
    outcome = open_.filter(outcome_due__lt=now).exclude(
        first_contact_at__isnull=True, contact_due__lt=now
    )
    # Grouped by the database over each range (a hash or a temporary tree of the hundred
    # sellers): reading a county's seven thousand late rows into Python to count them
    # allocated enough to set off the interpreter's full garbage collection every few
    # boards, each costing more than the board. `COUNT(*)`: the indexes hold no id, and
    # counting ids made PostgreSQL fetch every late row from the table.
    out: dict[int | None, int] = {}
    for qs in (contact, outcome):
        for assignee, n in qs.order_by().values_list("assignee_id").annotate(n=Count("*")):
            out[assignee] = out.get(assignee, 0) + n
    return out


def _board_of(totals: dict[str, list[Any]], rows: dict[int | None, BoardRow]) -> Board:
    names = dict(
        Staff.objects.filter(pk__in=[k for k in rows if k]).order_by().values_list("pk", "name")
    )
    for row in rows.values():
        row.name = names.get(row.assignee_id, "")
        row.by_stage = [row.counts.get(s, 0) for s in Opportunity.OPEN_STAGES]
    columns = [
        BoardColumn(stage=s, label=str(Stage(s).label), count=totals[s][0], value=totals[s][1])
        for s in Opportunity.OPEN_STAGES
    ]
    unassigned = rows.pop(None, None)
    ordered = sorted((r for r in rows.values() if r.counts), key=lambda r: (-r.overdue, r.name))
    return Board(
        columns=columns,
        rows=ordered,
        unassigned=sum(unassigned.counts.values()) if unassigned else 0,
        overdue=sum(r.overdue for r in rows.values()) + (unassigned.overdue if unassigned else 0),
    )


def _board_live(*, user: Any, grid_id: int | None) -> Board:
    """The board's summary added up from the opportunities the user sees (one grouped
    query over `sales_opp_board_sum_idx`), for the boards `BoardCount` does not cut."""
    scope = scope_for(user)
    qs = opportunity_list(user=user, grid_id=grid_id, open_only=True)
    if grid_id is None and not scope.everything:
        # A board is a grid's: without one named, the user's grids (rows of other grids
        # that are theirs by name are on "my opportunities", not on a board).
        qs = qs.filter(grid_id__in=scope.grid_ids)
    grouped = (
        qs.order_by()
        .values("stage", "grid_id", "assignee_id")
        .annotate(
            n=Count("stage"),
            v=Sum("expected_monthly"),
            late=Count("stage", filter=overdue_q(clock.now())),
            pending=Count("stage", filter=Q(dispatch=Opportunity.Dispatch.PENDING)),
        )
    )
    totals: dict[str, list[Any]] = {s: [0, Decimal("0.00")] for s in Opportunity.OPEN_STAGES}
    rows: dict[int | None, BoardRow] = {}
    for r in grouped:
        total = totals[r["stage"]]
        total[0] += r["n"]
        total[1] += Decimal(r["v"] or 0)
        row = rows.setdefault(r["assignee_id"], BoardRow(assignee_id=r["assignee_id"], name=""))
        row.counts[r["stage"]] = row.counts.get(r["stage"], 0) + r["n"]
        row.overdue += r["late"]
        row.pending += r["pending"]
    return _board_of(totals, rows)


def visit_list(
    *,
    user: Any,
    staff_id: int | None = None,
    grid_id: int | None = None,
    flagged: bool = False,
    customer_id: int | None = None,
    day: dt.date | None = None,
) -> QuerySet[Visit]:
    qs = Visit.objects.visible_to(user).select_related("staff", "customer", "site", "agent")
    if staff_id is not None:
        qs = qs.filter(staff_id=staff_id)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if flagged:
        qs = qs.filter(kind__in=Visit.LOCATED, verified=False)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if day is not None:
        start = clock.start_of_day(day)
        qs = qs.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))
    return qs


def flagged_to_review(*, user: Any, today: dt.date) -> QuerySet[Visit]:
    """The check-ins a manager should look at now: flagged, made yesterday or today, by
    someone else (one's own are not one's to review). The today view counts these and
    links to exactly these (`?flagged=1&recent=1`)."""
    since = clock.start_of_day(today - dt.timedelta(days=1))
    return (
        visit_list(user=user, flagged=True)
        .filter(at__gte=since)
        .exclude(staff_id=scope_for(user).staff_id or -1)
    )


def campaign_list(*, user: Any, grid_id: int | None = None) -> QuerySet[Campaign]:
    qs = Campaign.objects.visible_to(user).select_related("grid", "site")
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    return qs.annotate(
        opportunities_count=Count("opportunities"),
        won=Count("opportunities", filter=Q(opportunities__stage=Stage.WON)),
    )


def piece_list(*, user: Any, grid_id: int | None = None, site_id: int | None = None) -> Any:
    qs = (
        PromoPiece.objects.visible_to(user)
        .defer("photo")
        .select_related("site", "put_up_by")
        .annotate(leads_count=Count("leads"))
    )
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    return qs


def piece_detail(*, user: Any, pk: int) -> PromoPiece:
    piece = (
        PromoPiece.objects.visible_to(user)
        .defer("photo")
        .select_related("site", "grid", "put_up_by")
        .annotate(leads_count=Count("leads"))
        .filter(pk=pk)
        .first()
    )
    if piece is None:
        raise Http404
    return piece


def piece_inspections(*, piece: PromoPiece) -> QuerySet[PromoInspection]:
    return piece.inspections.defer("photo").select_related("by")


def piece_for_lead(*, token: str) -> PromoPiece:
    """The piece behind a public lead form: no user, the unguessable token is the key."""
    piece = PromoPiece.objects.select_related("site").defer("photo").filter(token=token).first()
    if piece is None:
        raise Http404
    return piece


@dataclass
class CampaignResults:
    opportunities: int
    open: int
    won: int
    target: int
    won_value: Decimal
    pipeline_value: Decimal

    @property
    def progress(self) -> int:
        """Won against target, in percent (capped for the bar)."""
        return min(100, round(100 * self.won / self.target)) if self.target else 0


def campaign_results(*, user: Any, campaign: Campaign) -> CampaignResults:
    """What a campaign brought: its opportunities the user sees, won against the target,
    the monthly value won (the orders' fees) and still in play (expected)."""
    qs = opportunity_list(user=user, campaign_id=campaign.pk).order_by()
    r = qs.aggregate(
        n=Count("id"),
        open=Count("id", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
        won=Count("id", filter=Q(stage=Stage.WON)),
        won_value=Sum("order__monthly_fee", filter=Q(stage=Stage.WON)),
        pipeline=Sum("expected_monthly", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
    )
    return CampaignResults(
        opportunities=r["n"],
        open=r["open"],
        won=r["won"],
        target=campaign.target_count,
        won_value=r["won_value"] or Decimal("0.00"),
        pipeline_value=r["pipeline"] or Decimal("0.00"),
    )


def winback_list(*, user: Any, grid_id: int | None = None) -> QuerySet[Customer]:
    """Competitors' customers to work (策反): on file with a known current provider, not
    ours, and no open opportunity yet."""
    qs = (
        Customer.objects.visible_to(user)
        .filter(current_provider__isnull=False)
        .exclude(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS)
        .exclude(opportunities__stage__in=Opportunity.OPEN_STAGES)
        .select_related("site", "current_provider", "owner")
    )
    if grid_id is not None:
        qs = qs.filter(site__grid_id=grid_id)
    return qs
