"""Importing and exporting subscriptions (订购) through the one Excel pipeline."""

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
from wangge.crm import selectors, services
from wangge.crm.models import Customer, Subscription

pytestmark = pytest.mark.django_db

HEADER = ["业务账号", "客户编号", "资费套餐", "开通日期", "到期日期", "月费（元）", "状态",
          "欠费金额（元）"]  # fmt: skip


def spec() -> Any:
    return get_spec("subscriptions")


def code(crm: CrmWorld, key: str) -> str:
    c = crm.customers[key].code
    assert c
    return c


def numbered(crm: CrmWorld) -> dict[str, Subscription]:
    """The world's subscriptions, given the account numbers billing would have."""
    out = {}
    for key, sub in crm.subscriptions.items():
        out[key] = services.subscription_update(
            actor=SYSTEM, subscription=sub, data={"account_no": f"SD-{key}"}
        )
    return out


def row(account: str, customer: str | None, **over: Any) -> list[Any]:
    values = {"业务账号": account, "客户编号": customer, "资费套餐": "BB-300",
              "开通日期": "2024-01-01", "到期日期": "2024-12-31", "月费（元）": None,
              "状态": "在用", "欠费金额（元）": 0}  # fmt: skip
    values.update(over)
    return [values[h] for h in HEADER]


def subs(*accounts: str) -> dict[str, Subscription]:
    return {
        s.account_no: s
        for s in Subscription.objects.filter(account_no__in=accounts).select_related("plan")
    }


# --- template, messy sheets -------------------------------------------------------------------


def test_the_templates_example_row_imports(crm: CrmWorld) -> None:
    example = spec().column("customer").example
    if not Customer.objects.filter(code=example).exists():
        # Ids (and so our KH numbers) depend on the database's sequences; a KH number is
        # never chosen through the services, so the example's is given to a customer here.
        made = services.customer_create(
            actor=SYSTEM,
            site=crm.t.sites_a[0],
            name="示例客户",
            owner=crm.world.staff["account_a"],
            relationship="existing",
        )
        Customer.objects.filter(pk=made.pk).update(code=example)
    report = run_import(spec(), SYSTEM, template_workbook(spec()), commit=True)
    assert report.errors == [] and (report.rows, report.created) == (1, 1)
    sub = Subscription.objects.select_related("customer", "plan").get(account_no="SD20220001")
    assert (sub.customer.code, sub.plan, sub.started_on, sub.expires_on) == (
        example, crm.plan_bb, dt.date(2022, 10, 10), dt.date(2023, 10, 9))  # fmt: skip
    assert (sub.monthly_fee, sub.status, sub.arrears) == (Decimal("68.00"), "active", Decimal(0))


def test_a_messy_billing_sheet_reads_into_clean_subscriptions(crm: CrmWorld) -> None:
    a_home, a_org = code(crm, "a_home"), code(crm, "a_org")
    data = xlsx(
        [
            ["业务账号", "客户编号", "套餐名称", "开通日期", "到期日期", "月费(元)", "状态",
             "欠费金额"],
            ["ＳＤ００１", a_home, "宽带 300M", 44844, "2023-10-09", "１２０.５", "在用", "0"],
            ["SD002", None, "bb-300", "2022/10/10", "2023年10月9日", "120元", "暂停", "¥1,234.50"],
            ["SD003", a_org, "高清基本包", "2022年10月10日", None, None, "已拆机", " 56 元 "],
            ["SD004", None, "HD-BASE", dt.datetime(2022, 10, 10), 45208.0, "68", "已到期",
             None],
        ],
        before=[["2024 年 10 月宽带用户清单"], [None, "导出自营业系统"]],
        # The customer's number written once for their two lines, as people merge it.
        merges=["A1:H1", "B4:B5", "B6:B7"],
    )  # fmt: skip
    report = run_import(spec(), crm.world.user("market_admin"), data, commit=True)
    assert report.errors == [] and (report.header_row, report.created) == (3, 4)
    got = subs("SD001", "SD002", "SD003", "SD004")
    assert {a: s.customer_id for a, s in got.items()} == {
        "SD001": crm.customers["a_home"].pk, "SD002": crm.customers["a_home"].pk,
        "SD003": crm.customers["a_org"].pk, "SD004": crm.customers["a_org"].pk}  # fmt: skip
    assert {s.started_on for s in got.values()} == {dt.date(2022, 10, 10)}
    assert [got[a].expires_on for a in ("SD001", "SD002", "SD003", "SD004")] == [
        dt.date(2023, 10, 9), dt.date(2023, 10, 9), None, dt.date(2023, 10, 9)]  # fmt: skip
    assert [got[a].monthly_fee for a in ("SD001", "SD002", "SD003", "SD004")] == [
        Decimal("120.50"), Decimal("120.00"), Decimal("28.00"), Decimal("68.00")]  # fmt: skip
    assert [got[a].plan for a in ("SD001", "SD002", "SD003", "SD004")] == [
        crm.plan_bb, crm.plan_bb, crm.plan_hd, crm.plan_hd]  # fmt: skip
    assert [got[a].status for a in ("SD001", "SD002", "SD003", "SD004")] == [
        "active", "suspended", "cancelled", "expired"]  # fmt: skip
    assert [got[a].arrears for a in ("SD001", "SD002", "SD003", "SD004")] == [
        Decimal(0), Decimal("1234.50"), Decimal("56.00"), Decimal(0)]  # fmt: skip


def test_row_rules_are_reported_on_their_columns(crm: CrmWorld) -> None:
    numbered(crm)
    a_home = code(crm, "a_home")
    Subscription.objects.filter(account_no="SD-a_home").update(expires_on=dt.date(2026, 5, 1))
    data = xlsx(
        [
            HEADER,
            row("N1", a_home, 到期日期="2023-12-31"),  # expiry before start
            row("N2", "KH-NOPE"),  # no such customer
            row("N3", None, 开通日期=None),  # new: customer and start required
            row("N4", a_home, 资费套餐="千兆至尊"),  # no such plan
            row("N5", a_home, 状态="欠费", **{"欠费金额（元）": -5, "月费（元）": "很多"}),
            row("SD-a_home", code(crm, "b_owned"), 开通日期=None, 到期日期=None),  # moving
            ["SD-a_home", None, None, "2026-06-01", None, None, None, None],  # after expiry
        ]
    )  # fmt: skip
    report = run_import(spec(), crm.world.user("market_admin"), data)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "到期日期"), (3, "客户编号"), (4, "客户编号"), (4, "开通日期"), (5, "资费套餐"),
        (6, "月费（元）"), (6, "状态"), (6, "欠费金额（元）"), (7, "客户编号"), (8, "业务账号"),
    ]  # fmt: skip
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "到期日期")] == "到期日期不能早于开通日期（2024-01-01）"
    assert messages[(3, "客户编号")] == "没有这个客户编号"
    assert "不能改到其他客户" in messages[(7, "客户编号")]
    assert "重复" in messages[(8, "业务账号")]  # the same account twice in one file
    alone = xlsx([HEADER[:5], ["SD-a_home", None, None, "2026-06-01", None]])
    errors = run_import(spec(), crm.world.user("market_admin"), alone).errors
    assert [(e.row, e.column) for e in errors] == [(2, "开通日期")]  # its expiry is the record's


def test_a_plan_name_two_plans_share_asks_for_the_code(crm: CrmWorld) -> None:
    services.tariff_plan_create(
        actor=SYSTEM, product=crm.hd, code="HD-2", name="宽带 300M", monthly_price=Decimal(1)
    )
    data = xlsx([HEADER, row("N1", code(crm, "a_home")), row("N2", code(crm, "a_home"),
                                                           资费套餐="宽带 300M")])  # fmt: skip
    errors = run_import(spec(), SYSTEM, data).errors
    assert [(e.row, e.column, "套餐编码" in e.message) for e in errors] == [(3, "资费套餐", True)]


# --- 20 bad rows among 1,000 ------------------------------------------------------------------


def test_every_bad_row_among_a_thousand_is_reported_and_nothing_half_written(
    crm: CrmWorld,
) -> None:
    admin = crm.world.user("market_admin")
    customers = [code(crm, k) for k in ("a_home", "a_agent", "a_org", "b_home", "b_owned")]
    breakers: list[dict[str, Any]] = [
        {"客户编号": "KH99999999"}, {"开通日期": "昨天"}, {"到期日期": "2023-01-01"},
        {"资费套餐": "没有的套餐"}, {"状态": "不知道"}, {"欠费金额（元）": -1},
        {"月费（元）": "abc"}, {"开通日期": "2024-02-30"}, {"客户编号": None},
        {"月费（元）": "100000000"},
    ]  # fmt: skip
    bad = {17 + 50 * i: breakers[i % len(breakers)] for i in range(20)}
    rows = [HEADER]
    for i in range(1000):
        rows.append(row(f"B{i:05d}", customers[i % 5], **bad.get(i, {})))
    data = xlsx(rows)
    before = Subscription.objects.count()

    dry = run_import(spec(), admin, data)
    assert (dry.rows, dry.created, dry.rejected) == (1000, 980, 20)
    assert {e.row for e in dry.errors} == {i + 2 for i in bad}
    assert Subscription.objects.count() == before

    strict = run_import(spec(), admin, data, commit=True, strict=True)
    assert not strict.committed and strict.rejected == 20
    assert Subscription.objects.count() == before

    done = run_import(spec(), admin, data, commit=True)
    assert done.committed and Subscription.objects.count() == before + 980
    assert not Subscription.objects.filter(account_no__in=[f"B{i:05d}" for i in bad]).exists()


# --- re-import ----------------------------------------------------------------------------------


def test_export_then_reimport_changes_nothing(crm: CrmWorld) -> None:
    numbered(crm)
    admin = crm.world.user("market_admin")
    exported = export_workbook(spec(), admin, spec().queryset(admin), {})
    rows = read(exported)
    assert rows[0] == tuple(HEADER)
    by_account = {r[0]: r for r in rows[1:]}
    assert by_account["SD-a_home"][1:3] == (code(crm, "a_home"), "BB-300")  # codes, not names
    assert by_account["SD-b_home"][6] == "在用" and float(by_account["SD-b_home"][7]) == 56
    audits = AuditEntry.objects.count()
    again = run_import(spec(), admin, exported, commit=True)
    assert again.errors == [] and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.count() == audits


def test_the_same_sheet_twice_updates_nothing_the_second_time(crm: CrmWorld) -> None:
    admin = crm.world.user("market_admin")
    data = xlsx(
        [HEADER, *(row(f"T{i}", code(crm, "a_home"), **{"月费（元）": "59.9"}) for i in range(5))]
    )
    first = run_import(spec(), admin, data, commit=True)
    assert (first.created, first.updated) == (5, 0)
    second = run_import(spec(), admin, data, commit=True)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert Subscription.objects.filter(account_no__startswith="T").count() == 5


def test_reimport_updates_by_account_and_keeps_blank_cells(crm: CrmWorld) -> None:
    numbered(crm)
    admin = crm.world.user("market_admin")
    data = xlsx([["业务账号", "欠费金额（元）", "资费套餐"], ["SD-a_home", "12.3", "HD-BASE"]])
    report = run_import(spec(), admin, data)
    assert report.updated == 1
    assert report.preview[0]["changes"] == [
        ["欠费金额（元）", "0.00", "12.30"], ["资费套餐", "BB-300", "HD-BASE"]]  # fmt: skip
    run_import(spec(), admin, data, commit=True)
    sub = Subscription.objects.get(account_no="SD-a_home")
    assert (sub.arrears, sub.plan, sub.monthly_fee) == (
        Decimal("12.30"), crm.plan_hd, Decimal("68.00"))  # fmt: skip


# --- scope ------------------------------------------------------------------------------------


def _errors(report: Any) -> dict[int, str]:
    return {e.row: e.message for e in report.errors}


def test_a_grid_manager_cannot_touch_another_grids_subscriptions(crm: CrmWorld) -> None:
    numbered(crm)
    data = xlsx(
        [
            HEADER,
            row("M1", code(crm, "a_home")),  # grid A: theirs
            row("M2", code(crm, "b_home")),  # grid B: not even visible
            row("M3", code(crm, "b_owned")),  # grid B, owned by A's account marketer
            ["SD-b_home", None, None, None, None, None, None, 0],  # B's line
        ]
    )
    report = run_import(spec(), crm.world.user("manager_a"), data, commit=True)
    errors = _errors(report)
    assert set(errors) == {3, 4, 5} and report.created == 1
    assert errors[3] == errors[4] == "没有这个客户编号"  # B's customers are not confirmed
    assert errors[5] == "没有这个业务账号"  # B's line: worded as for an unknown account
    assert Subscription.objects.get(account_no="M1").customer == crm.customers["a_home"]
    assert not Subscription.objects.filter(account_no__in=["M2", "M3"]).exists()
    assert Subscription.objects.get(account_no="SD-b_home").arrears == Decimal("56.00")


@pytest.mark.parametrize(
    ("persona", "allowed", "refused"),
    [
        # A sales marketer writes only for the customers they own …
        ("sales_b", {"b_home"}, {"b_owned", "a_home"}),
        # … an account marketer too, wherever the customer lies (名单制) …
        ("account_a", {"a_home", "b_owned"}, {"a_agent", "b_home"}),
        # … and so does an agent, whose own accounts are all they see.
        ("agent_a", {"a_agent"}, {"a_home", "b_home"}),
    ],
)
def test_people_write_only_their_own_customers_subscriptions(
    crm: CrmWorld, persona: str, allowed: set[str], refused: set[str]
) -> None:
    keys = sorted(allowed | refused)
    data = xlsx([HEADER, *(row(f"P-{k}", code(crm, k)) for k in keys)])
    report = run_import(spec(), crm.world.user(persona), data, commit=True)
    written = set(
        Subscription.objects.filter(account_no__startswith="P-").values_list(
            "account_no", flat=True
        )
    )
    assert written == {f"P-{k}" for k in allowed}
    assert {keys[e.row - 2] for e in report.errors} == refused


def test_a_visible_customer_one_may_not_edit_is_refused_as_such(crm: CrmWorld) -> None:
    data = xlsx([HEADER, row("X1", code(crm, "b_owned"))])
    report = run_import(spec(), crm.world.user("sales_b"), data)
    assert [e.message for e in report.errors] == ["您不能修改这个客户的订购"]


def test_who_may_import_subscriptions_at_all(crm: CrmWorld) -> None:
    can = {p: spec().can_import(crm.world.user(p)) for p in crm.world.staff}
    assert can == {"market_admin": True, "manager_a": True, "account_a": True, "sales_b": True,
                   "tech_a": False, "agent_a": True, "manager_b": True}  # fmt: skip
    with pytest.raises(PermissionDenied):
        run_import(spec(), crm.world.user("tech_a"), xlsx([HEADER]))


# --- audit, single-row save -------------------------------------------------------------------


def test_every_write_leaves_one_audit_entry_by_the_importer(crm: CrmWorld) -> None:
    numbered(crm)
    user = crm.world.user("manager_a")
    data = xlsx([HEADER, row("AU1", code(crm, "a_home")), row("AU2", code(crm, "a_org")),
                 ["SD-a_home", None, None, None, None, "50", None, None]])  # fmt: skip
    run_import(spec(), user, data, commit=True)
    entries = AuditEntry.objects.filter(content_type__model="subscription", actor=user)
    created = {s.pk for s in subs("AU1", "AU2").values()}
    assert {int(e.object_id) for e in entries.filter(action="create")} == created
    update = entries.get(action="update")
    sub = Subscription.objects.get(account_no="SD-a_home")
    assert update.object_id == str(sub.pk)
    assert update.before is not None and update.after is not None
    assert (update.before["monthly_fee"], update.after["monthly_fee"]) == ("68.00", "50.00")
    assert entries.count() == 3


def test_the_single_row_save_goes_through_the_services(crm: CrmWorld) -> None:
    user = crm.world.user("account_a")
    cleaned = {"customer": crm.customers["a_home"], "plan": crm.plan_hd, "account_no": "S1",
               "started_on": dt.date(2024, 1, 1)}  # fmt: skip
    sub, created = spec().save(user, cleaned, None)
    assert created and sub.monthly_fee == Decimal("28.00")
    assert AuditEntry.objects.filter(
        object_id=str(sub.pk), content_type__model="subscription", action="create", actor=user
    ).exists()
    with pytest.raises(PermissionDenied):  # not theirs: the service refuses
        spec().save(user, {**cleaned, "customer": crm.customers["b_home"]}, None)


# --- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "selector"),
    [
        ({"status": "active"}, {"status": "active"}),
        ({"arrears": "1"}, {"in_arrears": True}),
        ({"grid": "GRID_A"}, {"grid_id": "GRID_A"}),
        ({"product": "HD", "q": "客户"}, {"product_id": "HD", "q": "客户"}),
        ({"status": "nonsense", "expiring": "5"}, {}),  # not the page's values: ignored
    ],
)
def test_a_filtered_export_holds_what_the_list_page_shows(
    crm: CrmWorld, params: dict[str, str], selector: dict[str, Any]
) -> None:
    numbered(crm)
    ids = {"GRID_A": crm.world.grid_a.pk, "HD": crm.hd.pk}
    params = {k: str(ids.get(v, v)) for k, v in params.items()}
    selector = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in selector.items()}
    for persona in ("market_admin", "manager_a", "agent_a"):
        user = crm.world.user(persona)
        qs, used = spec().filter_queryset(user, params)
        expected = selectors.subscription_list(user=user, **selector)
        assert {s.pk for s in qs} == {s.pk for s in expected}
        rows = read(export_workbook(spec(), user, qs, used))[1:]
        assert sorted(r[0] for r in rows) == sorted(s.account_no for s in expected)
    assert ExportLog.objects.filter(rows__gte=0).count() == 3


def test_the_system_exports_with_the_same_filters(crm: CrmWorld) -> None:
    numbered(crm)
    qs, used = spec().filter_queryset(SYSTEM, {"arrears": "1", "grid": "x"})
    assert used == {"arrears": "1"} and [s.account_no for s in qs] == ["SD-b_home"]
    everything, _used = spec().filter_queryset(SYSTEM, {})
    assert everything.count() == Subscription.objects.count()


# --- command line -----------------------------------------------------------------------------


def test_the_import_command_answers_json(crm: CrmWorld, tmp_path: Path) -> None:
    path = tmp_path / "subs.xlsx"
    path.write_bytes(xlsx([HEADER, row("C1", code(crm, "a_home")), row("C2", "KH-NONE")]))
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import", "subscriptions", str(path), "--json", "--as", "manager_a", stdout=out
        )
    assert failed.value.returncode == 1
    data = json.loads(out.getvalue())
    assert {"rows", "created", "updated", "rejected", "errors"} <= set(data)
    assert (data["rows"], data["created"], data["updated"], data["rejected"]) == (2, 1, 0, 1)
    assert data["errors"] == [{"row": 3, "column": "客户编号", "message": "没有这个客户编号"}]
    assert not Subscription.objects.filter(account_no="C1").exists()  # a dry run
    ok = tmp_path / "ok.xlsx"
    ok.write_bytes(xlsx([HEADER, row("C1", code(crm, "a_home"))]))
    out = io.StringIO()
    call_command("import", "subscriptions", str(ok), "--json", "--commit", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    assert Subscription.objects.filter(account_no="C1").exists()


def test_an_account_marketer_collects_arrears_on_any_subscription_of_their_grid(
    crm: CrmWorld,
) -> None:
    subs = numbered(crm)
    sheet = xlsx([HEADER, row("SD-a_agent", code(crm, "a_agent"), **{"欠费金额（元）": "35.50"})])
    report = run_import(spec(), crm.world.user("account_a"), sheet, commit=True)
    assert report.errors == [] and report.updated == 1
    subs["a_agent"].refresh_from_db()
    assert subs["a_agent"].arrears == Decimal("35.50")
    # A new subscription is a sale: only for customers one keeps.
    sale = xlsx([HEADER, row("NEW-1", code(crm, "a_agent"))])
    refused = run_import(spec(), crm.world.user("account_a"), sale, commit=True)
    assert [e.message for e in refused.errors] == ["您不能修改这个客户的订购"]
