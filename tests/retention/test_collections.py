"""Collection tasks from renewals and arrears, outcomes, payments from billing, rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.crm import services as crm_services
from wangge.crm.models import Subscription
from wangge.retention import selectors, services
from wangge.retention.models import CollectionTask, Payment

pytestmark = pytest.mark.django_db

HEADER = ["缴费流水号", "业务账号", "缴费金额（元）", "缴费日期"]


def _expiring(crm: CrmWorld, days: int = 10, account: str = "BB-A-1") -> Subscription:
    """A line of account_a's household that expires in `days` days."""
    today = clock.today()
    return crm_services.subscription_create(
        actor=SYSTEM,
        customer=crm.customers["a_home"],
        plan=crm.plan_hd,
        started_on=today - dt.timedelta(days=355),
        expires_on=today + dt.timedelta(days=days),
        account_no=account,
    )


def test_tasks_come_from_renewals_and_arrears_once_per_cycle(crm: CrmWorld) -> None:
    sub = _expiring(crm)
    made = services.collections_generate()
    tasks = {(t.kind, t.subscription_id): t for t in CollectionTask.objects.all()}
    assert made == len(tasks) == 2
    renewal = tasks[("renewal", sub.pk)]
    assert (renewal.owner_id, renewal.due_on, renewal.amount) == (
        crm.world.staff["account_a"].pk,
        sub.expires_on,
        sub.monthly_fee,
    )
    arrears = tasks[("arrears", crm.subscriptions["b_home"].pk)]
    assert (arrears.owner_id, arrears.amount) == (crm.world.staff["sales_b"].pk, Decimal("56.00"))
    assert services.collections_generate() == 0  # the same night twice: nothing new
    # A refusal is not asked again in the same cycle.
    services.collection_record(
        actor=crm.world.user("sales_b"),
        task=arrears,
        outcome="refused",
        reason="说已交过",
        version=arrears.version,
    )
    assert services.collections_generate() == 0


def test_a_stranger_cannot_record_an_outcome(crm: CrmWorld) -> None:
    from django.core.exceptions import PermissionDenied

    _expiring(crm)
    services.collections_generate()
    task = CollectionTask.objects.get(kind="renewal")
    with pytest.raises(PermissionDenied):
        services.collection_record(
            actor=crm.world.user("sales_b"), task=task, outcome="paid", version=task.version
        )


def _sheet(*rows: list[Any]) -> bytes:
    return xlsx([HEADER, *rows])


def test_payments_import_dry_run_then_commit_closes_tasks(crm: CrmWorld) -> None:
    sub = _expiring(crm, account="BB-PAY")
    services.collections_generate()
    task = CollectionTask.objects.get(subscription=sub)
    today = clock.today().isoformat()
    data = _sheet(
        ["JF1", "BB-PAY", "68.00", today],
        ["JF2", "NO-SUCH", "10.00", today],
        ["JF3", "BB-PAY", "-5", today],
        ["JF4", "BB-PAY", "10.00", (clock.today() + dt.timedelta(days=2)).isoformat()],
    )
    admin = crm.world.user("market_admin")
    spec = get_spec("payments")
    report = run_import(spec, admin, data)
    assert not report.committed and report.created == 1 and report.rejected == 3
    assert not Payment.objects.exists()
    task.refresh_from_db()
    assert task.status == "open"
    rows = {r: [e.column for e in es] for r, es in report.errors_by_row().items()}
    assert set(rows) == {3, 4, 5}
    done = run_import(spec, admin, data, commit=True)
    assert done.created == 1
    task.refresh_from_db()
    assert (task.status, task.payment.reference) == ("paid", "JF1")  # type: ignore[union-attr]
    # The same file again adds nothing twice.
    again = run_import(spec, admin, _sheet(["JF1", "BB-PAY", "68.00", today]), commit=True)
    assert again.created == 0 and Payment.objects.count() == 1


@pytest.mark.parametrize("persona", ["manager_a", "account_a", "agent_a", "tech_a"])
def test_only_the_market_department_imports_payments(crm: CrmWorld, persona: str) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_import(get_spec("payments"), crm.world.user(persona), _sheet())


def test_rates_count_paid_tasks_and_kept_promises(crm: CrmWorld) -> None:
    first = _expiring(crm, account="BB-1")
    _expiring(crm, account="BB-2")
    services.collections_generate()
    account = crm.world.user("account_a")
    task = CollectionTask.objects.get(subscription=first)
    services.collection_record(
        actor=account,
        task=task,
        outcome="promised",
        promised_on=clock.today(),
        version=task.version,
    )
    services.payment_record(
        actor=SYSTEM,
        reference="P1",
        subscription=first,
        amount=Decimal("28.00"),
        paid_on=clock.today(),
    )
    by_person = {r.name: r for r in selectors.collection_rates(user=SYSTEM, by="owner")}
    mine = by_person[crm.world.staff["account_a"].name]
    assert (mine.renewals, mine.renewed, mine.renewal_rate) == (2, 1, 0.5)
    theirs = by_person[crm.world.staff["sales_b"].name]
    assert (theirs.arrears, theirs.collected, theirs.collection_rate) == (1, 0, 0.0)
    # A marketer's own figures only.
    assert {r.name for r in selectors.collection_rates(user=account, by="owner")} == {
        crm.world.staff["account_a"].name
    }


def test_a_payment_lowers_the_lines_arrears_never_below_zero(crm: CrmWorld) -> None:
    sub = _expiring(crm, account="BB-OWE")
    crm_services.subscription_update(actor=SYSTEM, subscription=sub, data={"arrears": "50.00"})
    admin = crm.world.user("market_admin")
    today = clock.today()
    services.payment_record(
        actor=admin, reference="JF-1", subscription=sub, amount=Decimal("20.50"), paid_on=today
    )
    sub.refresh_from_db()
    assert sub.arrears == Decimal("29.50")
    services.payment_record(
        actor=admin, reference="JF-2", subscription=sub, amount=Decimal("100"), paid_on=today
    )
    sub.refresh_from_db()
    assert sub.arrears == Decimal("0.00")
