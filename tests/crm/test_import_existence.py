"""An import row naming a customer number answers the same whether the number belongs to a
customer in another grid or to nobody: an import does not confirm records out of scope."""

from __future__ import annotations

from typing import Any

import pytest

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import

pytestmark = pytest.mark.django_db

NO_SUCH = "没有这个客户编号（KH 开头的编号由系统发放）；新客户请留空"
HH = ["客户编号", "客户名称", "所属单元", "负责人", "客户分类"]


def _messages(crm: CrmWorld, kind: str, header: list[str], rows: list[list[Any]]) -> list[str]:
    user = crm.world.user("account_a")
    report = run_import(get_spec(kind), user, xlsx([header, *rows]))
    return [e.message for e in report.errors]


def test_a_household_row_naming_another_grids_number_reads_like_a_missing_number(
    crm: CrmWorld,
) -> None:
    other_grid = crm.customers["b_home"].code  # account_a cannot see it
    site = crm.t.sites_a[0].code
    rows: list[list[Any]] = [
        [other_grid, "改名", site, "ACCOUNT_A", "潜在客户"],
        ["KH09999999", "改名", site, "ACCOUNT_A", "潜在客户"],
    ]
    assert _messages(crm, "households", HH, rows) == [NO_SUCH, NO_SUCH]


def test_a_subscription_row_naming_another_grids_customer_reads_like_a_missing_one(
    crm: CrmWorld,
) -> None:
    header = ["业务账号", "客户编号", "资费套餐", "开通日期"]
    rows: list[list[Any]] = [
        ["SD-NEW-1", crm.customers["b_home"].code, "BB-300", "2024-01-01"],
        ["SD-NEW-2", "KH09999999", "BB-300", "2024-01-01"],
    ]
    first, second = _messages(crm, "subscriptions", header, rows)
    assert first == second == "没有这个客户编号"
