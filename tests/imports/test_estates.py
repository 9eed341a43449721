"""Importing estates end to end: messy sheets, every error at once, commit modes, re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.imports.sheets import xlsx
from tests.territory_world import Territory
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.core.models import AuditEntry
from wangge.territory.models import Site, SiteAssignment

pytestmark = pytest.mark.django_db

HEADER = ["编码", "小区名称", "详细地址", "总户数", "交房时间", "入住率", "物业公司", "物业联系人",
          "物业联系电话", "经度", "纬度", "覆盖户数", "空闲端口"]  # fmt: skip


def estate_row(i: int, *, lon: float = 111.705, **over: object) -> list[Any]:
    row = {
        "编码": f"E{i:05d}", "小区名称": f"小区{i}", "详细地址": f"东湖路 {i} 号",
        "总户数": 100 + i % 50, "交房时间": "2020-05-01", "入住率": "80%", "物业公司": "宏达物业",
        "物业联系人": "王经理", "物业联系电话": "13800138000",
        "经度": lon + (i % 100) * 0.0001, "纬度": 27.205 + (i // 100) * 0.0001,
        "覆盖户数": 90, "空闲端口": 5,
    }  # fmt: skip
    row.update(over)
    return [row[h] for h in HEADER]


def test_a_messy_survey_sheet_reads_into_clean_estates(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    data = xlsx(
        [
            HEADER,
            ["M1", "东湖花园", "东湖路１８号", "４８０", "2022年10月10日", "85%", "宏达物业",
             "王经理", "138-0013-8000", 111.705, 27.205, "450", "３６"],
            ["M2", "西湖小区", None, 300, 44844, 0.85, None, None,
             "+86 139 0013 9000", "111.706", "27.206", 100, 0],
            ["M3", "南湖小区", None, "1,200", "2022/10/10", "85.5%", None, None,
             13700137000.0, 111.707, 27.207, None, None],
            ["M4", "北湖小区", None, 50, "2022.10.10", "85", None, None,
             "0739-2712345", 111.708, 27.208, None, None],
        ],
        before=[["2024 年小区摸底表（两市塘街道）"], []],
        merges=["A1:M1", "G4:G5", "H4:H5"],
    )  # fmt: skip
    report = run_import(get_spec("estates"), admin, data, commit=True)
    assert report.errors == []
    assert (report.rows, report.created, report.committed) == (4, 4, True)
    m1, m2, m3, m4 = (Site.objects.get(code=f"M{i}") for i in range(1, 5))
    assert (m1.address, m1.households, m1.free_ports, m1.covered_households) == (
        "东湖路18号", 480, 36, 450)  # fmt: skip
    assert {m.delivery_date for m in (m1, m2, m3, m4)} == {dt.date(2022, 10, 10)}
    assert [m.occupancy_rate for m in (m1, m2, m3, m4)] == [Decimal("0.85")] * 2 + [
        Decimal("0.855"), Decimal("0.85")]  # fmt: skip
    assert [m.property_phone for m in (m1, m2, m3, m4)] == [
        "13800138000", "13900139000", "13700137000", "0739-2712345"]  # fmt: skip
    assert (m2.property_company, m2.property_contact) == ("宏达物业", "王经理")  # merged down
    assert m1.grid == territory.world.grid_a
    placed = SiteAssignment.objects.get(plan=territory.plan, site=m1).plan_grid
    assert placed is not None and placed.grid == m1.grid
    assert (
        AuditEntry.objects.filter(
            object_id=str(m1.pk), content_type__model="site", action="create"
        ).count()
        == 1
    )


def _bad_rows() -> dict[int, tuple[str, str]]:
    """20 rows (by index) broken in 20 different ways: the column and a word of the message."""
    return {
        7: ("物业联系电话", "位数"), 55: ("交房时间", "日期"), 101: ("入住率", "百分比"),
        160: ("总户数", "数字"), 222: ("经度", "不能大于"), 280: ("小区名称", "必填"),
        333: ("物业联系电话", "不是有效"), 390: ("覆盖户数", "不能超过"),
        444: ("空闲端口", "不能小于"),
        500: ("交房时间", "不存在"), 561: ("入住率", "百分比"), 620: ("编码", "重复"),
        680: ("经度", "填反"), 731: ("纬度", "新建时必须填写"), 777: ("小区名称", "最多"),
        820: ("物业联系电话", "号码"), 866: ("总户数", "整数"), 901: ("经度", "不在您负责"),
        950: ("编码", "必填"), 999: ("交房时间", "日期"),
    }  # fmt: skip


def _thousand_rows_with_20_bad() -> bytes:
    broken: dict[int, dict[str, Any]] = {
        7: {"物业联系电话": "1380013800"}, 55: {"交房时间": "去年"}, 101: {"入住率": "120%"},
        160: {"总户数": "很多"}, 222: {"经度": 200}, 280: {"小区名称": None},
        333: {"物业联系电话": "abc"}, 390: {"覆盖户数": 10_000}, 444: {"空闲端口": -1},
        500: {"交房时间": "2022-02-30"}, 561: {"入住率": "八成"}, 620: {"编码": "E00001"},
        680: {"经度": 27.2, "纬度": 111.7}, 731: {"纬度": None}, 777: {"小区名称": "长" * 101},
        820: {"物业联系电话": "12345678901234"}, 866: {"总户数": "12.5"}, 901: {"经度": 111.735},
        950: {"编码": None}, 999: {"交房时间": "10/10/22"},
    }  # fmt: skip
    rows = [HEADER] + [estate_row(i, **broken.get(i, {})) for i in range(1000)]
    return xlsx(rows)


def test_twenty_bad_rows_among_a_thousand_are_all_reported_and_dry_run_writes_nothing(
    territory: Territory,
) -> None:
    manager = territory.world.user("manager_a")
    before = Site.objects.count()
    report = run_import(get_spec("estates"), manager, _thousand_rows_with_20_bad())
    found = {(e.row, e.column) for e in report.errors}
    expected = {(i + 2, col) for i, (col, _word) in _bad_rows().items()}  # header is row 1
    assert found == expected | {(682, "纬度")}  # the swapped row: both columns say so
    for e in report.errors:
        word = "不能大于" if (e.row, e.column) == (682, "纬度") else _bad_rows()[e.row - 2][1]
        assert word in e.message, e
    assert (report.rows, report.rejected, report.created) == (1000, 20, 980)
    assert "第 9 行，物业联系电话：" in str(next(e for e in report.errors if e.row == 9))
    assert Site.objects.count() == before


def test_strict_commit_with_errors_writes_nothing(territory: Territory) -> None:
    manager = territory.world.user("manager_a")
    before, audits = Site.objects.count(), AuditEntry.objects.count()
    report = run_import(
        get_spec("estates"), manager, _thousand_rows_with_20_bad(), commit=True, strict=True
    )
    assert not report.committed and report.failed
    assert report.rejected == 20 and report.created == 0
    assert (Site.objects.count(), AuditEntry.objects.count()) == (before, audits)


def test_non_strict_commit_writes_the_980_valid_rows_each_audited(territory: Territory) -> None:
    manager = territory.world.user("manager_a")
    before = Site.objects.count()
    report = run_import(get_spec("estates"), manager, _thousand_rows_with_20_bad(), commit=True)
    assert report.committed and (report.created, report.rejected) == (980, 20)
    assert Site.objects.count() == before + 980
    new = Site.objects.filter(code__startswith="E")
    assert set(new.values_list("grid_id", flat=True)) == {territory.world.grid_a.pk}
    audits = AuditEntry.objects.filter(action="create", actor=manager)
    assert audits.count() == 980
    new_ids = {str(pk) for pk in new.values_list("pk", flat=True)}
    assert set(audits.values_list("object_id", flat=True)) == new_ids
    assert SiteAssignment.objects.filter(plan=territory.plan, site__in=new).count() == 980


def test_reimporting_the_same_file_updates_instead_of_duplicating(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    data = xlsx([HEADER] + [estate_row(i) for i in range(30)])
    first = run_import(get_spec("estates"), admin, data, commit=True)
    assert first.created == 30
    audits = AuditEntry.objects.count()
    again = run_import(get_spec("estates"), admin, data, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert Site.objects.filter(code__startswith="E").count() == 30
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing written
    changed = [estate_row(i, **({"总户数": 999} if i == 3 else {})) for i in range(30)]
    third = run_import(get_spec("estates"), admin, xlsx([HEADER, *changed]), commit=True)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 29)
    assert third.preview[0]["changes"] == [["总户数", "103", "999"]]
    site = Site.objects.get(code="E00003")
    assert site.households == 999
    entry = AuditEntry.objects.filter(
        object_id=str(site.pk), content_type__model="site", action="update"
    ).get()
    assert entry.before is not None and entry.after is not None
    assert (entry.before["households"], entry.after["households"]) == (103, 999)


def test_blank_cells_leave_existing_values_alone(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    run_import(get_spec("estates"), admin, xlsx([HEADER, estate_row(1)]), commit=True)
    partial = xlsx([["编码", "小区名称", "物业联系人"], ["E00001", "小区1", "李经理"]])
    report = run_import(get_spec("estates"), admin, partial, commit=True)
    assert report.updated == 1
    site = Site.objects.get(code="E00001")
    assert (site.property_contact, site.property_phone, site.households) == (
        "李经理", "13800138000", 101)  # fmt: skip


def test_a_grid_managers_file_cannot_write_into_another_grid(territory: Territory) -> None:
    manager = territory.world.user("manager_a")
    site_b = territory.sites_b[0]
    rows = [
        HEADER,
        estate_row(1),  # lies in grid A: fine
        estate_row(2, lon=111.73),  # would land in grid B
        estate_row(3, 编码=site_b.code, 小区名称="改名"),  # an existing site of grid B
        estate_row(4, lon=111.80),  # outside every grid
    ]
    report = run_import(get_spec("estates"), manager, xlsx(rows), commit=True)
    assert report.committed and report.created == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "经度"), (4, "编码"), (5, "经度")]
    assert report.errors[1].message == "没有这个编码"  # as for a code nobody holds
    site_b.refresh_from_db()
    assert site_b.name != "改名"
    assert not Site.objects.filter(code__in=["E00002", "E00004"]).exists()
    assert Site.objects.get(code="E00001").grid == territory.world.grid_a


def test_the_market_department_may_place_sites_anywhere(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    rows = [HEADER, estate_row(2, lon=111.73), estate_row(4, lon=111.80)]
    report = run_import(get_spec("estates"), admin, xlsx(rows), commit=True)
    assert report.errors == [] and report.created == 2
    assert Site.objects.get(code="E00002").grid == territory.world.grid_b
    assert Site.objects.get(code="E00004").grid is None


def test_people_without_the_right_cannot_import_sites(territory: Territory) -> None:
    from django.core.exceptions import PermissionDenied

    for persona in ("account_a", "sales_b", "tech_a", "agent_a"):
        with pytest.raises(PermissionDenied):
            run_import(get_spec("estates"), territory.world.user(persona), xlsx([HEADER]))


def test_a_code_taken_by_a_building_is_refused(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    estate = territory.sites_a[0]
    building = Site.objects.create(
        code="B1", kind="building", name="1 栋", lon=111.705, lat=27.205, estate=estate
    )
    report = run_import(
        get_spec("estates"), admin, xlsx([HEADER, estate_row(1, 编码=building.code)])
    )
    assert report.errors[0].column == "编码" and "楼宇" in report.errors[0].message


def test_a_write_the_database_refuses_rolls_everything_back(
    territory: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.territory import imports

    def broken(**kwargs: object) -> int:
        from django.db import IntegrityError

        raise IntegrityError("disk full")

    monkeypatch.setattr(imports, "bulk_audit", broken)
    before = Site.objects.count()
    report = run_import(
        get_spec("estates"), SYSTEM, xlsx([HEADER] + [estate_row(i) for i in range(5)]), commit=True
    )
    assert not report.committed and "撤销" in report.failed
    assert Site.objects.count() == before


def test_a_grid_manager_cannot_move_their_site_into_another_grid(territory: Territory) -> None:
    site = territory.sites_a[0]
    rows: list[list[Any]] = [["编码", "小区名称", "经度"], [site.code, site.name, 111.735]]
    report = run_import(
        get_spec("estates"), territory.world.user("manager_a"), xlsx(rows), commit=True
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "经度")]
    site.refresh_from_db()
    assert site.grid == territory.world.grid_a and site.lon < 111.72


def test_moving_a_site_places_it_again_and_records_it(territory: Territory) -> None:
    site = territory.sites_a[0]
    rows: list[list[Any]] = [["编码", "小区名称", "经度"], [site.code, site.name, 111.735]]
    report = run_import(
        get_spec("estates"), territory.world.user("market_admin"), xlsx(rows), commit=True
    )
    assert report.updated == 1
    site.refresh_from_db()
    assert site.grid == territory.world.grid_b
    placed = SiteAssignment.objects.get(plan=territory.plan, site=site).plan_grid
    assert placed is not None and placed.grid == site.grid
    entry = AuditEntry.objects.get(
        content_type__model="site", object_id=str(site.pk), action="update"
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["grid"], entry.after["grid"]) == (
        territory.world.grid_a.pk,
        territory.world.grid_b.pk,
    )


def test_the_preview_shows_what_will_be_stored(territory: Territory) -> None:
    rows: list[list[Any]] = [
        ["编码", "小区名称", "交房时间", "入住率", "物业联系电话", "经度", "纬度"],
        ["P1", "东湖", "2022年10月10日", "0.855", "+86 138 0013 8000", "１１１.７０５", 27.205],
    ]
    report = run_import(get_spec("estates"), territory.world.user("market_admin"), xlsx(rows))
    assert report.preview_headers == rows[0]
    assert report.preview[0]["cells"] == [
        "P1", "东湖", "2022-10-10", "85.5%", "13800138000", "111.705", "27.205"]  # fmt: skip


def test_moving_estates_in_bulk_carries_every_one_of_their_buildings(
    territory: Territory,
) -> None:
    from wangge.territory import services

    admin = territory.world.user("market_admin")
    moving, staying = territory.sites_a[:3], territory.sites_a[3]
    buildings = {
        e.code: [
            services.site_create(
                actor=SYSTEM,
                code=f"{e.code}-{n}",
                kind="building",
                name=f"{n} 栋",
                lon=e.lon,
                lat=e.lat,
                estate=e,
            )
            for n in range(3)
        ]
        for e in (*moving, staying)
    }
    rows: list[list[Any]] = [["编码", "小区名称", "经度"]]
    rows += [[e.code, e.name, 111.735] for e in moving]
    rows += [[staying.code, staying.name, staying.lon + 0.0005]]  # moves, but stays in A
    report = run_import(get_spec("estates"), admin, xlsx(rows), commit=True)
    assert report.committed and report.updated == 4
    grid_b = territory.world.grid_b.pk
    for e in moving:
        ids = [b.pk for b in buildings[e.code]]
        assert set(Site.objects.filter(pk__in=ids).values_list("grid_id", flat=True)) == {grid_b}
        assert set(
            SiteAssignment.objects.filter(plan=territory.plan, site_id__in=ids).values_list(
                "plan_grid__grid_id", flat=True
            )
        ) == {grid_b}
    kept = [b.pk for b in buildings[staying.code]]
    assert set(Site.objects.filter(pk__in=kept).values_list("grid_id", flat=True)) == {
        territory.world.grid_a.pk
    }
    moved_ids = {str(b.pk) for e in moving for b in buildings[e.code]}
    entries = AuditEntry.objects.filter(content_type__model="site", action="update", actor=admin)
    assert set(entries.values_list("object_id", flat=True)) == moved_ids | {
        str(e.pk) for e in (*moving, staying)
    }
