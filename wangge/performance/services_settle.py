"""Writes for commission: policies, the monthly settlement (run in the background),
approval (grid manager, then the market department), lock, and adjustments."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import is_person
from wangge.core.audit import audit_record, snapshot
from wangge.core.models import AuditEntry
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.org.models import Staff
from wangge.performance import commission
from wangge.performance import selectors_settle as sel
from wangge.performance.bulk import gc_paused, insert_rows, large_cache
from wangge.performance.models import (
    Adjustment,
    CommissionPolicy,
    SalesRecord,
    Settlement,
    Statement,
    StatementLine,
)
from wangge.performance.models.commission import commission_cap
from wangge.performance.permissions_settle import Action

log = logging.getLogger(__name__)

POLICY_FIELDS = (
    "name",
    "business_line",
    "product",
    "channel",
    "role",
    "kind",
    "value",
    "tiers",
    "share_seller",
    "share_manager",
    "share_technician",
    "min_amount",
    "effective_from",
    "effective_to",
)
Progress = Callable[[float, str], None]


def _staff_of(actor: Any) -> Staff | None:
    return getattr(actor, "staff", None) if is_person(actor) else None


# --- policies -------------------------------------------------------------------------


def policy_create(*, actor: Any, **data: Any) -> CommissionPolicy:
    """A new policy version: refused (nothing written) above the cap or overlapping."""
    require(actor, Action.POLICY)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Fields not settable: {sorted(unknown)}")
    return audited_create(actor=actor, instance=CommissionPolicy(**data))


def policy_update(
    *, actor: Any, policy: CommissionPolicy, data: Mapping[str, Any], version: int | None = None
) -> CommissionPolicy:
    require(actor, Action.POLICY)
    policy, _changed = audited_update(
        actor=actor, instance=policy, data=data, fields=POLICY_FIELDS, version=version
    )
    return policy


# --- settlement -----------------------------------------------------------------------


@dataclass
class Outcome:
    """A computed month, before (or without) writing it."""

    period: str
    result: commission.Result
    adjustments: list[Adjustment]
    totals: dict[int, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), commission.ZERO)


def compute(period: str) -> Outcome:
    """Settle `period` in memory: the same input gives the same figures (sales in reference
    order, policies by id, claw-backs and adjustments in a fixed order)."""
    bounds = sel.parse_period(period)
    if bounds is None:
        raise ValidationError(_("月份格式应为 YYYY-MM。"))
    start, end = bounds
    calc = commission.Calculator(sel.policies_for(start, end), cap=commission_cap())
    with gc_paused(), large_cache():
        result = calc.run(sel.month_sales(start, end), sel.month_clawbacks(start, end))
    adjustments = list(Adjustment.objects.filter(period=period).order_by("id"))
    totals: dict[int, Decimal] = defaultdict(lambda: commission.ZERO)
    for line in result.lines:
        totals[line.staff] += line.amount
    for adj in adjustments:
        totals[adj.staff_id] += adj.amount
    return Outcome(
        period=period, result=result, adjustments=adjustments, totals=dict(sorted(totals.items()))
    )


def settlement_start(*, actor: Any, period: str) -> Settlement:
    """Queue the month's settlement (again, while it is not locked); the page shows progress."""
    require(actor, Action.RUN)
    if sel.parse_period(period) is None:
        raise ValidationError(_("月份格式应为 YYYY-MM。"))
    with transaction.atomic():
        settlement, _created = Settlement.objects.select_for_update().get_or_create(period=period)
        if settlement.locked:
            raise ValidationError(
                _("%(period)s 已锁定，不能重新结算；更正请登记到下月调整。") % {"period": period}
            )
        if settlement.running:
            raise ValidationError(_("%(period)s 正在结算中。") % {"period": period})
        before = snapshot(settlement)
        settlement.status = Settlement.Status.RUNNING
        settlement.progress = 0.0
        settlement.progress_note = _("排队中")
        settlement.failed = ""
        settlement.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=settlement,
            before=before,
            after=snapshot(settlement),
        )
        from wangge.performance.tasks_settle import run_settlement

        pk = settlement.pk
        transaction.on_commit(lambda: run_settlement.enqueue(pk))
    return settlement


def _progress(pk: int) -> Progress:
    last = [0.0]

    def report(fraction: float, note: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.3 and fraction < 1:
            return  # the page polls every second; more writes only contend with it
        last[0] = now
        Settlement.objects.filter(pk=pk).update(
            progress=min(max(fraction, 0.0), 0.99), progress_note=note[:200]
        )

    return report


def settlement_run(pk: int) -> None:
    """The task body: compute, then replace the month's statements in one transaction."""
    settlement = Settlement.objects.get(pk=pk)
    if not settlement.running:
        return  # delivered twice: the first delivery did the work
    report = _progress(pk)
    try:
        report(0.05, _("读取销售记录"))
        outcome = compute(settlement.period)
        write(settlement, outcome, report)
    except Exception as exc:
        log.exception("settlement %s failed", settlement.period)
        Settlement.objects.filter(pk=pk).update(
            status=Settlement.Status.DRAFT, failed=str(exc)[:2000], progress=0.0
        )


@transaction.atomic
def write(settlement: Settlement, outcome: Outcome, report: Progress | None = None) -> None:
    """Replace the month's statements by `outcome` (approvals start again)."""
    report = report or (lambda f, n: None)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.locked:
        raise ValidationError(_("%(period)s 已锁定。") % {"period": settlement.period})
    with gc_paused(), large_cache():
        _replace_lines(settlement, outcome, report)
    Settlement.objects.filter(pk=settlement.pk).update(
        status=Settlement.Status.DONE,
        progress=1.0,
        progress_note=_("完成"),
        people=len(outcome.totals),
        total=outcome.total,
        capped_lines=outcome.result.capped_lines,
        run_at=clock.now(),
        approved_by=None,
        approved_at=None,
    )


def _replace_lines(settlement: Settlement, outcome: Outcome, report: Progress) -> None:
    """Delete the month's statements and lines, write the new ones.

    A statement's lines are written together (grouped by person, each in the calculator's
    order): its rows sit side by side in the table and in the statement index, so the next
    re-run deletes them page by page and a statement page reads a few pages, not one page
    per line."""
    # A raw delete: a month holds up to a million lines, the collector would load them all.
    lines = StatementLine.objects.filter(statement__settlement=settlement)
    lines._raw_delete(lines.db)
    statements = Statement.objects.filter(settlement=settlement)
    statements._raw_delete(statements.db)
    grids = sel.primary_grids(set(outcome.totals))
    by_person: dict[int, list[commission.Line]] = defaultdict(list)
    for line in outcome.result.lines:
        by_person[line.staff].append(line)
    adjusted: dict[int, int] = defaultdict(int)
    for adj in outcome.adjustments:
        adjusted[adj.staff_id] += 1
    made = Statement.objects.bulk_create(
        [
            Statement(
                settlement=settlement,
                staff_id=staff,
                grid_id=grids.get(staff),
                total=total,
                lines_count=len(by_person.get(staff, ())) + adjusted[staff],
                capped_lines=sum(map(_CAPPED, by_person.get(staff, ()))),
            )
            for staff, total in outcome.totals.items()
        ],
        batch_size=1000,
    )
    back_ids = _clawback_sale_ids(outcome)
    n = len(outcome.result.lines)
    sale_kind, back_kind = StatementLine.Kind.SALE.value, StatementLine.Kind.CLAWBACK.value

    def rows() -> Iterator[tuple[Any, ...]]:
        # Once per line (1.7 M): the line unpacked at once, the statement's id read once.
        for statement in made:
            pk = statement.pk
            for _s, ref, line, base, payee, pid, rate, paid, capped, back, sid in by_person.get(
                statement.staff_id, ()
            ):
                if back:
                    yield (pk, back_kind, back_ids.get(ref), ref, line, base, payee, pid, rate,
                           paid, capped)  # fmt: skip
                else:
                    yield (pk, sale_kind, sid, ref, line, base, payee, pid, rate, paid, capped)

    for done in insert_rows(StatementLine, _LINE_COLUMNS, rows()):
        report(0.5 + 0.45 * done / max(n, 1), _("写入结算明细 %(i)s / %(n)s") % {"i": done, "n": n})
    by_staff = {s.staff_id: s.pk for s in made}
    StatementLine.objects.bulk_create(
        StatementLine(
            statement_id=by_staff[adj.staff_id],
            kind=StatementLine.Kind.ADJUSTMENT,
            amount=adj.amount,
            adjustment=adj,
        )
        for adj in outcome.adjustments
    )


_CAPPED = itemgetter(8)  # Line.capped
_LINE_COLUMNS = (
    "statement_id",
    "kind",
    "sale_id",
    "sale_ref",
    "business_line",
    "base",
    "payee",
    "policy_id",
    "rate",
    "amount",
    "capped",
)


def _clawback_sale_ids(outcome: Outcome) -> dict[str, int]:
    """The sales records of the month's claw-backs (the month's own sales carry their id)."""
    backs = {line.sale for line in outcome.result.lines if line.clawback}
    if not backs:
        return {}
    return dict(SalesRecord.objects.filter(reference__in=backs).values_list("reference", "pk"))


def settle_now(*, actor: Any, period: str) -> Outcome:
    """Run the month in this process (the CLI's --commit): same rules as the page's run;
    if the run fails the month is back to draft and the error is raised."""
    require(actor, Action.RUN)
    outcome = compute(period)
    with transaction.atomic():
        settlement, _created = Settlement.objects.get_or_create(period=period)
        if settlement.running:
            raise ValidationError(_("%(period)s 正在结算中。") % {"period": period})
        before = snapshot(settlement)
        write(settlement, outcome)
        settlement.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=settlement,
            before=before,
            after=snapshot(settlement),
        )
    return outcome


def report(outcome: Outcome) -> dict[str, Any]:
    """The CLI's JSON (issue 12's contract): money as strings with two decimals."""
    numbers = sel.employee_numbers(set(outcome.totals))
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in outcome.result.lines:
        lines[line.staff].append(
            {
                "sale": line.sale,
                "business_line": line.business_line,
                "amount": f"{line.base:.2f}",
                "commission": f"{line.amount:.2f}",
                "capped": line.capped,
            }
        )
    for adj in outcome.adjustments:
        lines[adj.staff_id].append(
            {
                "sale": None,
                "business_line": None,
                "amount": None,
                "commission": f"{adj.amount:.2f}",
                "capped": False,
            }
        )
    return {
        "period": outcome.period,
        "people": len(outcome.totals),
        "total": f"{outcome.total:.2f}",
        "capped_lines": outcome.result.capped_lines,
        "statements": [
            {
                "staff": numbers.get(staff, str(staff)),
                "total": f"{total:.2f}",
                "lines": lines[staff],
            }
            for staff, total in sorted(
                outcome.totals.items(), key=lambda kv: numbers.get(kv[0], "")
            )
        ],
    }


# --- approval -------------------------------------------------------------------------


def _settled(settlement: Settlement, *states: str) -> Settlement:
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status not in states:
        raise ValidationError(
            _("%(period)s 当前状态为「%(status)s」，不能进行此操作。")
            % {"period": settlement.period, "status": settlement.get_status_display()}
        )
    return settlement


def _set_status(actor: Any, settlement: Settlement, **data: Any) -> Settlement:
    settlement, _changed = audited_update(
        actor=actor, instance=settlement, data=data, fields=data.keys()
    )
    return settlement


@transaction.atomic
def grid_approve(*, actor: Any, settlement: Settlement) -> int:
    """A grid manager approves their grids' statements of the month (the market department:
    all of them). When no statement waits for a manager, the month moves on."""
    require(actor, Action.APPROVE_GRID)
    settlement = _settled(settlement, Settlement.Status.DONE)
    staff = _staff_of(actor)
    waiting = Statement.objects.filter(
        settlement=settlement, grid__isnull=False, manager_approved_at__isnull=True
    )
    mine = [s for s in waiting.select_related("staff") if _may_approve(actor, s)]
    now = clock.now()
    for statement in mine:
        audited_update(
            actor=actor,
            instance=statement,
            data={"manager_approved_by": staff, "manager_approved_at": now},
            fields=("manager_approved_by", "manager_approved_at"),
        )
    if not waiting.exists():
        _set_status(actor, settlement, status=Settlement.Status.APPROVED_BY_MANAGER)
    return len(mine)


def _may_approve(actor: Any, statement: Statement) -> bool:
    from wangge.core.permissions import can

    return can(actor, Action.APPROVE_GRID, statement)


@transaction.atomic
def settlement_approve(*, actor: Any, settlement: Settlement) -> Settlement:
    """The market department's approval, after every grid manager's."""
    require(actor, Action.APPROVE)
    settlement = _settled(settlement, Settlement.Status.APPROVED_BY_MANAGER)
    return _set_status(
        actor,
        settlement,
        status=Settlement.Status.APPROVED,
        approved_by=_staff_of(actor),
        approved_at=clock.now(),
    )


@transaction.atomic
def settlement_lock(*, actor: Any, settlement: Settlement) -> Settlement:
    """Locked: never settled again; corrections become adjustments of the next month."""
    require(actor, Action.APPROVE)
    settlement = _settled(settlement, Settlement.Status.APPROVED)
    return _set_status(actor, settlement, status=Settlement.Status.LOCKED, locked_at=clock.now())


def open_period(period: str) -> str:
    """`period`, or the first month after it that is not locked."""
    locked = set(
        Settlement.objects.filter(status=Settlement.Status.LOCKED).values_list("period", flat=True)
    )
    while period in locked:
        period = sel.next_period(period)
    return period


@transaction.atomic
def adjustment_create(
    *, actor: Any, staff: Staff, corrects: str, amount: Decimal, reason: str
) -> Adjustment:
    """An audited correction for `corrects`; paid in that month, or in the first month after
    it that is not locked. A month already settled shows it after its next run."""
    require(actor, Action.ADJUST)
    if sel.parse_period(corrects) is None:
        raise ValidationError({"corrects": _("月份格式应为 YYYY-MM。")})
    membership = staff.memberships.filter(is_primary=True).first()
    return audited_create(
        actor=actor,
        instance=Adjustment(
            staff=staff,
            grid_id=membership.grid_id if membership else None,
            corrects=corrects,
            period=open_period(corrects),
            amount=amount,
            reason=reason,
            created_by=_staff_of(actor),
        ),
    )
