"""The estate survey's new columns (residents, computers, verification) and premises (单位)
import like the rest: quantities with units read, bad values are row errors, a 最近核实日期
verifies the site by the importing person on that day, and a manager stays in their grids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.imports.sheets import xlsx
from tests.territory_world import Territory
from wangge.core import clock
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

ESTATE = ["编码", "小区名称", "总户数", "经度", "纬度", "拥有电脑人数",
          "业主35岁以下占比", "业主35-60岁占比", "业主60岁以上占比", "租户占比", "住户特征",
          "最近核实日期"]  # fmt: skip


def _days_ago(n: int) -> dt.date:
    return clock.today() - dt.timedelta(days=n)


def test_survey_columns_read_quantities_shares_and_the_verification(territory: Territory) -> None:
    manager = territory.world.user("manager_a")
    seen = _days_ago(3)
    data = xlsx(
        [
            ESTATE,
            ["S1", "新一", "约300户", 111.705, 27.205, "120余人", "30%", "50%", "20%", "0.15",
             "教师家庭", seen.isoformat()],
            ["S2", "新二", "1,200", 111.706, 27.206, "若干", None, None, None, None, None, None],
            ["S3", "新三", 80, 111.707, 27.207, 10, "60%", "50%", None, None, None, None],
            ["S4", "新四", 80, 111.708, 27.208, 10, None, None, None, None, None,
             _days_ago(-2).isoformat()],
        ]
    )  # fmt: skip
    report = run_import(get_spec("estates"), manager, data, commit=False)
    errors = {(e.row, e.column) for e in report.errors}
    assert errors == {(3, "拥有电脑人数"), (4, "业主35-60岁占比"), (5, "最近核实日期")}
    assert not Site.objects.filter(code__startswith="S").exists()  # a dry run writes nothing

    report = run_import(get_spec("estates"), manager, data, commit=True)
    assert report.created == 1
    s1 = Site.objects.get(code="S1")
    assert (s1.households, s1.pc_owners, s1.residents_note) == (300, 120, "教师家庭")
    shares = (s1.owners_young_share, s1.owners_middle_share, s1.owners_senior_share)
    assert shares == (Decimal("0.3"), Decimal("0.5"), Decimal("0.2"))
    assert s1.tenant_share == Decimal("0.15")
    assert s1.verified_at is not None and clock.local_date(s1.verified_at) == seen
    assert s1.verified_by is not None and s1.verified_by.user_id == manager.pk
    assert s1.grid == territory.world.grid_a and not s1.needs_resurvey


def test_an_older_verification_date_does_not_undo_a_newer_one(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    site = territory.sites_a[0]
    head = ["编码", "小区名称", "最近核实日期"]
    for days, updated in ((2, 1), (30, 0)):
        row = [site.code, site.name, _days_ago(days)]
        report = run_import(get_spec("estates"), admin, xlsx([head, row]), commit=True)
        assert (report.errors, report.updated) == ([], updated)
        site.refresh_from_db()
        assert site.verified_at is not None
        assert clock.local_date(site.verified_at) == _days_ago(2)


def test_premises_import_as_their_own_kind(territory: Territory) -> None:
    manager = territory.world.user("manager_a")
    head = ["编码", "单位名称", "单位类型", "经度", "纬度", "拥有电脑人数"]
    data = xlsx(
        [
            head,
            ["DW1", "第一中学", "学校", 111.705, 27.205, "120台"],
            ["DW2", "无类型", None, 111.706, 27.206, None],
            ["DW3", "东边的厂", "企业", 111.735, 27.205, None],  # grid B: not the manager's
            ["DW4", "税务局", "政府机关", 111.707, 27.207, "约50"],
        ]
    )
    report = run_import(get_spec("premises"), manager, data, commit=True)
    assert {(e.row, e.column) for e in report.errors} == {(3, "单位类型"), (4, "经度")}
    assert report.created == 2
    school = Site.objects.get(code="DW1")
    assert (school.kind, school.premises_kind, school.pc_owners) == ("premises", "school", 120)
    assert school.grid == territory.world.grid_a
    assert Site.objects.get(code="DW4").premises_kind == "government"
