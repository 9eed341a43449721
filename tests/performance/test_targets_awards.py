"""Awards from figures: 成长之星 at exactly 120%, 超越团队's top N, 创业之星 nominated and
decided by the committee, the `wangge awards` command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from tests.crm.world import CrmWorld
from tests.performance.factories_targets import crm_fixture, person_target, sale
from wangge.core.access import SYSTEM
from wangge.performance import services_awards as svc
from wangge.performance.models import Award, AwardKind, AwardRule, Target
from wangge.performance.periods import Period

__all__ = ["crm_fixture"]
YEAR = 2026
MARCH = Period(YEAR, 3, 1)


def _sales(crm: CrmWorld, persona: str, n: int, *, month: int = 3) -> None:
    w = crm.world
    grid = w.grid_b if persona == "sales_b" else w.grid_a
    for i in range(n):
        sale(crm, w.staff[persona], dt.date(YEAR, month, 1 + i), grid=grid)


def _targets(crm: CrmWorld) -> None:
    """account_a and sales_b: 10 new broadband customers in March; agent_a 5."""
    w = crm.world
    months = [10] * 12
    person_target(w.staff["account_a"], YEAR, months, grid=w.grid_a)
    person_target(w.staff["sales_b"], YEAR, months, grid=w.grid_b)
    person_target(w.staff["agent_a"], YEAR, [5] * 12, grid=w.grid_a)


def test_growth_star_at_exactly_120_percent_and_not_below(crm: CrmWorld) -> None:
    _targets(crm)
    _sales(crm, "account_a", 12)  # 120.00%
    _sales(crm, "sales_b", 11)  # 110.00%
    _sales(crm, "agent_a", 6)  # 120.00%
    got = {c.obj.employee_no: (c.figure, c.eligible) for c in svc.growth_stars(MARCH)}
    assert got == {
        "ACCOUNT_A": (Decimal("120.00"), True),
        "AGENT_A": (Decimal("120.00"), True),
        "SALES_B": (Decimal("110.00"), False),
    }


def test_granting_twice_records_each_award_once(crm: CrmWorld) -> None:
    _targets(crm)
    _sales(crm, "account_a", 13)
    first = svc.awards_grant(actor=SYSTEM, period=MARCH)
    again = svc.awards_grant(actor=SYSTEM, period=MARCH)
    growth = [a for a in first if a.kind == AwardKind.GROWTH_STAR]
    assert [(a.staff.employee_no, a.figure, a.amount) for a in growth] == [  # type: ignore[union-attr]
        ("ACCOUNT_A", Decimal("130.00"), Decimal("500.00"))
    ]
    assert again == []


def test_a_quarterly_rule_is_not_decided_on_a_month(crm: CrmWorld) -> None:
    _targets(crm)
    _sales(crm, "account_a", 12)
    AwardRule.objects.filter(kind=AwardKind.GROWTH_STAR).update(cadence="quarterly")
    assert svc.growth_stars(MARCH) == []
    q1 = {c.obj.employee_no: c for c in svc.growth_stars(Period(YEAR, 1, 3))}
    assert q1["ACCOUNT_A"].figure == Decimal("40.00")  # 12 of 30 in the quarter


def test_surpass_team_ranks_teams_by_completion_and_awards_the_top_n(crm: CrmWorld) -> None:
    w = crm.world
    AwardRule.objects.filter(kind=AwardKind.SURPASS_TEAM).update(top_n=1)
    ind = Target._meta.get_field("indicator").related_model.objects.get(code="broadband_new")  # type: ignore[union-attr]
    for grid, value in ((w.grid_a, 120), (w.grid_b, 120)):
        Target.objects.create(indicator=ind, year=YEAR, level="grid", grid=grid, value=value)
    _sales(crm, "account_a", 15)  # grid A: 15 of 10 a month
    _sales(crm, "sales_b", 5)  # grid B: 5 of 10
    ranked = svc.surpass_teams(MARCH)
    assert [(c.obj.name, c.rank, c.figure, c.eligible) for c in ranked] == [
        ("网格甲团队", 1, Decimal("150.00"), True),
        ("网格乙团队", 2, Decimal("50.00"), False),
    ]  # the virtual team has no target of its own: not ranked


def test_pioneer_star_is_nominated_by_the_manager_and_decided_by_the_committee(
    crm: CrmWorld,
) -> None:
    w = crm.world
    _targets(crm)
    _sales(crm, "account_a", 12)
    q1 = Period(YEAR, 1, 3)
    with pytest.raises(PermissionDenied):  # not their grid
        svc.pioneer_nominate(
            actor=w.user("manager_a"), staff=w.staff["sales_b"], period=q1, note=""
        )
    with pytest.raises(ValidationError):  # 创业之星 is quarterly
        svc.pioneer_nominate(
            actor=w.user("manager_a"), staff=w.staff["account_a"], period=MARCH, note=""
        )
    award = svc.pioneer_nominate(
        actor=w.user("manager_a"), staff=w.staff["account_a"], period=q1, note="开拓新小区"
    )
    assert award.status == Award.Status.NOMINATED
    assert award.details["values"]["completion"] == "40.00"
    assert Decimal(award.details["points"]["completion"]) == Decimal("13.33")
    assert award.nominated_by == w.staff["manager_a"]
    with pytest.raises(PermissionDenied):
        svc.pioneer_decide(actor=w.user("manager_a"), award=award, approve=True)
    svc.pioneer_decide(actor=w.user("market_admin"), award=award, approve=True, amount=Decimal(800))
    award.refresh_from_db()
    assert (award.status, award.amount) == (Award.Status.AWARDED, Decimal("800.00"))
    with pytest.raises(ValidationError):
        svc.pioneer_decide(actor=w.user("market_admin"), award=award, approve=False)


def test_awards_command_prints_eligible_and_awarded_with_figures(crm: CrmWorld) -> None:
    _targets(crm)
    _sales(crm, "account_a", 12)
    out = io.StringIO()
    call_command("awards", "2026-03", "--grant", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["period"] == "2026-03"
    assert data["growth_star"]["eligible"] == [
        {"staff": "ACCOUNT_A", "name": "客户经理甲", "completion": "120.00", "actual": "12",
         "target": "10"}
    ]  # fmt: skip
    assert [a["staff"] for a in data["growth_star"]["awarded"]] == ["ACCOUNT_A"]
    assert data["growth_star"]["awarded"][0]["amount"] == "500.00"
    text = io.StringIO()
    call_command("awards", "2026-Q1", stdout=text)
    assert text.getvalue().startswith("2026-Q1")
    with pytest.raises(CommandError):
        call_command("awards", "2026-13")
