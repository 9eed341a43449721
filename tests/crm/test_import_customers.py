"""Households and organisations through the one Excel pipeline, from real .xlsx files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.crm.world import PHONES, CrmWorld
from tests.imports.sheets import read, xlsx
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import (
    ImportReport,
    export_workbook,
    run_import,
    template_workbook,
)
from wangge.core.models import AuditEntry, ExportLog
from wangge.crm import services
from wangge.crm.models import Customer, Organization, customer_code
from wangge.org import services as org_services
from wangge.org.roles import Role
from wangge.territory import services as territory_services

pytestmark = pytest.mark.django_db

HH: list[Any] = [
    "客户编号", "客户名称", "所属单元", "门牌地址", "联系电话", "客户分类", "客户等级", "负责人",
    "当前运营商"]  # fmt: skip
#: The seed's organisation survey form, word for word: 联系电话 twice.
SEED_FORM: list[Any] = [
    "集团单位名称", "联系人", "联系电话", "单位现有电脑数", "单位现用网络", "网络质量要求",
    "使用网络质量及诉求", "发展希望", "业务核心人物姓名", "联系电话"]  # fmt: skip


def hh(i: int, **over: Any) -> list[Any]:
    """A valid household row of grid A (sites A000–A003), owned by account_a."""
    row = {
        "客户编号": None, "客户名称": f"住户{i}", "所属单元": f"A00{i % 4}",
        "门牌地址": f"{i // 100 + 1}栋{i % 100 + 1}号", "联系电话": f"139{i:08d}",
        "客户分类": "潜在客户", "客户等级": "普通", "负责人": "ACCOUNT_A", "当前运营商": "电信",
    }  # fmt: skip
    row.update(over)
    return [row[h] for h in HH]


def _run(
    crm: CrmWorld, persona: str | None, rows: list[list[Any]], kind: str = "households", **kw: Any
) -> ImportReport:
    user = crm.world.user(persona) if persona else None
    return run_import(get_spec(kind), user, xlsx(rows), **kw)


def _customer(name: str) -> Customer:
    return Customer.objects.select_related("organization").get(name=name)


def _fresh(customer: Customer) -> Customer:
    return Customer.objects.select_related("organization").get(pk=customer.pk)


def _where(report: ImportReport) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


# --- templates and messy sheets ---------------------------------------------------------------


def test_each_template_imports_its_own_example_row(crm: CrmWorld) -> None:
    site = territory_services.site_create(
        actor=SYSTEM, code="XQ0001", kind="estate", name="东湖花园", lon=111.705, lat=27.205
    )
    org_services.staff_create(
        actor=SYSTEM,
        username="sd0101",
        password=None,
        name="李明",
        employee_no="SD0101",
        role=Role.ACCOUNT_MARKETER,
        primary_grid=crm.world.grid_a,
    )
    admin = crm.world.user("market_admin")
    for kind in ("households", "organizations"):
        spec = get_spec(kind)
        data = template_workbook(spec)
        assert list(read(data)[0]) == [c.header for c in spec.columns]
        report = run_import(spec, admin, data, commit=True)
        assert report.errors == [], kind
        assert (report.rows, report.created, report.committed) == (1, 1, True)
    home = _customer("张伟")
    assert (home.kind, home.site, home.address, home.phone, home.relationship, home.tier) == (
        "household", site, "3栋2单元501", "13800138000", "potential", "standard")  # fmt: skip
    assert home.current_provider is not None
    assert (home.owner.employee_no, home.current_provider.code) == ("SD0101", "telecom")
    assert home.code == f"KH{home.pk:08d}"
    assert timezone.localdate(home.verified_at) == dt.date(2025, 10, 10)
    assert home.verified_by == crm.world.staff["market_admin"]
    org = Organization.objects.get(name="两市塘第一中学", customer__site=site)
    assert (org.contact_name, org.contact_phone, org.computers, org.current_network) == (
        "王主任", "0739-2712345", 120, "中国电信 100M 专线")  # fmt: skip
    assert (org.key_person_name, org.key_person_phone) == ("李校长", "13900139000")
    assert org.customer.kind == "group" and org.customer.address == "两市塘街道东湖路 8 号"
    assert timezone.localdate(org.verified_at) == dt.date(2025, 10, 10)


def test_a_messy_field_sheet_reads_into_clean_households(crm: CrmWorld) -> None:
    header = ["户主姓名", "小区编码", "楼栋单元房号", "手机号", "客户分类", "负责人工号",
              "最近核实日期"]  # fmt: skip
    data = xlsx(
        [
            header,
            ["张三", "A000", "３栋２单元５０１", "138-0013-8000", "存量客户", "ACCOUNT_A", 44844],
            ["李四", None, "3栋2单元502", "+86 138 0013 8001", "潜在", None, "2022年10月10日"],
            ["王五", None, "3栋2单元503", 13800138002.0, "意向客户", None, "2022/10/10"],
            ["赵六", "A001", "Ｂ座１０１", "１３８００１３８００３", "网络覆盖客户", "客户经理甲",
             None],
        ],
        before=[["2026 年两市塘街道住户摸底表"], []],
        merges=["A1:G1", "B4:B6", "F4:F6"],
    )  # fmt: skip
    report = run_import(get_spec("households"), crm.world.user("manager_a"), data, commit=True)
    assert report.errors == [] and (report.header_row, report.created) == (3, 4)
    people = [_customer(n) for n in ("张三", "李四", "王五", "赵六")]
    assert [c.site.code for c in people] == ["A000", "A000", "A000", "A001"]
    assert [c.address for c in people] == ["3栋2单元501", "3栋2单元502", "3栋2单元503", "B座101"]
    assert [c.phone for c in people] == [f"1380013800{i}" for i in range(4)]
    assert [c.relationship for c in people] == ["existing", "potential", "intended", "covered"]
    assert {c.owner for c in people} == {crm.world.staff["account_a"]}
    days = [c.verified_at and timezone.localdate(c.verified_at) for c in people]
    assert days == [dt.date(2022, 10, 10)] * 3 + [None]
    assert people[0].verified_by == crm.world.staff["manager_a"]


# --- every error at once ----------------------------------------------------------------------


def _broken(crm: CrmWorld) -> dict[int, tuple[dict[str, Any], str, str]]:
    """20 rows (by index) broken in 20 ways: the cells, the column blamed, a word of the
    message. Row index i is Excel row i + 2."""
    a_home = crm.customers["a_home"]
    return {
        3: ({"联系电话": "1380013800"}, "联系电话", "位数"),
        50: ({"客户分类": "老客户"}, "客户分类", "不是可选"),
        97: ({"所属单元": "Z999"}, "所属单元", "没有这个网格单元"),
        140: ({"所属单元": "B001"}, "所属单元", "不在您的网格内"),
        188: ({"负责人": "NOBODY"}, "负责人", "没有这个人员"),
        230: ({"负责人": "MANAGER_B"}, "负责人", "不是您可见的人员"),
        277: ({"当前运营商": "火星通信"}, "当前运营商", "没有这个运营商"),
        320: ({"客户名称": None}, "客户名称", "新建时必须填写"),
        365: ({"客户名称": "长" * 101}, "客户名称", "最多"),
        410: ({"客户等级": "钻石"}, "客户等级", "不是可选"),
        455: ({"客户分类": None}, "客户分类", "新建时必须填写"),
        500: ({"负责人": None}, "负责人", "新建时必须填写"),
        545: ({"所属单元": None}, "所属单元", "新建时必须填写"),
        590: ({"联系电话": "13800138000/13900139000"}, "联系电话", "一个号码"),
        633: ({"客户编号": "KH99999999"}, "客户编号", "系统发放"),
        680: ({"客户编号": crm.customers["b_home"].code}, "客户编号", "没有这个客户编号"),
        725: ({"客户编号": crm.customers["a_org"].code}, "客户编号", "集团客户"),
        770: ({"客户名称": a_home.name, "所属单元": "A000", "门牌地址": "1栋 1单元101"},
              "客户名称", f"客户编号 {a_home.code}"),
        815: ({"客户名称": "住户5", "所属单元": "A001", "门牌地址": "1栋6号"}, "客户名称",
              "与第 7 行是同一客户"),
        999: ({"客户编号": "OP-1"}, "客户编号", "与第 2 行重复"),
    }  # fmt: skip


def _thousand(crm: CrmWorld) -> bytes:
    broken = _broken(crm)
    rows = [HH, hh(0, 客户编号="OP-1")]
    rows += [hh(i, **broken[i][0]) if i in broken else hh(i) for i in range(1, 1000)]
    return xlsx(rows)


def test_twenty_bad_rows_among_a_thousand_are_all_reported_and_only_good_ones_written(
    crm: CrmWorld,
) -> None:
    spec, manager = get_spec("households"), crm.world.user("manager_a")
    data = _thousand(crm)
    before, audits = Customer.objects.count(), AuditEntry.objects.count()
    report = run_import(spec, manager, data)
    broken = _broken(crm)
    assert set(_where(report)) == {(i + 2, col) for i, (_c, col, _w) in broken.items()}
    assert len(report.errors) == 20
    for e in report.errors:
        assert broken[e.row - 2][2] in e.message, e
    assert (report.rows, report.rejected, report.created, report.updated) == (1000, 20, 980, 0)
    assert Customer.objects.count() == before  # a dry run

    strict = run_import(spec, manager, data, commit=True, strict=True)
    assert not strict.committed and strict.failed and len(strict.errors) == 20
    assert (Customer.objects.count(), AuditEntry.objects.count()) == (before, audits)

    done = run_import(spec, manager, data, commit=True)
    assert done.committed and (done.created, done.rejected) == (980, 20)
    assert Customer.objects.count() == before + 980
    assert Customer.objects.get(code="OP-1").name == "住户0"
    assert not Customer.objects.filter(name__in=["住户3", "住户140", "住户815"]).exists()
    assert Customer.objects.filter(name="住户5").count() == 1


# --- re-import --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["market_admin", "manager_a"])
@pytest.mark.parametrize("kind", ["households", "organizations"])
def test_an_export_reimports_with_nothing_created_or_updated(
    crm: CrmWorld, persona: str, kind: str
) -> None:
    spec, user = get_spec(kind), crm.world.user(persona)
    qs, filters = spec.filter_queryset(user, {})
    data = export_workbook(spec, user, qs, filters)
    audits = AuditEntry.objects.count()
    report = run_import(spec, user, data, commit=True)
    assert report.errors == [] and report.committed
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == qs.count() > 0
    assert AuditEntry.objects.count() == audits


def test_the_same_field_sheet_without_numbers_twice_is_refused_the_second_time(
    crm: CrmWorld,
) -> None:
    households = [HH, hh(1), hh(2)]
    orgs = [[*SEED_FORM, "所属单元", "客户分类", "负责人"],
            ["廉桥供电所", "刘所长", None, None, None, None, None, None, None, None, "A003",
             "意向客户", "MANAGER_A"]]  # fmt: skip
    first = _run(crm, "manager_a", households, commit=True)
    first_orgs = _run(crm, "manager_a", orgs, "organizations", commit=True)
    assert (first.created, first_orgs.created) == (2, 1)
    again = _run(crm, "manager_a", households, commit=True)
    again_orgs = _run(crm, "manager_a", orgs, "organizations", commit=True)
    assert (again.created, again.rejected, again_orgs.created, again_orgs.rejected) == (0, 2, 0, 1)
    code = _customer("住户1").code
    assert again.errors[0].message == (
        f"该单元已有同名同地址的客户（客户编号 {code}），要更新请填写客户编号"
    )
    org_code = _customer("廉桥供电所").code
    assert org_code and org_code in again_orgs.errors[0].message
    assert Customer.objects.filter(name__in=["住户1", "住户2", "廉桥供电所"]).count() == 3
    # The same name at another address is another household.
    other = _run(crm, "manager_a", [HH, hh(1, 门牌地址="9栋9号")], commit=True)
    assert other.created == 1


def test_numbers_are_issued_as_customer_code_writes_them_at_any_id(crm: CrmWorld) -> None:
    a_home = crm.customers["a_home"]
    Customer.objects.create(
        pk=99_999_999, kind="household", name="边界", site=a_home.site, owner=a_home.owner,
        relationship="potential",
    )  # fmt: skip
    report = _run(crm, "manager_a", [HH, hh(1), hh(2), hh(3, 客户编号="YX-3")], commit=True)
    assert report.created == 3
    issued = Customer.objects.filter(name__in=["边界", "住户1", "住户2"])
    assert {c.code for c in issued} == {customer_code(c.pk) for c in issued}
    assert _customer("住户3").code == "YX-3"


def test_a_number_updates_what_the_row_says_and_keeps_blank_cells(crm: CrmWorld) -> None:
    a_home = crm.customers["a_home"]
    rows: list[list[Any]] = [["客户编号", "联系电话", "客户等级", "负责人", "当前运营商"],
            [a_home.code, "137-0000-0031", "金牌客户", "客户经理甲", None]]  # fmt: skip
    report = _run(crm, "manager_a", rows, commit=True)
    assert report.errors == [] and report.updated == 1
    assert report.preview[0]["changes"] == [
        ["联系电话", PHONES["a_home"], "13700000031"],
        ["客户等级", "普通", "金牌客户"],
    ]
    fresh = _fresh(a_home)
    assert (fresh.phone, fresh.tier, fresh.name, fresh.address) == (
        "13700000031", "gold", a_home.name, a_home.address)  # fmt: skip
    assert fresh.verified_at == a_home.verified_at  # an import is not a visit


# --- scope ------------------------------------------------------------------------------------


def test_a_grid_managers_file_cannot_write_into_another_grid(crm: CrmWorld) -> None:
    b_home, a_home = crm.customers["b_home"], crm.customers["a_home"]
    rows = [HH, hh(1, 所属单元="B000"), hh(2, 客户编号=b_home.code, 客户名称="改名"),
            hh(3, 客户编号=a_home.code, 所属单元="B000"), hh(4)]  # fmt: skip
    report = _run(crm, "manager_a", rows, commit=True)
    assert _where(report) == [(2, "所属单元"), (3, "客户编号"), (4, "所属单元")]
    assert report.errors[1].message.startswith("没有这个客户编号")  # as for a missing one
    assert report.committed and report.created == 1  # the one row inside grid A
    assert _fresh(b_home).name == b_home.name and _fresh(a_home).site == a_home.site
    assert not Customer.objects.filter(site__grid=crm.world.grid_b, name="住户1").exists()
    # The market department writes anywhere.
    admin = _run(crm, "market_admin", [HH, hh(1, 所属单元="B000")], commit=True)
    assert admin.errors == [] and _customer("住户1").site.grid == crm.world.grid_b


def test_a_sales_person_updates_only_their_own_customers(crm: CrmWorld) -> None:
    b_home, b_owned = crm.customers["b_home"], crm.customers["b_owned"]
    rows: list[list[Any]] = [
        ["客户编号", "客户等级"],
        [b_home.code, "金牌客户"],
        [b_owned.code, "金牌客户"],
    ]
    report = _run(crm, "sales_b", rows, commit=True)
    assert _where(report) == [(3, "客户编号")] and report.updated == 1
    assert (_fresh(b_home).tier, _fresh(b_owned).tier) == ("gold", "standard")
    # The named owner keeps a customer in another grid current, without moving it there.
    keep: list[list[Any]] = [
        ["客户编号", "所属单元", "客户等级"],
        [b_owned.code, "B001", "重点客户"],
    ]
    assert _run(crm, "account_a", keep, commit=True).updated == 1
    assert _fresh(b_owned).tier == "key"
    move: list[list[Any]] = [["客户编号", "所属单元"], [b_owned.code, "B002"]]
    assert _where(_run(crm, "account_a", move, commit=True)) == [(2, "所属单元")]


def test_agents_technicians_and_anonymous_users_may_not_import(crm: CrmWorld) -> None:
    spec, data = get_spec("households"), xlsx([HH, hh(1)])
    assert not spec.can_import(crm.world.user("agent_a"))
    with pytest.raises(PermissionDenied):
        run_import(spec, crm.world.user("agent_a"), data)
    assert not spec.can_import(crm.world.user("tech_a"))  # no commercial edits
    assert not spec.can_import(None)
    assert spec.can_import(crm.world.user("account_a"))  # the grid's marketers bring sheets
    assert get_spec("organizations").can_import(crm.world.user("sales_b"))


# --- writing ----------------------------------------------------------------------------------


def test_every_written_record_has_its_audit_entry(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    a_home = crm.customers["a_home"]
    rows = [HH, hh(1), hh(2, 客户编号="YX-0002"), hh(3, 客户编号=a_home.code, 客户名称="改了名")]
    assert _run(crm, "market_admin", rows, commit=True).committed
    for name in ("住户1", "住户2"):
        c = _customer(name)
        entry = AuditEntry.objects.get(object_id=str(c.pk), content_type__model="customer")
        assert (entry.action, entry.actor, entry.before) == ("create", admin, None)
        assert entry.after is not None
        assert entry.after["code"] == c.code and entry.after["name"] == name
    assert _customer("住户2").code == "YX-0002"
    update = AuditEntry.objects.get(
        object_id=str(a_home.pk), action="update", content_type__model="customer"
    )
    assert update.before is not None and update.after is not None
    assert (update.before["name"], update.after["name"]) == (a_home.name, "改了名")
    orgs = [[*SEED_FORM, "所属单元", "客户分类", "负责人"],
            ["廉桥供电所", "刘所长", "13700000001", 12, None, None, None, None, "张站长",
             "13700000002", "A003", "意向客户", "MANAGER_A"]]  # fmt: skip
    assert _run(crm, "market_admin", orgs, "organizations", commit=True).created == 1
    c = _customer("廉桥供电所")
    created = AuditEntry.objects.filter(
        object_id=str(c.pk), action="create", content_type__app_label="crm"
    )
    assert sorted(created.values_list("content_type__model", flat=True)) == [
        "customer",
        "organization",
    ]


def test_the_seeds_organisation_form_with_two_phone_columns_imports_and_updates(
    crm: CrmWorld,
) -> None:
    rows = [[*SEED_FORM, "所属单元", "客户分类", "负责人"],
            ["廉桥供电所", "刘所长", "0739-2712345", "１２", "中国联通 50M 专线", "稳定",
             "高峰期慢", "千兆", "张站长", "+86 137 0000 0002", "A003", "意向客户",
             "MANAGER_A"]]  # fmt: skip
    data = xlsx(rows, before=[["集团客户信息收集核心要素"]], merges=["A1:M1"])
    spec, manager = get_spec("organizations"), crm.world.user("manager_a")
    report = run_import(spec, manager, data, commit=True)
    assert report.errors == [] and report.created == 1
    org = _customer("廉桥供电所").organization
    assert (org.contact_name, org.contact_phone, org.computers, org.current_network) == (
        "刘所长", "0739-2712345", 12, "中国联通 50M 专线")  # fmt: skip
    assert (org.quality_requirement, org.quality_feedback, org.development_wishes) == (
        "稳定", "高峰期慢", "千兆")  # fmt: skip
    assert (org.key_person_name, org.key_person_phone) == ("张站长", "13700000002")
    assert org.verified_at is None  # copied from paper: not verified on the ground

    update: list[list[Any]] = [
        ["客户编号", "集团单位名称", "联系电话", "业务核心人物姓名", "联系电话"],
        [org.customer.code, "廉桥供电所（新）", None, "李站长", "13700000003"]]  # fmt: skip
    report = run_import(spec, manager, xlsx(update), commit=True)
    assert report.errors == [] and report.updated == 1
    fresh = _fresh(org.customer)
    assert fresh.name == fresh.organization.name == "廉桥供电所（新）"  # one name, two rows
    assert fresh.organization.contact_phone == "0739-2712345"  # blank: kept
    assert (fresh.organization.key_person_name, fresh.organization.key_person_phone) == (
        "李站长", "13700000003")  # fmt: skip
    changed = AuditEntry.objects.filter(
        object_id=str(fresh.pk), action="update", content_type__app_label="crm"
    )
    assert sorted(changed.values_list("content_type__model", flat=True)) == [
        "customer",
        "organization",
    ]


def test_imported_customers_are_unverified_unless_the_sheet_dates_a_verification(
    crm: CrmWorld,
) -> None:
    rows = [[*HH, "最近核实日期"], [*hh(1), None], [*hh(2), "2026-01-05"]]
    assert _run(crm, "manager_a", rows, commit=True).created == 2
    one, two = _customer("住户1"), _customer("住户2")
    assert (one.verified_at, one.verified_by) == (None, None)
    assert timezone.localdate(two.verified_at) == dt.date(2026, 1, 5)
    assert two.verified_by == crm.world.staff["manager_a"]

    def verify(day: object) -> ImportReport:
        sheet: list[list[Any]] = [["客户编号", "最近核实日期"], [two.code, day]]
        return _run(crm, "account_a", sheet, commit=True)

    assert verify("2025-12-01").unchanged == 1  # older than the record's: kept
    assert verify("2026-02-01").updated == 1
    two = _fresh(two)
    assert timezone.localdate(two.verified_at) == dt.date(2026, 2, 1)
    assert two.verified_by == crm.world.staff["account_a"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert _where(verify(tomorrow.isoformat())) == [(2, "最近核实日期")]


def test_one_row_saves_through_the_services_under_the_same_rules(crm: CrmWorld) -> None:
    spec, manager = get_spec("households"), crm.world.user("manager_a")
    site, me = crm.t.sites_a[0], crm.world.staff["manager_a"]
    cleaned = {"name": "单户", "site": site, "relationship": "potential", "owner": me,
               "phone": "13700000021", "verified_on": dt.date(2026, 1, 1)}  # fmt: skip
    customer, created = spec.save(manager, cleaned, None)
    assert created and customer.code == f"KH{customer.pk:08d}"
    customer = _fresh(customer)
    assert (timezone.localdate(customer.verified_at), customer.verified_by) == (
        dt.date(2026, 1, 1), me)  # fmt: skip
    assert AuditEntry.objects.filter(
        object_id=str(customer.pk), content_type__model="customer", action="create"
    ).exists()
    a_home = Customer.objects.select_related("site", "owner").get(pk=crm.customers["a_home"].pk)
    with pytest.raises(PermissionDenied):
        spec.save(crm.world.user("sales_b"), {"tier": "gold"}, a_home)
    orgs = get_spec("organizations")
    group, _created = orgs.save(
        manager,
        {
            "name": "单位甲",
            "site": site,
            "relationship": "new",
            "owner": me,
            "key_person_phone": "0739-1",
        },
        None,
    )
    group = _fresh(group)
    orgs.save(manager, {"name": "单位乙", "contact_name": "周"}, group)
    group = _fresh(group)
    assert (group.name, group.organization.name, group.organization.contact_name) == (
        "单位乙", "单位乙", "周")  # fmt: skip


def test_the_number_of_queries_does_not_grow_with_the_rows(crm: CrmWorld) -> None:
    """Lookups and writes are per chunk, never per row (100,000 rows: see bench/import.py)."""

    def queries(rows: list[list[Any]], kind: str = "households") -> int:
        with CaptureQueriesContext(connection) as captured:
            report = _run(crm, "manager_a", rows, kind, commit=True)
        assert report.errors == [] and report.committed
        return len(captured.captured_queries)

    def org(i: int) -> list[Any]:
        return [None, f"单位{i}", "刘所长", "13700000001", i, "专线", None, None, None, "张站长",
                f"137{i:08d}", "A003", "意向客户", "MANAGER_A", "2026-01-02"]  # fmt: skip

    org_header = ["客户编号", *SEED_FORM, "所属单元", "客户分类", "负责人", "最近核实日期"]
    _run(crm, "manager_a", [HH, hh(99)])  # the user's scope and the content types, cached
    assert queries([HH, *map(hh, range(3))]) == queries([HH, *map(hh, range(3, 43))])
    assert queries([org_header, *map(org, range(3))], "organizations") == queries(
        [org_header, *map(org, range(3, 43))], "organizations"
    )

    def update(names: list[str], kind: str) -> int:
        codes = [_customer(n).code for n in names]
        header = ["客户编号", "客户等级", "最近核实日期"]
        return queries([header, *[[c, "金牌客户", "2026-02-02"] for c in codes]], kind)

    assert update([f"住户{i}" for i in range(3)], "households") == update(
        [f"住户{i}" for i in range(3, 43)], "households"
    )
    assert update([f"单位{i}" for i in range(3)], "organizations") == update(
        [f"单位{i}" for i in range(3, 43)], "organizations"
    )


# --- export -----------------------------------------------------------------------------------


def test_exports_mask_phones_as_the_pages_do(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers are masked for roles without the phone right, except of the customers they
    own (the page's rule); the organisation's contact and key person alike."""
    from tests.rights import without_action
    from wangge.core.permissions import CoreAction

    without_action(monkeypatch, Role.TECHNICIAN, CoreAction.VIEW_PHONE)
    services.organization_create(
        actor=SYSTEM,
        site=crm.t.sites_a[1],
        name="甲通讯店",
        owner=crm.world.staff["tech_a"],
        relationship="new",
        contact_phone="13700000011",
        key_person_phone="13700000012",
    )
    phones = {"households": ["联系电话"], "organizations": ["联系电话", "业务核心人物联系电话"]}
    for persona in ("tech_a", "agent_a", "manager_a", "market_admin"):
        user = crm.world.user(persona)
        staff = crm.world.staff[persona]
        for kind, headers in phones.items():
            spec = get_spec(kind)
            qs, filters = spec.filter_queryset(user, {})
            owners = dict(qs.values_list("code", "owner_id"))
            rows = read(export_workbook(spec, user, qs, filters))
            columns = [rows[0].index(h) for h in headers]
            for r in rows[1:]:
                masked = persona == "tech_a" and owners[r[0]] != staff.pk
                for i in columns:
                    assert r[i] and ("****" in r[i]) is masked, (persona, kind, r)
    tech = crm.world.user("tech_a")
    rows = read(export_workbook(get_spec("organizations"), tech,
                                *get_spec("organizations").filter_queryset(tech, {})))  # fmt: skip
    shown = {r[0]: r for r in rows[1:]}
    assert any("****" in str(c) for r in shown.values() for c in r)  # others' are masked
    assert any("13700000012" in [str(c) for c in r] for r in shown.values())  # own is not


def _page_ids(crm: CrmWorld, persona: str, name: str, query: str) -> set[int]:
    response = crm.world.client(persona).get(reverse(name) + "?" + query)
    objs = response.context["paginator"].object_list
    return {getattr(o, "customer_id", o.pk) for o in objs}


@pytest.mark.parametrize(
    "query",
    ["", "relationship=existing", "tier=gold", "q=客户a", "mine=1", "stale=1", "grid={grid}",
     "product={product}", "relationship=new&grid={grid}", "kind=group", "relationship=nonsense"],
)  # fmt: skip
def test_an_export_holds_exactly_what_the_list_page_shows(crm: CrmWorld, query: str) -> None:
    Customer.objects.filter(pk=crm.customers["a_home"].pk).update(verified_at=None)
    Organization.objects.filter(pk=crm.org.pk).update(verified_at=None)
    query = query.format(grid=crm.world.grid_a.pk, product=crm.broadband.pk)
    params = QueryDict(query)
    for persona in ("market_admin", "account_a", "manager_a"):
        user = crm.world.user(persona)
        page = _page_ids(crm, persona, "crm:customer_list", query)
        households, _used = get_spec("households").filter_queryset(user, params)
        groups = set(Customer.objects.filter(kind="group").values_list("pk", flat=True))
        assert set(households.values_list("pk", flat=True)) == page - groups, persona
        page = _page_ids(crm, persona, "crm:organization_list", query)
        orgs, _used = get_spec("organizations").filter_queryset(user, params)
        if not {"relationship", "tier", "product", "mine"} & set(params):
            assert set(orgs.values_list("pk", flat=True)) == page, persona
    if "mine" not in params:  # the system (command line) sees what the market department sees
        admin = crm.world.user("market_admin")
        for kind in ("households", "organizations"):
            spec = get_spec(kind)
            ids = [set(spec.filter_queryset(u, params)[0].values_list("pk", flat=True))
                   for u in (SYSTEM, admin)]  # fmt: skip
            assert ids[0] == ids[1], kind


def test_the_export_writes_codes_and_logs_the_filter(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    spec = get_spec("households")
    qs, filters = spec.filter_queryset(admin, QueryDict("relationship=existing&grid=&junk=1"))
    rows = read(export_workbook(spec, admin, qs, filters))
    assert list(rows[0]) == [c.header for c in spec.columns]
    a_home = crm.customers["a_home"]
    line = next(r for r in rows[1:] if r[0] == a_home.code)
    assert line[:9] == (a_home.code, a_home.name, "A000", "1栋1单元101", PHONES["a_home"], "存量",
                        "普通", "ACCOUNT_A", None)  # fmt: skip
    assert len(rows) == 3  # a_home and b_owned are the existing households
    log = ExportLog.objects.get()
    assert (log.kind, log.filters, log.rows) == ("households", {"relationship": "existing"}, 2)


# --- command line -----------------------------------------------------------------------------


def test_the_command_line_prints_the_documented_json(crm: CrmWorld, tmp_path: Path) -> None:
    path = tmp_path / "households.xlsx"
    path.write_bytes(xlsx([HH, hh(1), hh(2, 联系电话="12345")]))
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import", "households", str(path), "--json", stdout=out, stderr=io.StringIO())
    assert failed.value.returncode == 1
    data = json.loads(out.getvalue())
    assert {"rows", "created", "updated", "rejected", "errors"} <= set(data)
    assert (data["rows"], data["created"], data["updated"], data["rejected"]) == (2, 1, 0, 1)
    assert [set(e) for e in data["errors"]] == [{"row", "column", "message"}]
    assert (data["errors"][0]["row"], data["errors"][0]["column"]) == (3, "联系电话")
    assert not Customer.objects.filter(name="住户1").exists()  # a dry run by default

    path.write_bytes(xlsx([HH, hh(1)]))
    out = io.StringIO()
    call_command("import", "households", str(path), "--commit", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1 and _customer("住户1").code


# --- pages ------------------------------------------------------------------------------------


def test_the_customer_number_is_optional_on_the_forms_and_shown_on_the_page(
    crm: CrmWorld,
) -> None:
    client = crm.world.client("account_a")
    data = {"name": "新户", "site": crm.t.sites_a[3].pk, "relationship": "potential",
            "tier": "standard", "owner": crm.world.staff["account_a"].pk,
            "verified": "on"}  # fmt: skip
    assert client.post(reverse("crm:customer_create"), {**data, "code": ""}).status_code == 302
    ours = _customer("新户")
    assert ours.code == f"KH{ours.pk:08d}"
    theirs = {**data, "name": "另一户", "code": "YX-0009"}
    assert client.post(reverse("crm:customer_create"), theirs).status_code == 302
    assert _customer("另一户").code == "YX-0009"
    again = client.post(reverse("crm:customer_create"), {**theirs, "name": "第三户"})
    assert again.status_code == 200 and not Customer.objects.filter(name="第三户").exists()
    group = {"site": crm.t.sites_a[3].pk, "relationship": "potential", "tier": "standard",
             "owner": crm.world.staff["account_a"].pk, "name": "供电所",
             "code": "JT-1"}  # fmt: skip
    assert client.post(reverse("crm:organization_create"), group).status_code == 302
    assert _customer("供电所").code == "JT-1"
    page = client.get(reverse("crm:customer_detail", args=[ours.pk])).content.decode()
    assert f'data-testid="code">{ours.code}<' in page


def test_a_row_for_a_customer_one_may_see_but_not_change_is_fine_while_unchanged(
    crm: CrmWorld,
) -> None:
    """account_a sees the agent's customer in grid A but may not edit it: their own export
    re-imports cleanly, and only a row that would change that customer is refused."""
    spec, user = get_spec("households"), crm.world.user("account_a")
    agents = crm.customers["a_agent"]
    qs, filters = spec.filter_queryset(user, {})
    rows = read(export_workbook(spec, user, qs, filters))
    assert agents.code in {r[0] for r in rows[1:]}
    again = run_import(spec, user, xlsx(rows), commit=True)
    assert again.errors == [] and (again.created, again.updated) == (0, 0)
    index = rows[0].index("客户名称")
    changed = [r if r[0] != agents.code else [*r[:index], "改名", *r[index + 1 :]] for r in rows]
    report = run_import(spec, user, xlsx(changed), commit=True)
    assert [(e.column, "权限范围" in e.message) for e in report.errors] == [("客户编号", True)]
    assert _fresh(agents).name == agents.name
    # A customer the user cannot even see is refused however unchanged the row is.
    hidden = crm.customers["b_home"]
    report = _run(crm, "account_a", [["客户编号", "客户名称"], [hidden.code, hidden.name]])
    assert _where(report) == [(2, "客户编号")]


def test_a_masked_phone_keeps_the_number_on_update_and_is_refused_on_create(
    crm: CrmWorld,
) -> None:
    """A sheet exported by a role that sees 138****8000 can come back through someone else."""
    home = crm.customers["a_home"]
    rows = [HH, hh(1, 客户编号=home.code, 客户名称="改名", 联系电话="138****8001"),
            hh(2, 联系电话="139****0002"), hh(3, 联系电话="073****2345")]  # fmt: skip
    report = _run(crm, "market_admin", rows, commit=True)
    assert _where(report) == [(3, "联系电话"), (4, "联系电话")]
    assert all("打码" in e.message for e in report.errors)
    fresh = _fresh(home)
    assert (fresh.name, fresh.phone) == ("改名", PHONES["a_home"])
    assert report.updated == 1 and report.created == 0
