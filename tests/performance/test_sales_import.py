"""Billing's sales sheet: the import (and export) kind `sales`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.crm.world import CrmWorld, build_crm
from tests.imports.sheets import read, xlsx
from tests.performance.factories_sales import record
from tests.personas import World
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import, template_workbook
from wangge.crm import services as crm_services
from wangge.performance.models import SalesRecord

HEADER = ["业务流水号", "销售日期", "客户编号", "业务账号", "套餐或产品编码", "业务线",
          "销售金额（元）", "销售人工号", "渠道", "销户日期"]  # fmt: skip


@pytest.fixture
def crm(world: World) -> CrmWorld:
    c = build_crm(world)
    crm_services.subscription_update(
        actor=SYSTEM, subscription=c.subscriptions["a_home"], data={"account_no": "BB0001"},
        version=c.subscriptions["a_home"].version,
    )  # fmt: skip
    return c


def spec() -> Any:
    return get_spec("sales")


def day(offset: int) -> str:
    return (clock.today() + dt.timedelta(days=offset)).isoformat()


def row(crm: CrmWorld, ref: str, **over: Any) -> list[Any]:
    values: dict[str, Any] = dict.fromkeys(HEADER)
    values.update({"业务流水号": ref, "销售日期": day(-5), "客户编号": crm.customers["a_home"].code,
                   "业务账号": "BB0001", "套餐或产品编码": "BB-300", "销售金额（元）": "816.00",
                   "销售人工号": "ACCOUNT_A"})  # fmt: skip
    values.update(over)
    return [values[h] for h in HEADER]


def agent_row(crm: CrmWorld) -> list[Any]:
    """A digital HD sale by the agency 甲通讯店 (its agent found by the agency's name)."""
    return row(crm, "JF2", 客户编号=crm.customers["a_agent"].code, 业务账号=None,
               套餐或产品编码="HD", 销售人工号="甲通讯店", **{"销售金额（元）": "336"})  # fmt: skip


def messages(report: Any) -> dict[int, list[str]]:
    return {r: [f"{e.column}:{e.message}" for e in es] for r, es in report.errors_by_row().items()}


def test_a_dry_run_reports_every_bad_row_and_writes_nothing(crm: CrmWorld) -> None:
    b_code = crm.customers["b_home"].code
    data = xlsx([HEADER,
        row(crm, "JF1"),
        row(crm, "JF2", 客户编号="KH-NOBODY"),
        row(crm, "JF3", 业务账号="NO-SUCH"),
        row(crm, "JF4", 销售人工号="NOBODY"),
        row(crm, "JF5", **{"销售金额（元）": "-5"}),
        row(crm, "JF6", **{"销售金额（元）": "八百"}),
        row(crm, "JF7", 销售日期=day(3)),
        row(crm, "JF8", 销户日期=day(-9)),
        row(crm, "JF9", 客户编号=b_code),  # the account is a_home's
        row(crm, "JF10", 套餐或产品编码="NOPE"),
    ])  # fmt: skip
    report = run_import(spec(), crm.world.user("manager_a"), data)
    assert SalesRecord.objects.count() == 0
    assert not report.committed and report.created == 1 and report.rejected == 9
    found = messages(report)
    assert 2 not in found
    assert found[3] == ["客户编号:没有这个客户编号"]
    assert found[4] == ["业务账号:没有这个业务账号"]
    assert found[5] == ["销售人工号:没有这个工号或代理商"]
    assert found[6][0].startswith("销售金额（元）:") and found[7][0].startswith("销售金额（元）:")
    assert found[8] == ["销售日期:销售日期不能晚于今天"]
    assert found[9] == ["销户日期:销户日期不能早于销售日期"]
    assert found[11] == ["套餐或产品编码:没有这个套餐或产品编码"]
    # Grid B's customer is not manager A's to see: not found, and its account not theirs.
    assert "客户编号:没有这个客户编号" in found[10]


def test_a_commit_creates_then_upserts_by_the_billing_reference(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    first = xlsx([HEADER, row(crm, "JF1"), agent_row(crm)])
    report = run_import(spec(), admin, first, commit=True)
    assert report.committed and report.created == 2, messages(report)
    jf1 = SalesRecord.objects.get(reference="JF1")
    assert (jf1.amount, jf1.business_line, jf1.source) == (Decimal("816.00"), "broadband", "import")
    assert jf1.subscription == crm.subscriptions["a_home"] and jf1.grid == crm.world.grid_a
    jf2 = SalesRecord.objects.get(reference="JF2")
    assert jf2.seller == crm.world.staff["agent_a"] and jf2.channel == "agent"
    assert jf2.business_line == "hd" and jf2.plan is None and jf2.product == crm.hd

    again = xlsx([HEADER, row(crm, "JF1", 销户日期=day(-1), **{"销售金额（元）": "700.00"}),
                  agent_row(crm)])  # fmt: skip
    report = run_import(spec(), admin, again, commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1), messages(report)
    jf1.refresh_from_db()
    assert jf1.amount == Decimal("700.00") and jf1.cancelled_on == clock.today() - dt.timedelta(1)
    assert SalesRecord.objects.count() == 2


def test_a_manager_imports_only_into_their_grids(crm: CrmWorld) -> None:
    run_import(spec(), SYSTEM, xlsx([HEADER, row(crm, "JFB", 客户编号=crm.customers["b_home"].code,
                                                 业务账号=None)]), commit=True)  # fmt: skip
    assert SalesRecord.objects.filter(reference="JFB").exists()
    data = xlsx([HEADER, row(crm, "JFB", 客户编号=crm.customers["b_home"].code, 业务账号=None,
                             **{"销售金额（元）": "1.00"})])  # fmt: skip
    report = run_import(spec(), crm.world.user("manager_a"), data, commit=True)
    assert report.rejected == 1 and report.updated == 0
    assert SalesRecord.objects.get(reference="JFB").amount == Decimal("816.00")
    with pytest.raises(PermissionDenied):
        run_import(spec(), crm.world.user("account_a"), xlsx([HEADER, row(crm, "JFX")]))


def test_the_template_and_the_export_carry_the_sheets_columns(crm: CrmWorld) -> None:
    template = read(template_workbook(spec()))
    assert list(template[0]) == HEADER
    record(crm, "=1+1")
    manager = crm.world.user("manager_a")
    qs, _applied = spec().filter_queryset(manager, {})
    rows = read(export_workbook(spec(), manager, spec().export_queryset(qs), {}))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == "=1+1" and rows[1][6] == 816  # a reference, not a formula
