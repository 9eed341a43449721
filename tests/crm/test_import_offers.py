"""Importing and exporting competitor offers (小区竞争对手信息) through the Excel pipeline."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from tests.crm.world import CrmWorld
from tests.imports.sheets import read, xlsx
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import, template_workbook
from wangge.core.models import AuditEntry, ExportLog
from wangge.crm import selectors
from wangge.crm.models import Competitor, CompetitorIntel, CompetitorOffer
from wangge.territory import services as territory_services

pytestmark = pytest.mark.django_db

HEADER = ["所属单元", "竞争对手", "类别", "套餐名称", "带宽（Mbps）", "资费（元）", "计费周期",
          "促销优惠", "发现日期", "结束日期", "进入时间", "估计用户数", "覆盖户数", "端口数",
          "网络资源", "安装质量", "售后服务", "与物业关系", "备注"]  # fmt: skip


def spec() -> Any:
    return get_spec("competitor-offers")


def row(site: str, competitor: str, plan: str, **over: Any) -> list[Any]:
    values: dict[str, Any] = dict.fromkeys(HEADER)
    values.update({"所属单元": site, "竞争对手": competitor, "类别": "宽带", "套餐名称": plan,
                   "资费（元）": "69", "计费周期": "元/月", "发现日期": "2024-03-01"})  # fmt: skip
    values.update(over)
    return [values[h] for h in HEADER]


def pair(site: Any, code: str) -> CompetitorIntel | None:
    return CompetitorIntel.objects.filter(site=site, competitor__code=code).first()


# --- template, messy sheets -------------------------------------------------------------------


def test_the_templates_example_row_imports(crm: CrmWorld) -> None:
    territory_services.site_create(
        actor=SYSTEM, code="XQ0001", kind="estate", name="东湖花园", lon=111.705, lat=27.205
    )
    report = run_import(spec(), SYSTEM, template_workbook(spec()), commit=True)
    assert report.errors == [] and (report.rows, report.created) == (1, 1)
    offer = CompetitorOffer.objects.select_related("intel__site", "intel__competitor").get(
        plan_name="天翼宽带 300M"
    )
    intel = offer.intel
    assert (intel.site.code, intel.competitor.code) == ("XQ0001", "telecom")
    assert (offer.kind, offer.bandwidth_mbps, offer.price, offer.period, offer.promotion) == (
        "broadband", 300, Decimal("960.00"), "year", "首年半价")  # fmt: skip
    assert (offer.seen_on, offer.ended_on) == (dt.date(2022, 10, 10), None)
    assert (intel.launched_on, intel.customers_estimate, intel.install_quality) == (
        dt.date(2019, 5, 1), 120, "good")  # fmt: skip
    assert (intel.after_sales_quality, intel.property_relationship, intel.note) == (
        "fair", "close", "物业独家合作")  # fmt: skip


def test_a_messy_survey_sheet_reads_into_offers_and_intelligence(crm: CrmWorld) -> None:
    a0, a1 = crm.t.sites_a[0].code, crm.t.sites_a[1].code
    data = xlsx(
        [
            ["小区编码", "竞争对手", "套餐名称", "带宽", "资费(元)", "计费周期", "促销优惠信息",
             "发现日期", "开通业务时间", "安装维护", "售后服务信息", "与社区人员关系"],
            [a1, "联通", "沃宽带 200M", "２００", "６９.５", "包月", "送路由器", 45352,
             "2019/5/1", "好", "差", "密切"],
            [None, None, "沃宽带 500M", 500, "1,200元", "包年", None, "2024/03/01", None,
             None, None, None],
            [None, "中国移动", "移动宽带", "１００", "¥199", "次", None, "2024年3月1日",
             "2020年6月", "一般", "不详", "较差"],
        ],
        before=[["2024 年一季度小区竞争对手信息（两市塘街道）"], []],
        # The site written once for its three rows, the competitor once for its two.
        merges=["A1:L1", "A4:A6", "B4:B5"],
    )  # fmt: skip
    report = run_import(spec(), crm.world.user("account_a"), data, commit=True)
    assert report.errors == [] and (report.header_row, report.created) == (3, 3)
    offers = {
        o.plan_name: o
        for o in CompetitorOffer.objects.filter(intel__site__code=a1).select_related(
            "intel__competitor"
        )
    }
    assert {p: o.intel.competitor.code for p, o in offers.items()} == {
        "沃宽带 200M": "unicom", "沃宽带 500M": "unicom", "移动宽带": "mobile"}  # fmt: skip
    assert [(o.bandwidth_mbps, o.price, o.period) for _p, o in sorted(offers.items())] == [
        (200, Decimal("69.50"), "month"), (500, Decimal("1200.00"), "year"),
        (100, Decimal("199.00"), "once")]  # fmt: skip
    assert {o.seen_on for o in offers.values()} == {dt.date(2024, 3, 1)}
    unicom, mobile = pair(crm.t.sites_a[1], "unicom"), pair(crm.t.sites_a[1], "mobile")
    assert unicom is not None and mobile is not None
    assert (unicom.launched_on, unicom.install_quality, unicom.after_sales_quality) == (
        dt.date(2019, 5, 1), "good", "poor")  # fmt: skip
    assert (mobile.launched_on, mobile.property_relationship) == (dt.date(2020, 6, 1), "poor")
    assert offers["沃宽带 200M"].promotion == "送路由器"
    assert pair(crm.t.sites_a[0], "unicom") is None and a0  # nothing spilled elsewhere


def test_row_rules_are_reported_on_their_columns(crm: CrmWorld) -> None:
    a0 = crm.t.sites_a[0].code
    data = xlsx(
        [
            HEADER,
            row("NOPE", "电信", "P1"),  # no such site
            row(a0, "广电", "P2"),  # no such competitor
            row(a0, "电信", "P3", **{"资费（元）": None}),  # new: price required
            row(a0, "电信", "P4", 结束日期="2024-02-01"),  # ends before it was seen
            row(a0, "电信", "P5", 计费周期="按天"),
            row(a0, "中国电信", "P1", 安装质量="很好"),
            row(a0, "电信", "P6", 安装质量="好"),
            row(a0, "telecom", "P6"),  # P6 again, its code for a name
            row(a0, "电信", "P7", 安装质量="差"),  # disagrees with P6's row
        ]
    )  # fmt: skip
    report = run_import(spec(), crm.world.user("market_admin"), data)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "所属单元"), (3, "竞争对手"), (4, "资费（元）"), (5, "结束日期"), (6, "计费周期"),
        (7, "安装质量"), (9, "竞争对手"), (10, "安装质量"),
    ]  # fmt: skip
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "所属单元")] == "没有这个单元编码"
    assert messages[(3, "竞争对手")] == "没有这个竞争对手（可填：中国移动、中国电信、中国联通）"
    assert messages[(5, "结束日期")] == "结束日期不能早于发现日期（2024-03-01）"
    assert "元/月、元/年、元/次" in messages[(6, "计费周期")]
    assert messages[(9, "竞争对手")] == "与第 8 行重复"
    assert messages[(10, "安装质量")] == "与第 8 行填写的不一致"


def test_the_same_offer_named_loosely_twice_is_one_key(crm: CrmWorld) -> None:
    a0 = crm.t.sites_a[0].code
    data = xlsx([HEADER, row(a0, "电信", "P1"), row(a0, "中国电信", " P1 ")])
    report = run_import(spec(), SYSTEM, data)
    assert [(e.row, e.column, "重复" in e.message) for e in report.errors] == [
        (3, "所属单元", True)]  # fmt: skip


def test_a_recorded_offer_is_found_by_its_name_written_loosely(crm: CrmWorld) -> None:
    a0 = crm.t.sites_a[0].code
    first = xlsx([HEADER, row(a0, "联通", "Wo 宽带 500M")])
    assert run_import(spec(), SYSTEM, first, commit=True).created == 1
    again = xlsx([HEADER, row(a0, "中国联通", "wo宽带500m"),
                  row(a0, "telecom", "天翼 宽带", 发现日期=crm.offer_a.seen_on,
                      **{"资费（元）": "1,000"})])  # fmt: skip
    report = run_import(spec(), SYSTEM, again, commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert CompetitorOffer.objects.count() == 3  # the world's two and the first file's one
    assert CompetitorOffer.objects.get(pk=crm.offer_a.pk).price == Decimal("1000.00")


# --- 20 bad rows among 1,000 ------------------------------------------------------------------


def test_every_bad_row_among_a_thousand_is_reported_and_nothing_half_written(
    crm: CrmWorld,
) -> None:
    admin = crm.world.user("market_admin")
    sites = [s.code for s in crm.t.sites_a + crm.t.sites_b]
    names = ["电信", "联通", "移动"]
    breakers: list[dict[str, Any]] = [
        {"所属单元": "ZZ999"}, {"竞争对手": "某某宽带"}, {"资费（元）": "面议"},
        {"资费（元）": -10}, {"发现日期": "去年"}, {"结束日期": "2020-01-01"},
        {"计费周期": "按周"}, {"安装质量": "优秀"}, {"带宽（Mbps）": "很快"},
        {"估计用户数": -3},
    ]  # fmt: skip
    bad = {13 + 50 * i: breakers[i % len(breakers)] for i in range(20)}
    rows = [HEADER]
    for i in range(1000):
        rows.append(row(sites[i % 8], names[i % 3], f"套餐{i}", **bad.get(i, {})))
    data = xlsx(rows)
    offers, intel = CompetitorOffer.objects.count(), CompetitorIntel.objects.count()

    dry = run_import(spec(), admin, data)
    assert (dry.rows, dry.created, dry.rejected) == (1000, 980, 20)
    assert {e.row for e in dry.errors} == {i + 2 for i in bad}
    assert (CompetitorOffer.objects.count(), CompetitorIntel.objects.count()) == (offers, intel)

    strict = run_import(spec(), admin, data, commit=True, strict=True)
    assert not strict.committed and strict.rejected == 20
    assert (CompetitorOffer.objects.count(), CompetitorIntel.objects.count()) == (offers, intel)

    done = run_import(spec(), admin, data, commit=True)
    assert done.committed and CompetitorOffer.objects.count() == offers + 980
    # 8 sites x 3 competitors, two of which the world had already.
    assert CompetitorIntel.objects.count() == 24


# --- re-import, intelligence once -------------------------------------------------------------


def test_export_then_reimport_changes_nothing(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    exported = export_workbook(spec(), admin, spec().queryset(admin), {})
    rows = read(exported)
    assert rows[0] == tuple(HEADER)
    first = dict(zip(HEADER, rows[1], strict=True))
    assert (first["所属单元"], first["竞争对手"], first["计费周期"], first["安装质量"]) == (
        crm.t.sites_a[0].code, "中国电信", "元/年", "好")  # fmt: skip
    audits = AuditEntry.objects.count()
    again = run_import(spec(), admin, exported, commit=True)
    assert again.errors == [] and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == audits


def test_the_same_sheet_twice_updates_nothing_the_second_time(crm: CrmWorld) -> None:
    a1 = crm.t.sites_a[1].code
    data = xlsx([HEADER, *(row(a1, "联通", f"沃{i}", 安装质量="好") for i in range(4))])
    first = run_import(spec(), SYSTEM, data, commit=True)
    assert (first.created, first.updated) == (4, 0)
    audits = AuditEntry.objects.count()
    second = run_import(spec(), SYSTEM, data, commit=True)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert AuditEntry.objects.count() == audits


def test_intelligence_is_recorded_once_per_site_and_competitor(crm: CrmWorld) -> None:
    user = crm.world.user("manager_a")
    site = crm.t.sites_a[1]
    rows = [row(site.code, "联通" if i % 2 else "中国联通", f"沃{i}", 进入时间="2019-05-01")
            for i in range(6)]  # fmt: skip
    run_import(spec(), user, xlsx([HEADER, *rows]), commit=True)
    intel = CompetitorIntel.objects.get(site=site, competitor__code="unicom")
    assert intel.offers.count() == 6 and intel.launched_on == dt.date(2019, 5, 1)
    assert (intel.verified_at is not None, intel.verified_by) == (
        True,
        crm.world.staff["manager_a"],
    )
    entries = AuditEntry.objects.filter(content_type__model="competitorintel", object_id=intel.pk)
    assert list(entries.values_list("action", flat=True)) == ["create"]


def test_intelligence_columns_update_the_existing_intelligence(crm: CrmWorld) -> None:
    user = crm.world.user("account_a")
    a0 = crm.t.sites_a[0].code
    # The offer the world recorded there, restated with new intelligence.
    data = xlsx([HEADER, row(a0, "电信", "天翼宽带", 发现日期=crm.offer_a.seen_on,
                             估计用户数=80, 售后服务="差", **{"资费（元）": 960,
                             "计费周期": "年"})])  # fmt: skip
    preview = run_import(spec(), user, data)
    assert preview.updated == 1 and preview.preview[0]["changes"] == [
        ["估计用户数", "", "80"], ["售后服务", "一般", "差"]]  # fmt: skip
    run_import(spec(), user, data, commit=True)
    intel = CompetitorIntel.objects.get(pk=crm.intel_a.pk)
    assert (intel.customers_estimate, intel.after_sales_quality) == (80, "poor")
    assert intel.install_quality == "good"  # a blank cell keeps what we knew
    update = AuditEntry.objects.get(
        content_type__model="competitorintel", object_id=intel.pk, action="update", actor=user
    )
    assert update.before is not None and update.after is not None
    assert (update.before["after_sales_quality"], update.after["after_sales_quality"]) == (
        "fair", "poor")  # fmt: skip
    offer = CompetitorOffer.objects.get(pk=crm.offer_a.pk)
    assert offer.price == Decimal("960.00")  # unchanged: no offer audit entry
    assert not AuditEntry.objects.filter(
        content_type__model="competitoroffer", object_id=offer.pk, action="update"
    ).exists()


def test_offers_are_audited_one_entry_each(crm: CrmWorld) -> None:
    user = crm.world.user("market_admin")
    b0 = crm.t.sites_b[0].code
    data = xlsx([HEADER, row(b0, "移动", "移动宽带", 发现日期=crm.offer_b.seen_on,
                             结束日期=crm.offer_b.seen_on),
                 row(b0, "移动", "移动 1000M"), row(b0, "移动", "移动 500M")])  # fmt: skip
    report = run_import(spec(), user, data, commit=True)
    assert (report.created, report.updated) == (2, 1)
    entries = AuditEntry.objects.filter(content_type__model="competitoroffer", actor=user)
    new = CompetitorOffer.objects.filter(plan_name__in=["移动 1000M", "移动 500M"])
    assert {int(e.object_id) for e in entries.filter(action="create")} == {o.pk for o in new}
    ended = entries.get(action="update")
    assert ended.before is not None and ended.after is not None
    assert (ended.object_id, ended.before["ended_on"], ended.after["ended_on"]) == (
        str(crm.offer_b.pk), None, crm.offer_b.seen_on.isoformat())  # fmt: skip


# --- scope ------------------------------------------------------------------------------------


def test_a_grid_manager_cannot_write_another_grids_offers(crm: CrmWorld) -> None:
    a0, b0 = crm.t.sites_a[0].code, crm.t.sites_b[0].code
    data = xlsx(
        [
            HEADER,
            row(a0, "联通", "沃宽带"),
            row(b0, "联通", "沃宽带"),  # grid B: unknown to them
            row(b0, "移动", "移动宽带", 发现日期=crm.offer_b.seen_on, **{"资费（元）": 1}),
        ]
    )
    report = run_import(spec(), crm.world.user("manager_a"), data, commit=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "所属单元", "没有这个单元编码"), (4, "所属单元", "没有这个单元编码")]  # fmt: skip
    assert report.created == 1
    assert pair(crm.t.sites_b[0], "unicom") is None
    assert CompetitorOffer.objects.get(pk=crm.offer_b.pk).price == Decimal("69.00")


@pytest.mark.parametrize(
    ("persona", "writes"),
    [("account_a", {"a"}), ("sales_b", {"b"}), ("market_admin", {"a", "b"})],
)
def test_field_staff_survey_their_own_grids_sites(
    crm: CrmWorld, persona: str, writes: set[str]
) -> None:
    data = xlsx([HEADER, row(crm.t.sites_a[3].code, "移动", "A 套餐"),
                 row(crm.t.sites_b[3].code, "移动", "B 套餐")])  # fmt: skip
    run_import(spec(), crm.world.user(persona), data, commit=True)
    written = set(CompetitorOffer.objects.filter(plan_name__endswith="套餐").values_list(
        "plan_name", flat=True))  # fmt: skip
    assert written == {f"{g.upper()} 套餐" for g in writes}


def test_agents_cannot_import_offers(crm: CrmWorld) -> None:
    agent = crm.world.user("agent_a")
    assert not spec().can_import(agent)
    with pytest.raises(PermissionDenied):
        run_import(spec(), agent, xlsx([HEADER, row(crm.t.sites_a[0].code, "移动", "X")]))


# --- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"competitor": "mobile"}, {"grid": "A"}, {"q": "A000"}, {"stale": "1"}, {"site": "B0"}],
)
def test_a_filtered_export_holds_the_offers_of_what_the_intel_page_lists(
    crm: CrmWorld, params: dict[str, str]
) -> None:
    CompetitorIntel.objects.filter(pk=crm.intel_b.pk).update(verified_at=None)
    ids = {"mobile": Competitor.objects.get(code="mobile").pk, "A": crm.world.grid_a.pk,
           "B0": crm.t.sites_b[0].pk}  # fmt: skip
    params = {k: str(ids.get(v, v)) for k, v in params.items()}
    args = {"q": "q", "grid": "grid_id", "competitor": "competitor_id", "site": "site_id"}
    for persona in ("market_admin", "manager_a", "sales_b"):
        user = crm.world.user(persona)
        qs, used = spec().filter_queryset(user, params)
        assert used == params
        kwargs: dict[str, Any] = {args[k]: int(v) if v.isdigit() else v
                                  for k, v in params.items() if k in args}  # fmt: skip
        intel = selectors.intel_list(user=user, stale="stale" in params, **kwargs)
        expected = {o.pk for i in intel for o in i.offers.all()}
        assert {o.pk for o in qs} == expected
        rows = read(export_workbook(spec(), user, qs, used))[1:]
        assert len(rows) == len(expected)
    assert ExportLog.objects.count() == 3


def test_the_system_exports_everything_or_filtered(crm: CrmWorld) -> None:
    everything, used = spec().filter_queryset(SYSTEM, {})
    assert used == {} and everything.count() == CompetitorOffer.objects.count() == 2
    mobile = Competitor.objects.get(code="mobile")
    qs, used = spec().filter_queryset(SYSTEM, {"competitor": str(mobile.pk), "grid": "x"})
    assert used == {"competitor": str(mobile.pk)} and [o.pk for o in qs] == [crm.offer_b.pk]


# --- single-row save, command line ------------------------------------------------------------


def test_the_single_row_save_goes_through_the_services(crm: CrmWorld) -> None:
    user = crm.world.user("account_a")
    site = crm.t.sites_a[2]
    unicom = Competitor.objects.get(code="unicom")
    cleaned = {"_site": site, "_competitor": unicom, "_intel": {"install_quality": "good"},
               "plan_name": "沃", "price": Decimal("50"), "seen_on": dt.date(2024, 1, 1),
               "ended_on": dt.date(2024, 6, 30)}  # fmt: skip
    offer, created = spec().save(user, cleaned, None)
    assert created and (offer.ended_on, offer.intel.install_quality) == (
        dt.date(2024, 6, 30), "good")  # fmt: skip
    assert AuditEntry.objects.filter(object_id=str(offer.pk), action="create", actor=user).exists()


def test_the_import_command_answers_json(crm: CrmWorld, tmp_path: Path) -> None:
    path = tmp_path / "offers.xlsx"
    path.write_bytes(xlsx([HEADER, row(crm.t.sites_a[0].code, "联通", "沃"),
                           row(crm.t.sites_b[0].code, "联通", "沃")]))  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import", "competitor-offers", str(path), "--json", "--as", "account_a", stdout=out
        )
    assert failed.value.returncode == 1
    data = json.loads(out.getvalue())
    assert (data["rows"], data["created"], data["updated"], data["rejected"]) == (2, 1, 0, 1)
    assert data["errors"] == [{"row": 3, "column": "所属单元", "message": "没有这个单元编码"}]


def test_a_new_offer_shows_in_the_preview_what_it_changes_in_known_intelligence(
    crm: CrmWorld,
) -> None:
    """The QA finding: a new offer row silently rewrote the site's 竞争情报."""
    intel = crm.intel_a
    estimate = (intel.customers_estimate or 0) + 77
    rows = [HEADER, row(intel.site.code, intel.competitor.name, "新套餐 1000M",
                        估计用户数=estimate, 备注="新情况")]  # fmt: skip
    report = run_import(spec(), crm.world.user("market_admin"), xlsx(rows))
    [preview] = report.preview
    assert preview["action"] == "create"
    changed = {header: (before, after) for header, before, after in preview["changes"]}
    assert set(changed) == {"估计用户数", "备注"}
    assert changed["备注"] == (intel.note or "", "新情况")
    # Unknown intelligence: a new pair has nothing to compare, so no changes are listed.
    fresh = [HEADER, row(crm.t.sites_a[2].code, "移动", "移动宽带", 备注="首次")]
    assert run_import(spec(), SYSTEM, xlsx(fresh)).preview[0]["changes"] == []
