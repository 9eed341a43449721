"""Every write of the retention app: care rules, contacts, collection tasks and payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import SYSTEM, is_person, scope_for
from wangge.core.permissions import require
from wangge.core.services import StaleVersion, audited_create, audited_update
from wangge.crm import selectors as crm_selectors
from wangge.crm import services as crm_services
from wangge.crm.models import Customer, Subscription
from wangge.org.models import Staff
from wangge.retention import engine
from wangge.retention.models import CareRule, CollectionTask, Contact, Payment
from wangge.retention.permissions import Action

#: Renewal tasks are made this many days before a subscription expires.
RENEWAL_LEAD_DAYS = 30
#: An arrears task is due this many days after it is made.
ARREARS_DAYS = 7

RULE_FIELDS = (
    "name", "is_active", "customer_kind", "tier", "relationship", "activated_within_months",
    "grid", "contact_kinds", "mode", "period_days", "min_contacts", "starts_on",
)  # fmt: skip


def _check_rule_numbers(data: Mapping[str, Any]) -> None:
    """A clear message before the database's check (which would say the same, later)."""
    errors = {}
    period = data.get("period_days")
    if period is not None and (not isinstance(period, int) or period <= 0):
        errors["period_days"] = _("周期必须是正整数天。")
    least = data.get("min_contacts")
    if least is not None and (not isinstance(least, int) or least <= 0):
        errors["min_contacts"] = _("至少联系次数必须是正整数。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_create(*, actor: Any, **fields: Any) -> CareRule:
    require(actor, Action.RULES)
    _check_rule_numbers(fields)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"Not a care rule field: {sorted(unknown)}")
    rule = audited_create(actor=actor, instance=CareRule(**fields))
    transaction.on_commit(engine.refresh)
    return rule


@transaction.atomic
def rule_update(
    *, actor: Any, rule: CareRule, data: Mapping[str, Any], version: int | None = None
) -> CareRule:
    require(actor, Action.RULES)
    _check_rule_numbers(data)
    rule, changed = audited_update(
        actor=actor, instance=rule, data=data, fields=RULE_FIELDS, version=version
    )
    if changed:
        transaction.on_commit(engine.refresh)
    return rule


def _acting_staff(actor: Any) -> Staff | None:
    if not is_person(actor):
        return None
    staff_id = scope_for(actor).staff_id
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


@transaction.atomic
def contact_record(
    *, actor: Any, customer: Customer, kind: str, note: str = "", staff: Staff | None = None
) -> Contact:
    """I called / messaged / saw the customer: counts toward its care at once."""
    require(actor, Action.CONTACT, customer)
    staff = staff or _acting_staff(actor)
    if staff is None:
        raise ValidationError(_("只有网格人员可以登记维系联系。"))
    contact = audited_create(
        actor=actor,
        instance=Contact(
            customer=customer,
            staff=staff,
            grid_id=customer.site.grid_id,
            kind=kind,
            at=clock.now(),
            note=note,
        ),
    )
    engine.refresh(customer_ids=[customer.pk])
    return contact


def on_visit_recorded(event: Any) -> None:
    """The sales app's visit is a contact: the customer's care is recomputed right away."""
    if event.customer_id is not None:
        engine.refresh(customer_ids=[event.customer_id])


# --- collections -------------------------------------------------------------------------


def _cycle_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def collections_generate(*, as_of: dt.date | None = None) -> int:
    """Make the renewal and arrears tasks that do not exist yet (one per subscription, kind
    and cycle; running twice makes none twice). Returns how many were made."""
    today = as_of or clock.today()
    renewals = crm_selectors.subscription_list(user=SYSTEM, expiring_within=RENEWAL_LEAD_DAYS)
    arrears = crm_selectors.subscription_list(user=SYSTEM, in_arrears=True).filter(
        status__in=Subscription.LIVE_STATUSES
    )
    tasks: list[CollectionTask] = []
    for sub in renewals.iterator(chunk_size=2000):
        cycle = sub.expires_on
        tasks.append(_task(sub, "renewal", cycle, cycle, sub.monthly_fee, today))
    month = _cycle_month(today)
    due = today + dt.timedelta(days=ARREARS_DAYS)
    for sub in arrears.iterator(chunk_size=2000):
        tasks.append(_task(sub, "arrears", month, due, sub.arrears, today))
    before = CollectionTask.objects.count()
    CollectionTask.objects.bulk_create(tasks, batch_size=500, ignore_conflicts=True)
    return CollectionTask.objects.count() - before


def _task(
    sub: Subscription, kind: str, cycle: Any, due_on: Any, amount: Decimal, today: dt.date
) -> CollectionTask:
    return CollectionTask(
        kind=kind,
        subscription=sub,
        customer_id=sub.customer_id,
        owner_id=sub.customer.owner_id,
        grid_id=sub.customer.site.grid_id,
        cycle=cycle,
        due_on=due_on,
        amount=amount,
        created_on=today,
    )


@transaction.atomic
def collection_record(
    *,
    actor: Any,
    task: CollectionTask,
    outcome: str,
    version: int | None,
    promised_on: dt.date | None = None,
    reason: str = "",
    note: str = "",
) -> CollectionTask:
    """The person's outcome of an open task. A promise opens a follow-up due that day."""
    require(actor, Action.WORK, task)
    if outcome not in CollectionTask.OUTCOMES:
        raise ValidationError({"outcome": _("请选择催缴结果。")})
    if version is not None and version != task.version:
        # Someone recorded an outcome since this person read the task: say so (409).
        raise StaleVersion(task, version, task.version)
    if not task.is_open:
        raise ValidationError({"outcome": _("这条任务已有结果。")})
    today = clock.today()
    data: dict[str, Any] = {"status": outcome, "note": note, "closed_on": today}
    if outcome == CollectionTask.Status.PROMISED:
        if promised_on is None:
            raise ValidationError({"promised_on": _("承诺缴费须填写承诺日期。")})
        if promised_on < today:
            raise ValidationError({"promised_on": _("承诺日期不能早于今天。")})
        data["promised_on"] = promised_on
    elif promised_on is not None:
        raise ValidationError({"promised_on": _("只有承诺缴费填写承诺日期。")})
    if outcome == CollectionTask.Status.REFUSED:
        if not reason.strip():
            raise ValidationError({"reason": _("拒绝须填写原因。")})
        data["reason"] = reason.strip()
    task, _changed = audited_update(
        actor=actor,
        instance=task,
        data=data,
        fields=("status", "note", "closed_on", "promised_on", "reason"),
        version=version,
    )
    if promised_on is not None:  # a promise (checked above)
        audited_create(
            actor=actor,
            instance=CollectionTask(
                kind=task.kind,
                subscription_id=task.subscription_id,
                customer_id=task.customer_id,
                owner_id=task.owner_id,
                grid_id=task.grid_id,
                cycle=task.cycle,
                due_on=promised_on,
                amount=task.amount,
                parent=task,
                created_on=today,
            ),
        )
    return task


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    reference: str,
    subscription: Subscription,
    amount: Decimal,
    paid_on: dt.date,
) -> tuple[Payment, int]:
    """A payment from billing; it lowers the line's arrears and closes the subscription's
    open tasks (paid). Returns the payment and how many tasks it closed."""
    require(actor, Action.PAYMENTS)
    if paid_on > clock.today():
        raise ValidationError({"paid_on": _("缴费日期不能晚于今天。")})
    payment = audited_create(
        actor=actor,
        instance=Payment(
            reference=reference, subscription=subscription, amount=amount, paid_on=paid_on
        ),
    )
    line = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if line.arrears > 0:
        # Billing settles what is owed first: the line's arrears fall by what was paid (the
        # rest is credit billing keeps), so the customer's page and the next month's arrears
        # tasks read the debt that is left.
        crm_services.subscription_update(
            actor=actor,
            subscription=line,
            data={"arrears": max(Decimal("0.00"), line.arrears - amount)},
        )
    closed = 0
    for task in CollectionTask.objects.filter(
        subscription=subscription, status=CollectionTask.Status.OPEN
    ):
        audited_update(
            actor=actor,
            instance=task,
            data={"status": CollectionTask.Status.PAID, "payment": payment, "closed_on": paid_on},
            fields=("status", "payment", "closed_on"),
        )
        closed += 1
    return payment, closed
