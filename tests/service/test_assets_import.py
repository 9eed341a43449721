"""The operator's asset lists in Excel (kind `assets`): row-by-row report, a dry run that
writes nothing, updates by asset number, scope, and an export that reads back."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.imports.sheets import read, xlsx
from tests.service.conftest_assets import *  # noqa: F403
from tests.service.conftest_assets import AssetWorld
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import, template_workbook
from wangge.core.models import AuditEntry
from wangge.service.models import Asset
from wangge.territory.models import Site

HEADER = ["资产编号", "资产类型", "小区/楼宇编码", "楼栋/位置", "经度", "纬度", "端口总数",
          "已用端口", "覆盖户数", "安装日期", "状态", "备注"]  # fmt: skip


def row(code: str, **over: Any) -> list[Any]:
    values: dict[str, Any] = dict.fromkeys(HEADER)
    values.update({"资产编号": code, "资产类型": "ONU", "小区/楼宇编码": "A002",
                   "端口总数": 8, "已用端口": 2, "覆盖户数": 8, "状态": "在用"})  # fmt: skip
    values.update(over)
    return [values[h] for h in HEADER]


def messages(report: Any) -> dict[int, list[str]]:
    return {r: [f"{e.column}:{e.message}" for e in es] for r, es in report.errors_by_row().items()}


def test_a_dry_run_reports_each_row_and_writes_nothing(assets: AssetWorld) -> None:
    manager = assets.world.user("manager_a")
    data = xlsx([
        HEADER,
        row("N-1"),
        row("N-2", 已用端口=9),
        row("N-3", **{"小区/楼宇编码": "B000"}),  # grid B: not the manager's
        row("N-4", 资产类型="冰箱"),
        row("N-5", **{"小区/楼宇编码": None}),
        row("N-6", 经度="111.7"),
        row("SW-B-001", 备注="别人的"),
    ])  # fmt: skip
    before = (Asset.objects.count(), AuditEntry.objects.count())
    report = run_import(get_spec("assets"), manager, data)
    got = messages(report)
    assert report.created == 1 and report.rows == 7
    assert got[3] == ["已用端口:已用端口不能超过端口总数。"]
    assert got[4] == ["小区/楼宇编码:没有这个小区/楼宇编码"]
    assert got[5][0].startswith("资产类型:")
    assert got[6] == ["小区/楼宇编码:新资产必须填写小区/楼宇编码"]
    assert got[7] == ["纬度:经度和纬度须同时填写"]
    assert got[8] == ["资产编号:没有这个资产编号"]  # grid B's asset: not confirmed to exist
    assert (Asset.objects.count(), AuditEntry.objects.count()) == before


def test_commit_creates_updates_and_refreshes_capacity(assets: AssetWorld) -> None:
    manager = assets.world.user("manager_a")
    data = xlsx([HEADER, row("N-1", 端口总数=16, 已用端口=6),
                 row("SW-A-001", **{"小区/楼宇编码": "A000", "资产类型": "楼栋交换机",
                                    "端口总数": 24, "已用端口": 24, "覆盖户数": 48})])  # fmt: skip
    report = run_import(get_spec("assets"), manager, data, commit=True)
    assert report.committed and (report.created, report.updated) == (1, 1), messages(report)
    new = Asset.objects.get(code="N-1")
    site = Site.objects.get(code="A002")
    assert (new.lon, new.lat) == (site.lon, site.lat) and site.free_ports == 10
    assert Site.objects.get(code="A000").free_ports == 6  # the switch is full now
    assert AuditEntry.objects.filter(
        object_id=str(new.pk), content_type__model="asset", action="create"
    ).exists()
    again = run_import(get_spec("assets"), manager, data, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_who_may_import(assets: AssetWorld) -> None:
    data = xlsx([HEADER, row("N-1")])
    for p in ("tech_a", "account_a", "agent_a", "sales_b"):
        with pytest.raises(PermissionDenied):
            run_import(get_spec("assets"), assets.world.user(p), data)


def test_template_and_export_read_back(assets: AssetWorld) -> None:
    spec = get_spec("assets")
    assert read(template_workbook(spec))[0][: len(HEADER)] == tuple(HEADER)
    manager = assets.world.user("manager_a")
    exported = export_workbook(spec, manager, spec.queryset(manager), {})
    rows = read(exported)
    assert rows[0][: len(HEADER)] == tuple(HEADER)
    assert sorted(r[0] for r in rows[1:]) == ["GX-A-001", "ONU-A-001", "SW-A-001"]
    assert all(not str(c).startswith("=") for r in rows for c in r if c is not None)
    report = run_import(spec, manager, exported)
    assert report.unchanged == 3 and not report.errors, messages(report)


def test_the_export_takes_the_lists_filters(assets: AssetWorld) -> None:
    spec = get_spec("assets")
    manager = assets.world.user("manager_a")
    qs, applied = spec.filter_queryset(manager, {"kind": "onu", "grid": "x"})
    assert [a.code for a in qs] == ["ONU-A-001"] and applied == {"kind": "onu"}
    r = assets.world.client("manager_a").get("/exports/assets/?kind=building_switch")
    assert r.status_code == 200
    assert [row[0] for row in read(r.content)[1:]] == ["SW-A-001"]
