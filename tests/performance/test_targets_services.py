"""Saving targets: levels must add up or nothing is written; the refusal says where and how
much. Completion, scores and the two-part score of a virtual team's member."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.crm.world import CrmWorld
from tests.performance.factories_targets import crm_fixture, indicator, person_target, sale
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.performance import selectors_targets as sel
from wangge.performance import services_targets as svc
from wangge.performance.models import Target, TeamWeights
from wangge.performance.periods import Period

YEAR = 2026
__all__ = ["crm_fixture"]


def _company(crm: CrmWorld, a: int = 60, b: int = 40) -> None:
    w = crm.world
    svc.company_targets_save(
        actor=SYSTEM,
        indicator=indicator(),
        year=YEAR,
        total=Decimal(a + b),
        grids={w.grid_a: Decimal(a), w.grid_b: Decimal(b)},
    )


def test_company_save_refuses_grids_that_do_not_add_up_and_writes_nothing(crm: CrmWorld) -> None:
    w = crm.world
    with pytest.raises(svc.TargetsDontAddUp) as caught:
        svc.company_targets_save(
            actor=SYSTEM,
            indicator=indicator(),
            year=YEAR,
            total=Decimal(100),
            grids={w.grid_a: Decimal(60), w.grid_b: Decimal(39)},
        )
    assert caught.value.messages == ["各网格目标合计为 99，应为 100，少 1。"]
    assert not Target.objects.exists()


def test_manager_splits_their_grid_over_people_and_months(crm: CrmWorld) -> None:
    w = crm.world
    _company(crm)
    manager = w.user("manager_a")
    people = sel.grid_people(w.grid_a)
    assert [p.pk for p in people] == sorted(
        (w.staff[k].pk for k in ("manager_a", "account_a", "agent_a")),
        key=lambda pk: next(p.employee_no for p in people if p.pk == pk),
    )
    proposal = svc.propose_people(
        indicator=indicator(), year=YEAR, total=Decimal(60), basis="equal", people=people
    )
    assert sum(sum(m) for m in proposal.values()) == 60
    svc.grid_targets_save(
        actor=manager,
        indicator=indicator(),
        year=YEAR,
        grid=w.grid_a,
        people={p: proposal[p.pk] for p in people},
    )
    assert svc.grid_people_check(indicator=indicator(), year=YEAR, grid=w.grid_a) == []
    mine = Target.objects.filter(staff=w.staff["account_a"], year=YEAR, month__gt=0)
    assert sum(t.value for t in mine) == 20
    audited = AuditEntry.objects.filter(content_type__model="target", actor=manager)
    assert audited.count() == 3 * 13  # each person's year and months, by who saved them


def test_grid_save_says_which_person_level_is_off(crm: CrmWorld) -> None:
    w = crm.world
    _company(crm)
    months = [Decimal(4)] * 12  # 48, the grid's target is 60
    with pytest.raises(svc.TargetsDontAddUp) as caught:
        svc.grid_targets_save(
            actor=w.user("manager_a"),
            indicator=indicator(),
            year=YEAR,
            grid=w.grid_a,
            people={w.staff["account_a"]: months},
        )
    assert caught.value.messages == ["网格甲的个人目标合计为 48，应为 60，少 12。"]
    assert not Target.objects.filter(level="person").exists()


def test_manager_of_grid_a_cannot_split_grid_b_nor_set_the_company(crm: CrmWorld) -> None:
    w = crm.world
    _company(crm)
    with pytest.raises(PermissionDenied):
        svc.grid_targets_save(
            actor=w.user("manager_a"),
            indicator=indicator(),
            year=YEAR,
            grid=w.grid_b,
            people={w.staff["sales_b"]: [Decimal(0)] * 11 + [Decimal(40)]},
        )
    with pytest.raises(PermissionDenied):
        _company_as(crm, w.user("manager_a"))


def _company_as(crm: CrmWorld, actor: object) -> None:
    w = crm.world
    svc.company_targets_save(
        actor=actor,
        indicator=indicator(),
        year=YEAR,
        total=Decimal(1),
        grids={w.grid_a: Decimal(1)},
    )


def test_money_targets_split_to_the_fen_and_refuse_finer(crm: CrmWorld) -> None:
    w = crm.world
    rev = indicator("broadband_revenue")
    got = svc.propose_grids(
        indicator=rev,
        year=YEAR,
        total=Decimal("1000.01"),
        basis="equal",
        grids=[w.grid_a, w.grid_b],
    )
    assert sorted(got.values()) == [Decimal("500.00"), Decimal("500.01")]
    with pytest.raises(ValidationError):
        svc.company_targets_save(
            actor=SYSTEM,
            indicator=rev,
            year=YEAR,
            total=Decimal("0.001"),
            grids={w.grid_a: Decimal("0.001")},
        )


def test_proposal_by_households_follows_the_sites(crm: CrmWorld) -> None:
    w = crm.world
    weights = svc.grid_weights("households", [w.grid_a, w.grid_b], indicator=indicator(), year=YEAR)
    assert set(weights) == {w.grid_a.pk, w.grid_b.pk}
    assert all(v >= 0 for v in weights.values())


def test_completion_and_score_have_no_upper_cap(crm: CrmWorld) -> None:
    w = crm.world
    account = w.staff["account_a"]
    person_target(account, YEAR, [2] * 12, grid=w.grid_a)
    for day in (1, 2, 3, 4, 5):
        sale(crm, account, dt.date(YEAR, 3, day))
    cancelled = sale(crm, account, dt.date(YEAR, 3, 6))
    cancelled.cancelled_on = dt.date(YEAR, 3, 20)
    cancelled.save()
    row = sel.person_rows(Period(YEAR, 3, 1), [account])[0]
    fig = row.figures["broadband_new"]
    assert (fig.target, fig.actual, fig.completion) == (Decimal(2), Decimal(5), Decimal("250.00"))
    assert row.score == Decimal("250.00")  # only volume has a target: its weight is all


def test_a_virtual_team_member_is_scored_in_two_parts(crm: CrmWorld) -> None:
    w = crm.world
    seller = w.staff["sales_b"]  # member of the virtual team
    person_target(seller, YEAR, [4] * 12, grid=w.grid_b)
    svc.team_targets_save(
        actor=SYSTEM,
        indicator=indicator(),
        year=YEAR,
        team=w.virtual,
        total=Decimal(24),
        members={seller: [Decimal(2)] * 12},
    )
    TeamWeights.objects.create(
        team=w.virtual, department_weight=Decimal("0.70"), team_weight=Decimal("0.30")
    )
    for day in (1, 2, 3, 4):
        sale(crm, seller, dt.date(YEAR, 5, day), grid=w.grid_b)
    row = sel.person_rows(Period(YEAR, 5, 1), [seller])[0]
    assert row.parts == (Decimal("100.00"), Decimal("200.00"))
    assert row.score == Decimal("130.00")


def test_scoping_marketer_sees_own_manager_their_grids_market_all(crm: CrmWorld) -> None:
    w = crm.world
    _company(crm)
    person_target(w.staff["account_a"], YEAR, [1] * 12, grid=w.grid_a)
    person_target(w.staff["sales_b"], YEAR, [1] * 12, grid=w.grid_b)

    def staff_seen(persona: str) -> set[str]:
        rows = sel.visible_targets(w.user(persona)).filter(level="person")
        return {t.staff.employee_no for t in rows}

    assert staff_seen("account_a") == {"ACCOUNT_A"}
    assert staff_seen("sales_b") == {"SALES_B"}
    assert staff_seen("manager_a") == {"ACCOUNT_A"}
    assert staff_seen("market_admin") == {"ACCOUNT_A", "SALES_B"}
    assert staff_seen("agent_a") == set()
    grids = {t.grid.code for t in sel.visible_targets(w.user("manager_a")).filter(level="grid")}
    assert grids == {"A"}
    assert not sel.visible_targets(w.user("manager_a")).filter(level="company").exists()
