"""Company dispatch lists (公司派单表): the import kind `opportunities`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.crm.world import CrmWorld
from tests.imports.sheets import read, xlsx
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import, template_workbook
from wangge.sales.imports import due_at
from wangge.sales.models import Opportunity, OpportunityStep

pytestmark = pytest.mark.django_db

SITE = "小区/楼宇编码"
HEADER = ["派单编号", "客户编号", "小区/楼宇编码", "联系人", "联系电话", "意向产品", "需求",
          "商机类型", "预计月收入（元）", "预计成交日期", "网格编码", "接单人工号",
          "首次联系时限"]  # fmt: skip


def spec() -> Any:
    return get_spec("opportunities")


def later(days: int) -> str:
    return (clock.today() + dt.timedelta(days=days)).isoformat()


def row(ref: str, **over: Any) -> list[Any]:
    values: dict[str, Any] = dict.fromkeys(HEADER)
    values.update({"派单编号": ref, "小区/楼宇编码": "A000", "联系人": "张先生",
                   "联系电话": "13800138000", "意向产品": "BB", "需求": "想装千兆",
                   "商机类型": "新客户", "预计月收入（元）": "68.00"})  # fmt: skip
    values.update(over)
    return [values[h] for h in HEADER]


def sheet(*rows: list[Any]) -> bytes:
    return xlsx([HEADER, *rows])


def messages(report: Any) -> dict[int, list[str]]:
    return {r: [f"{e.column}:{e.message}" for e in es] for r, es in report.errors_by_row().items()}


def test_a_dry_run_reports_every_rows_errors_and_writes_nothing(crm: CrmWorld) -> None:
    manager = crm.world.user("manager_a")
    data = sheet(
        row("PD1", 联系人="好行"),
        row("PD2", 客户编号="KH-NOBODY", **{SITE: None}),
        row("PD3", 接单人工号="SALES_B", 首次联系时限=later(2)),  # grid B's marketer
        row("PD4", 接单人工号="ACCOUNT_A", 首次联系时限=later(-1)),
        row("PD5", **{"预计月收入（元）": "六十八"}),
        row("PD6", 接单人工号="ACCOUNT_A"),  # a hand-over needs its due day
        row("PD7", **{SITE: "B000"}),  # grid B: not the manager's
    )
    before = (Opportunity.objects.count(), OpportunityStep.objects.count())
    report = run_import(spec(), manager, data)
    assert (Opportunity.objects.count(), OpportunityStep.objects.count()) == before
    assert not report.committed and report.created == 1 and report.rejected == 6
    found = messages(report)
    assert 2 not in found
    assert "客户编号:没有这个客户编号" in found[3]
    assert found[4] == ["接单人工号:接单人不属于该网格"]
    assert found[5] == ["首次联系时限:首次联系时限已过，请填今天或以后的日期"]
    assert found[6][0].startswith("预计月收入（元）:")
    assert found[7] == ["首次联系时限:派单时必须填写首次联系时限"]
    assert found[8] == ["小区/楼宇编码:没有这个小区/楼宇编码"]  # hidden reads as unknown


def test_commit_creates_through_the_services_and_dispatches(crm: CrmWorld) -> None:
    manager = crm.world.user("manager_a")
    customer = crm.customers["a_home"]
    data = sheet(
        row("PD1", 客户编号=customer.code, **{SITE: None}, 商机类型="存量提值",
            接单人工号="account_a", 首次联系时限=later(3)),
        row("PD2"),
    )  # fmt: skip
    report = run_import(spec(), manager, data, commit=True)
    assert report.committed and report.errors == [] and report.created == 2
    one = Opportunity.objects.get(external_ref="PD1")
    assert one.customer == customer and one.kind == Opportunity.Kind.UPLIFT
    assert one.source == Opportunity.Source.DISPATCH
    assert one.assignee == crm.world.staff["account_a"]
    assert one.dispatch == Opportunity.Dispatch.PENDING
    assert one.contact_due == due_at(clock.today() + dt.timedelta(days=3))
    assert one.expected_monthly == Decimal("68.00") and one.product == crm.broadband
    steps = list(one.steps.values_list("kind", "actor_id"))
    staff = crm.world.staff["manager_a"].pk
    assert steps == [("created", staff), ("dispatch", staff)]  # in the importer's name
    two = Opportunity.objects.get(external_ref="PD2")
    assert two.grid == crm.world.grid_a and two.assignee is None  # on the board


def test_upsert_by_dispatch_number_updates_instead_of_duplicating(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    first = run_import(spec(), admin, sheet(row("PD9", 接单人工号="ACCOUNT_A",
                                                首次联系时限=later(2))), commit=True)  # fmt: skip
    assert first.committed and first.created == 1
    opp = Opportunity.objects.get(external_ref="PD9")
    again = run_import(spec(), admin, sheet(row("PD9", 接单人工号="ACCOUNT_A",
                                                首次联系时限=later(2))), commit=True)  # fmt: skip
    assert again.unchanged == 1 and again.created == again.updated == 0
    assert opp.steps.filter(kind=OpportunityStep.Kind.DISPATCH).count() == 1  # dispatched once
    changed = run_import(
        spec(), admin, sheet(row("PD9", 需求="改要 300M", 接单人工号="ACCOUNT_A",
                                 首次联系时限=later(2))), commit=True
    )  # fmt: skip
    assert changed.committed and changed.updated == 1 and changed.created == 0
    assert Opportunity.objects.filter(external_ref="PD9").count() == 1
    opp.refresh_from_db()
    assert opp.need == "改要 300M" and opp.version > 1


def test_the_market_department_dispatches_to_any_grid_a_manager_only_into_theirs(
    crm: CrmWorld,
) -> None:
    admin, manager = crm.world.user("market_admin"), crm.world.user("manager_a")
    report = run_import(
        spec(), admin, sheet(row("PD1", **{SITE: "B000"}, 网格编码="B",
                                 首次联系时限=later(1))), commit=True
    )  # fmt: skip
    assert report.committed, report.errors
    opp = Opportunity.objects.get(external_ref="PD1")
    assert opp.grid == crm.world.grid_b and opp.dispatch == Opportunity.Dispatch.TO_GRID
    refused = run_import(spec(), manager, sheet(row("PD2", 网格编码="B", 首次联系时限=later(1))))
    assert [e.column for e in refused.errors] == ["网格编码"]
    # Grid B's dispatch is not the manager's to update: it reads as unknown.
    hidden = run_import(spec(), manager, sheet(row("PD1", **{SITE: "B000"}, 需求="x")))
    assert [e.column for e in hidden.errors] == ["派单编号"]


@pytest.mark.parametrize("persona", ["account_a", "sales_b", "tech_a", "agent_a"])
def test_only_the_market_department_and_managers_import(crm: CrmWorld, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        run_import(spec(), crm.world.user(persona), sheet(row("PD1")))
    assert not Opportunity.objects.exists()


def test_the_template_and_an_export_read_back(crm: CrmWorld) -> None:
    rows = read(template_workbook(spec()))
    assert list(rows[0]) == HEADER
    run_import(spec(), SYSTEM, sheet(row("PD5", 接单人工号="ACCOUNT_A", 首次联系时限=later(4))),
               commit=True)  # fmt: skip
    manager = crm.world.user("manager_a")
    exported = export_workbook(spec(), manager, spec().queryset(manager), {})
    again = run_import(spec(), manager, exported)
    assert again.errors == [] and again.unchanged == 1
