"""Awards: who is eligible for a period, granting 成长之星 and 超越团队, nominating and
deciding 创业之星 (the committee: the market department).

Eligibility reads the figures (`selectors_targets`) and the pure rules (`awards.py`);
granting writes one `Award` per winner and is idempotent (a period granted twice adds
nothing). A rule's cadence says which periods it is given for: a monthly award is decided
on "YYYY-MM" periods, a quarterly one on "YYYY-Qn".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.crm.models import Customer
from wangge.org.models import Staff, Team
from wangge.performance import awards
from wangge.performance.models import Award, AwardKind, AwardRule, Cadence
from wangge.performance.periods import Period
from wangge.performance.permissions_targets import Action
from wangge.performance.selectors_targets import (
    SELLER_ROLES,
    Row,
    indicators,
    person_rows,
    team_rows,
)
from wangge.retention.models import CareDue
from wangge.service.models.workorders import WorkOrder
from wangge.worklog.models import WorkLog


def rule(kind: str) -> AwardRule | None:
    return AwardRule.objects.filter(kind=kind, is_active=True).first()


def applies(r: AwardRule | None, period: Period) -> bool:
    if r is None:
        return False
    return (r.cadence == Cadence.MONTHLY) == (period.months == 1)


@dataclass
class Candidate:
    """One person or team and the figure the award looks at."""

    kind: str
    obj: Any
    figure: Decimal
    rank: int | None = None
    eligible: bool = True
    details: dict[str, Any] = field(default_factory=dict)


def growth_stars(period: Period) -> list[Candidate]:
    """Every seller with a sales target this period, and whether they reach the threshold
    (exactly: `awards.growth_star`)."""
    r = rule(AwardKind.GROWTH_STAR)
    if not applies(r, period):
        return []
    assert r is not None
    sales = [i for i in indicators() if i.is_sales]
    if not sales:
        return []
    ind = sales[0]
    unit = Decimal(1).scaleb(-ind.places)
    out = []
    people = Staff.objects.filter(role__in=SELLER_ROLES).order_by("employee_no")
    for row in person_rows(period, people):
        fig = row.figures.get(ind.code)
        if fig is None or fig.target is None or fig.target <= 0:
            continue
        ok = awards.growth_star(fig.actual, fig.target, r.threshold_percent)
        out.append(
            Candidate(
                AwardKind.GROWTH_STAR,
                row.obj,
                fig.completion or Decimal(0),
                eligible=ok,
                details={
                    "actual": str(fig.actual.quantize(unit)),
                    "target": str(fig.target.quantize(unit)),
                },
            )
        )
    out.sort(key=lambda c: (-c.figure, c.obj.employee_no))
    return out


def _previous(period: Period) -> Period:
    first = period.start - dt.timedelta(days=1)
    if period.months == 1:
        return Period(first.year, first.month, 1)
    return Period(first.year, first.month - 2, 3)


def surpass_teams(period: Period) -> list[Candidate]:
    """Grid and virtual teams ranked by the configured measure (sales completion, or growth
    of sales over the previous period), the top N eligible (ties at N included)."""
    r = rule(AwardKind.SURPASS_TEAM)
    if not applies(r, period):
        return []
    assert r is not None
    sales = [i for i in indicators() if i.is_sales]
    if not sales:
        return []
    ind = sales[0]
    teams = list(Team.objects.filter(kind__in=[Team.Kind.GRID, Team.Kind.VIRTUAL]).order_by("name"))
    rows = team_rows(period, teams)
    values: dict[int, Decimal | None] = {}
    if r.measure == AwardRule.Measure.GROWTH:
        before = {row.obj.pk: row for row in team_rows(_previous(period), teams)}
        for row in rows:
            prev = before[row.obj.pk].figures[ind.code].actual
            now = row.figures[ind.code].actual
            values[row.obj.pk] = awards.completion(now - prev, prev) if prev > 0 else None
    else:
        values = {row.obj.pk: row.figures[ind.code].completion for row in rows}
    by_pk: dict[int, Row] = {row.obj.pk: row for row in rows}
    # A team that sold nothing (or shrank) wins nothing, however the others did.
    winners = {x.key: x.rank for x in awards.top(values, r.top_n) if x.value > 0}
    out = []
    for ranked in awards.rank(values):
        row = by_pk[ranked.key]
        out.append(
            Candidate(
                AwardKind.SURPASS_TEAM,
                row.obj,
                ranked.value,
                rank=ranked.rank,
                eligible=ranked.key in winners,
                details={"measure": r.measure},
            )
        )
    return out


@transaction.atomic
def awards_grant(*, actor: Any, period: Period) -> list[Award]:
    """Record this period's 成长之星 and 超越团队; those already recorded stay as they are."""
    require(actor, Action.GRANT)
    made: list[Award] = []
    today = clock.today()
    for kind, candidates in (
        (AwardKind.GROWTH_STAR, growth_stars(period)),
        (AwardKind.SURPASS_TEAM, surpass_teams(period)),
    ):
        r = rule(kind)
        for c in candidates:
            if not c.eligible or r is None:
                continue
            who = {"team": c.obj} if isinstance(c.obj, Team) else {"staff": c.obj}
            if Award.objects.filter(kind=kind, period=period.code, **who).exists():
                continue
            made.append(
                audited_create(
                    actor=actor,
                    instance=Award(
                        kind=kind,
                        period=period.code,
                        status=Award.Status.AWARDED,
                        figure=c.figure,
                        rank=c.rank,
                        amount=r.amount,
                        details=c.details,
                        decided_on=today,
                        **who,
                    ),
                )
            )
    return made


# --- 创业之星 -------------------------------------------------------------------------------


def pioneer_values(staff: Staff, period: Period) -> dict[str, Decimal | None]:
    """The scorecard's figures for one person and period:
    completion (sales, %), log_score (the period's reviewed work-log scores, 1–5 → 0–100),
    care_compliance (% of their customers under care not overdue today), complaints
    (complaint work orders on their customers opened in the period) and customer_growth
    (customers they registered in the period)."""
    sales = [i for i in indicators() if i.is_sales]
    completion = None
    if sales:
        fig = person_rows(period, [staff])[0].figures.get(sales[0].code)
        completion = fig.completion if fig else None
    logs = WorkLog.objects.filter(
        author=staff, day__gte=period.start, day__lte=period.end, score__isnull=False
    ).aggregate(v=Avg("score"))["v"]
    care = CareDue.objects.filter(owner=staff).aggregate(
        total=Count("id"), done=Count("id", filter=Q(due_on__gte=clock.today()))
    )
    start = clock.start_of_day(period.start)
    end = clock.start_of_day(period.end + dt.timedelta(days=1))
    complaints = WorkOrder.objects.filter(
        kind="complaint", customer__owner=staff, created_at__gte=start, created_at__lt=end
    ).count()
    growth = Customer.objects.filter(owner=staff, created_at__gte=start, created_at__lt=end)
    return {
        "completion": completion,
        "log_score": None if logs is None else (Decimal(str(logs)) * 20).quantize(Decimal("0.01")),
        "care_compliance": (Decimal(care["done"] * 100) / care["total"] if care["total"] else None),
        "complaints": Decimal(complaints),
        "customer_growth": Decimal(growth.count()),
    }


def criteria(r: AwardRule) -> list[awards.Criterion]:
    return [
        awards.Criterion(
            c["code"],
            Decimal(str(c["weight"])),
            Decimal(str(c["full_at"])),
            bool(c.get("lower_is_better")),
        )
        for c in r.criteria
    ]


@transaction.atomic
def pioneer_nominate(*, actor: Any, staff: Staff, period: Period, note: str) -> Award:
    """Nominate a person for 创业之星 with their scorecard computed now."""
    require(actor, Action.NOMINATE, staff)
    r = rule(AwardKind.PIONEER_STAR)
    if r is None or not applies(r, period):
        raise ValidationError(_("创业之星不在这个周期评选。"))
    if Award.objects.filter(kind=AwardKind.PIONEER_STAR, period=period.code, staff=staff).exists():
        raise ValidationError(_("此人本周期已被提名。"))
    values = pioneer_values(staff, period)
    total, lines = awards.scorecard(values, criteria(r))
    nominator = Staff.objects.filter(pk=scope_for(actor).staff_id or 0).first()
    return audited_create(
        actor=actor,
        instance=Award(
            kind=AwardKind.PIONEER_STAR,
            period=period.code,
            staff=staff,
            status=Award.Status.NOMINATED,
            figure=total,
            amount=r.amount,
            note=note,
            nominated_by=nominator,
            details={
                "values": {k: None if v is None else str(v) for k, v in values.items()},
                "points": {k: str(v) for k, v in lines.items()},
            },
        ),
    )


@transaction.atomic
def pioneer_decide(
    *, actor: Any, award: Award, approve: bool, amount: Decimal | None = None
) -> Award:
    """The committee approves (with the amount, the rule's by default) or rejects."""
    require(actor, Action.DECIDE)
    if award.kind != AwardKind.PIONEER_STAR or award.status != Award.Status.NOMINATED:
        raise ValidationError(_("只能评审待定的创业之星提名。"))
    data: dict[str, Any] = {
        "status": Award.Status.AWARDED if approve else Award.Status.REJECTED,
        "decided_on": clock.today(),
    }
    if approve and amount is not None:
        data["amount"] = amount
    if not approve:
        data["amount"] = Decimal(0)
    audited_update(actor=actor, instance=award, data=data, fields=list(data))
    return award
