"""Commission services: policy refusals, settlement reruns, approval order, lock and the
next month's adjustment, the CLI's dry run."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction

from tests.crm.world import CrmWorld, build_crm
from tests.performance import factories_settle as f
from tests.personas import World, build_world
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.performance import services_settle as svc
from wangge.performance.models import (
    Adjustment,
    CommissionPolicy,
    Settlement,
    Statement,
    StatementLine,
)

pytestmark = pytest.mark.xdist_group("settle-services")


@pytest.fixture(scope="module")
def shared(django_db_setup: Any, django_db_blocker: Any) -> Iterator[CrmWorld]:
    """One world for the module, in a transaction rolled back at its end (building it was
    most of each test's time); each test runs in its own savepoint on top of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_crm(build_world())
        transaction.set_rollback(True)


@pytest.fixture
def crm(shared: CrmWorld, db: None) -> CrmWorld:
    return shared


@pytest.fixture
def world(crm: CrmWorld) -> World:
    return crm.world


def _figures(period: str) -> list[tuple[Any, ...]]:
    return list(
        StatementLine.objects.filter(statement__settlement__period=period)
        .order_by("statement__staff__employee_no", "sale_ref", "payee", "kind")
        .values_list(
            "statement__staff__employee_no",
            "kind",
            "sale_ref",
            "payee",
            "base",
            "rate",
            "amount",
            "capped",
        )
    )


def test_a_policy_above_the_cap_is_refused_with_its_maximum_and_nothing_written(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as err:
        f.policy(
            value=Decimal("0.15"),
            tiers=[{"min_units": 10, "value": "0.20"}],
            share_seller=Decimal("0.9"),
            share_manager=Decimal("0.1"),
            share_technician=Decimal(0),
        )
    assert "20.00%" in str(err.value) and "17%" in str(err.value)
    with pytest.raises(ValidationError) as err:
        f.policy(kind="fixed", value=Decimal("30"))
    assert "最低销售金额" in str(err.value) and "176.47" in str(err.value)
    assert not CommissionPolicy.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="commissionpolicy").exists()
    # HD is not capped: the same rate is fine there.
    f.policy(business_line="hd", value=Decimal("0.30"))


def test_overlapping_versions_are_refused_and_a_successor_is_not(world: World) -> None:
    first = f.policy()
    with pytest.raises(ValidationError) as err:
        f.policy(name="新版", effective_from=dt.date(2024, 6, 1))
    assert "宽带提成" in str(err.value) and "重叠" in str(err.value)
    svc.policy_update(actor=SYSTEM, policy=first, data={"effective_to": dt.date(2024, 5, 31)})
    f.policy(name="新版", effective_from=dt.date(2024, 6, 1), value=Decimal("0.12"))
    # A different key (the agents' channel) may run at the same time.
    f.policy(name="代理", channel="agent")
    assert CommissionPolicy.objects.count() == 3


def test_only_the_market_department_sets_policies(world: World) -> None:
    with pytest.raises(PermissionDenied):
        svc.policy_create(
            actor=world.user("manager_a"),
            name="x",
            business_line="hd",
            kind="rate",
            value=Decimal("0.1"),
            effective_from=dt.date(2024, 1, 1),
        )


def test_a_month_settles_with_split_cap_and_rerun_gives_identical_figures(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    f.standard_month(crm)
    admin = crm.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        svc.settlement_start(actor=admin, period=f.PERIOD)
    s = Settlement.objects.get(period=f.PERIOD)
    assert s.status == Settlement.Status.DONE and s.progress == 1.0
    got = {
        (no, ref, payee): (amount, capped)
        for no, _k, ref, payee, _b, _r, amount, capped in _figures(f.PERIOD)
    }
    assert got == {
        ("ACCOUNT_A", "BB-1", "seller"): (Decimal("54.40"), False),  # 680 × 10% × 0.8
        ("MANAGER_A", "BB-1", "manager"): (Decimal("6.80"), False),
        ("TECH_A", "BB-1", "technician"): (Decimal("6.80"), False),
        ("AGENT_A", "BB-2", "seller"): (Decimal("20.00"), False),  # = 16.7% of 120
        ("SALES_B", "HD-1", "seller"): (Decimal("5.00"), False),
        # 99.99 × 10%: seller 8.00, grid B's manager 1.00 (no technician): within 17%.
        ("SALES_B", "BB-3", "seller"): (Decimal("8.00"), False),
        ("MANAGER_B", "BB-3", "manager"): (Decimal("1.00"), False),
    }
    for st in Statement.objects.filter(settlement=s):
        assert st.total == sum(ln.amount for ln in st.lines.all())
    assert s.total == sum(st.total for st in Statement.objects.filter(settlement=s))
    before = _figures(f.PERIOD)
    with django_capture_on_commit_callbacks(execute=True):
        svc.settlement_start(actor=admin, period=f.PERIOD)
    assert _figures(f.PERIOD) == before


def test_a_fixed_sum_on_a_cheap_sale_is_cut_to_the_cap_and_marked(crm: CrmWorld) -> None:
    f.policy(
        channel="agent",
        kind="fixed",
        value=Decimal("20"),
        min_amount=Decimal("120"),
        share_seller=Decimal(1),
        share_manager=Decimal(0),
        share_technician=Decimal(0),
    )
    # The policy passes the save check at 120; rounding of a sale of exactly 120 is fine.
    f.sale(crm, "BB-9", "117.65", seller="agent_a", customer="a_agent")  # below the minimum
    f.sale(crm, "BB-8", "120.00", seller="agent_a", customer="a_agent")
    out = svc.compute(f.PERIOD)
    assert [(ln.sale, ln.amount) for ln in out.result.lines] == [("BB-8", Decimal("20.00"))]


def test_approval_runs_manager_then_market_then_lock(crm: CrmWorld) -> None:
    f.standard_month(crm)
    admin, manager_a = crm.world.user("market_admin"), crm.world.user("manager_a")
    s = Settlement.objects.create(period=f.PERIOD, status=Settlement.Status.RUNNING)
    svc.write(s, svc.compute(f.PERIOD))
    s.refresh_from_db()
    with pytest.raises(ValidationError):
        svc.settlement_approve(actor=admin, settlement=s)  # the managers first
    with pytest.raises(PermissionDenied):
        svc.grid_approve(actor=crm.world.user("account_a"), settlement=s)
    assert svc.grid_approve(actor=manager_a, settlement=s) == 4  # grid A's four people
    s.refresh_from_db()
    assert s.status == Settlement.Status.DONE  # grid B still waits
    assert svc.grid_approve(actor=crm.world.user("manager_b"), settlement=s) == 2
    s.refresh_from_db()
    assert s.status == Settlement.Status.APPROVED_BY_MANAGER
    with pytest.raises(PermissionDenied):
        svc.settlement_approve(actor=manager_a, settlement=s)
    with pytest.raises(ValidationError):
        svc.settlement_lock(actor=admin, settlement=s)  # not approved yet
    svc.settlement_approve(actor=admin, settlement=s)
    svc.settlement_lock(actor=admin, settlement=s)
    s.refresh_from_db()
    assert s.status == Settlement.Status.LOCKED and s.locked_at is not None
    with pytest.raises(ValidationError):
        svc.settlement_start(actor=admin, period=f.PERIOD)
    with pytest.raises(ValidationError):
        svc.settle_now(actor=SYSTEM, period=f.PERIOD)


def test_after_lock_a_correction_is_an_audited_line_of_the_next_month(crm: CrmWorld) -> None:
    f.standard_month(crm)
    admin = crm.world.user("market_admin")
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    s = Settlement.objects.get(period=f.PERIOD)
    s.status = Settlement.Status.LOCKED
    s.save()
    locked = _figures(f.PERIOD)
    adj = svc.adjustment_create(
        actor=admin,
        staff=crm.world.staff["account_a"],
        corrects=f.PERIOD,
        amount=Decimal("-4.40"),
        reason="BB-1 金额录错",
    )
    assert (adj.period, adj.corrects) == ("2024-04", f.PERIOD)
    assert AuditEntry.objects.filter(content_type__model="adjustment", object_id=str(adj.pk))
    out = svc.settle_now(actor=SYSTEM, period="2024-04")
    assert _figures(f.PERIOD) == locked
    st = Statement.objects.get(settlement__period="2024-04", staff=crm.world.staff["account_a"])
    assert st.total == Decimal("-4.40")
    assert [ln.kind for ln in st.lines.all()] == ["adjustment"]
    assert out.total == Decimal("-4.40")
    with pytest.raises(ValidationError):
        svc.adjustment_create(
            actor=admin,
            staff=crm.world.staff["account_a"],
            corrects=f.PERIOD,
            amount=Decimal(1),
            reason="  ",
        )
    assert Adjustment.objects.count() == 1


def test_a_cancelled_account_claws_back_next_month(crm: CrmWorld) -> None:
    f.policy()
    rec = f.sale(crm, "BB-1", "680.00")
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    rec.cancelled_on = dt.date(2024, 4, 2)
    rec.save()
    out = svc.compute("2024-04")
    assert {(ln.staff, ln.amount, ln.clawback) for ln in out.result.lines} == {
        (crm.world.staff["account_a"].pk, Decimal("-54.40"), True),
        (crm.world.staff["manager_a"].pk, Decimal("-6.80"), True),
    }
    svc.settle_now(actor=SYSTEM, period="2024-04")
    assert svc.compute("2024-05").result.lines == []  # a later month does not take it back again


def test_the_cli_dry_run_writes_nothing_and_prints_the_contract(crm: CrmWorld) -> None:
    f.standard_month(crm)
    counts = (
        Settlement.objects.count(),
        Statement.objects.count(),
        StatementLine.objects.count(),
        AuditEntry.objects.count(),
    )
    out = io.StringIO()
    call_command("settle", f.PERIOD, "--json", stdout=out)
    assert counts == (
        Settlement.objects.count(),
        Statement.objects.count(),
        StatementLine.objects.count(),
        AuditEntry.objects.count(),
    )
    data = json.loads(out.getvalue())
    assert set(data) == {"period", "people", "total", "capped_lines", "statements"}
    assert (data["period"], data["people"], data["total"]) == (f.PERIOD, 6, "102.00")
    first = data["statements"][0]
    assert first["staff"] == "ACCOUNT_A" and first["total"] == "54.40"
    assert first["lines"] == [
        {
            "sale": "BB-1",
            "business_line": "broadband",
            "amount": "680.00",
            "commission": "54.40",
            "capped": False,
        }
    ]
    out = io.StringIO()
    call_command("settle", f.PERIOD, "--json", "--commit", stdout=out)
    assert json.loads(out.getvalue()) == data
    assert Statement.objects.count() == 6


def test_the_cli_refuses_a_bad_month(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("settle", "2024-13")
