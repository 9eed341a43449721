"""Staff and grids: the market department's imports, through the organisation's services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.imports.sheets import xlsx
from tests.personas import World
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import
from wangge.core.models import AuditEntry
from wangge.org.models import Grid, GridMembership, Staff

pytestmark = pytest.mark.django_db

STAFF = ["工号", "姓名", "手机号", "角色", "所属部门", "主网格", "代理机构", "登录名"]
GRIDS = ["网格编码", "网格名称", "区域", "服务点", "启用", "备注"]


def test_staff_are_created_with_login_primary_grid_and_audit(world: World) -> None:
    admin = world.user("market_admin")
    rows: list[list[Any]] = [
        STAFF,
        ["S1", "新人甲", "138 0013 8001", "营销员（销售）", "网络工程部", "A", None, None],
        ["S2", "新人乙", None, "营销员(客户)", "ENG", "b", None, "xinren_b"],
        ["S3", "代理丙", "13800138003", "代理商", None, "A", "丙通讯店", "dl_c"],
        ["S4", "市场丁", None, "市场部", "市场部", None, None, None],
    ]
    report = run_import(get_spec("staff"), admin, xlsx(rows), commit=True)
    assert report.errors == [] and report.created == 4
    s1 = Staff.objects.select_related("user", "department").get(employee_no="S1")
    assert (s1.user.username, s1.phone, s1.role, s1.department.code) == (
        "S1", "13800138001", "sales_marketer", "ENG")  # fmt: skip
    assert not s1.user.has_usable_password()
    assert GridMembership.objects.get(staff=s1, is_primary=True).grid == world.grid_a
    assert Staff.objects.get(employee_no="S2").role == "account_marketer"
    assert GridMembership.objects.get(staff__employee_no="S2").grid == world.grid_b
    assert AuditEntry.objects.filter(
        object_id=str(s1.pk), content_type__model="staff", action="create", actor=admin
    ).exists()


def test_staff_rules_are_all_reported(world: World) -> None:
    rows: list[list[Any]] = [
        STAFF,
        ["S1", "甲", None, "营销员（销售）", None, None, None, None],  # no primary grid
        ["S2", "乙", None, "营销员（销售）", None, "A", "某店", None],  # agency, not an agent
        ["S3", "丙", None, "市场部", None, "A", None, None],  # market dept. in a grid
        ["S4", "丁", None, "队长", "不存在的部门", "ZZ", None, "manager_a"],  # all wrong
        ["S5", "戊", None, "网格经理", None, "A", None, "S5"],
        ["S6", "己", None, "网格经理", None, "A", None, "S5"],  # login used above
    ]
    report = run_import(get_spec("staff"), world.user("market_admin"), xlsx(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "主网格"), (3, "代理机构"), (4, "主网格"), (5, "角色"), (5, "所属部门"),
        (5, "主网格"), (5, "登录名"), (7, "登录名")]  # fmt: skip
    assert "可选" in report.errors[3].message


def test_reimporting_staff_updates_by_employee_number(world: World) -> None:
    admin = world.user("market_admin")
    spec = get_spec("staff")
    exported = export_workbook(spec, admin, spec.queryset(admin), {})
    again = run_import(spec, admin, exported, commit=True)
    assert again.errors == [] and (again.created, again.updated) == (0, 0)
    assert again.unchanged == Staff.objects.count()
    rows: list[list[Any]] = [
        STAFF,
        ["ACCOUNT_A", "客户经理甲", None, "营销员（客户）", None, "B", None, None],
    ]
    moved = run_import(spec, admin, xlsx(rows), commit=True)
    assert moved.updated == 1
    assert (
        GridMembership.objects.get(staff=world.staff["account_a"], is_primary=True).grid
        == world.grid_b
    )


def test_a_login_name_cannot_be_changed_by_import(world: World) -> None:
    rows: list[list[Any]] = [
        STAFF,
        ["MANAGER_A", "经理甲", None, "网格经理", None, None, None, "someone_else"],
    ]
    report = run_import(get_spec("staff"), world.user("market_admin"), xlsx(rows))
    assert [(e.column, "不能" in e.message) for e in report.errors] == [("登录名", True)]


def test_grids_are_created_and_updated_with_region_by_name_or_code(world: World) -> None:
    admin = world.user("market_admin")
    rows: list[list[Any]] = [
        GRIDS,
        ["C", "网格丙", "两市塘街道", "两市塘服务点", "是", "新网格"],
        ["D", "网格丁", "RB", None, "否", None],
        ["A", "网格甲（改）", None, None, None, None],
    ]
    report = run_import(get_spec("grids"), admin, xlsx(rows), commit=True)
    assert report.errors == [] and (report.created, report.updated) == (2, 1)
    c, d = Grid.objects.get(code="C"), Grid.objects.get(code="D")
    assert (c.region, c.service_point, c.is_active, c.note) == (
        world.region_a, world.point_a, True, "新网格")  # fmt: skip
    assert (d.region, d.is_active) == (world.region_b, False)
    assert Grid.objects.get(code="A").name == "网格甲（改）"


def test_grid_errors(world: World) -> None:
    rows: list[list[Any]] = [
        GRIDS,
        ["E", "网格戊", None, None, None, None],
        ["F", "网格己", "火星", "无此点", "也许", None],
    ]
    report = run_import(get_spec("grids"), world.user("market_admin"), xlsx(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "区域"), (3, "区域"), (3, "服务点"), (3, "启用")]  # fmt: skip


@pytest.mark.parametrize("persona", ["manager_a", "account_a", "sales_b", "tech_a", "agent_a"])
def test_only_the_market_department_imports_staff_and_grids(world: World, persona: str) -> None:
    for kind in ("staff", "grids"):
        with pytest.raises(PermissionDenied):
            run_import(get_spec(kind), world.user(persona), xlsx([STAFF]))
