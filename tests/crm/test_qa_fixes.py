"""Defects from the QA walk-through of the demo: site links, names in the audit log, account
numbers, offer names in the site market, and phones in exports as on pages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import PHONES, VISIBLE, CrmWorld
from tests.imports.sheets import read, xlsx
from tests.personas import PERSONAS
from tests.rights import without_action
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import export_workbook, run_import
from wangge.core.models import AuditEntry
from wangge.core.permissions import CoreAction
from wangge.crm import services
from wangge.crm.templatetags.crm import sees_site
from wangge.org.roles import Role
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

MASKED = re.compile(r"\d{3}\*{4}\d{4}")


def _get(crm: CrmWorld, persona: str, name: str, *args: Any) -> str:
    response = crm.world.client(persona).get(reverse(name, args=args))
    assert response.status_code == 200, (persona, name)
    return response.content.decode()


# --- 1. site links only where the site can be opened ----------------------------------------


def test_the_site_rule_of_the_links_is_the_querysets(crm: CrmWorld) -> None:
    sites = list(Site.objects.all())
    for persona in PERSONAS:
        user = crm.world.user(persona)
        visible = set(Site.objects.visible_to(user).values_list("pk", flat=True))
        assert {s.pk for s in sites if sees_site(user, s)} == visible, persona


def test_an_agent_sees_their_customers_site_as_text(crm: CrmWorld) -> None:
    customer = crm.customers["a_agent"]
    site_url = reverse("territory:site_detail", args=[customer.site_id])
    detail = _get(crm, "agent_a", "crm:customer_detail", customer.pk)
    assert customer.site.name in detail and site_url not in detail
    listing = _get(crm, "agent_a", "crm:customer_list")
    assert customer.site.name in listing and site_url not in listing
    # The link it would have been is indeed closed to them.
    assert crm.world.client("agent_a").get(site_url).status_code == 404


def test_a_named_owner_gets_a_link_only_to_sites_of_their_grid(crm: CrmWorld) -> None:
    own_grid, elsewhere = crm.customers["a_home"], crm.customers["b_owned"]
    for customer, linked in ((own_grid, True), (elsewhere, False)):
        url = reverse("territory:site_detail", args=[customer.site_id])
        detail = _get(crm, "account_a", "crm:customer_detail", customer.pk)
        assert (url in detail) is linked
        assert customer.site.name in detail
        status = crm.world.client("account_a").get(url).status_code
        assert status == (200 if linked else 404)
    listing = _get(crm, "account_a", "crm:customer_list")
    assert reverse("territory:site_detail", args=[own_grid.site_id]) in listing
    assert reverse("territory:site_detail", args=[elsewhere.site_id]) not in listing


def test_the_intel_list_links_the_market_page_of_its_sites(crm: CrmWorld) -> None:
    html = _get(crm, "manager_a", "crm:intel_list")
    assert reverse("crm:site_market", args=[crm.intel_a.site_id]) in html


def test_site_links_cost_no_query_per_row(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    url = reverse("crm:customer_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        services.customer_create(
            actor=SYSTEM,
            site=crm.t.sites_a[i % 4] if i % 2 else crm.t.sites_b[i % 4],
            name=f"加客户{i}",
            owner=crm.world.staff["account_a"],
            relationship="new",
        )
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


# --- 2. names in timelines and the audit log ----------------------------------------------


def test_subscriptions_and_intel_are_named_as_people_name_them(crm: CrmWorld) -> None:
    sub = crm.subscriptions["a_home"]
    assert str(sub) == f"宽带 300M · {sub.started_on:%Y-%m-%d}"
    sub = services.subscription_update(actor=SYSTEM, subscription=sub, data={"account_no": "SD1"})
    assert str(sub) == "SD1 · 宽带 300M"
    assert str(crm.intel_a) == f"中国电信 @ {crm.t.sites_a[0].name}"
    entry = AuditEntry.objects.filter(content_type__model="subscription").latest("id")
    assert entry.object_repr == "SD1 · 宽带 300M"


def test_the_customer_timeline_names_the_subscription(crm: CrmWorld) -> None:
    sub = crm.subscriptions["a_home"]
    html = _get(crm, "market_admin", "crm:customer_detail", crm.customers["a_home"].pk)
    timeline = html.split('data-testid="timeline"', 1)[1]
    assert f"宽带 300M · {sub.started_on:%Y-%m-%d}" in timeline
    assert f"{sub.customer_id} · {sub.plan_id}" not in timeline


SUB_HEADER = ["业务账号", "客户编号", "资费套餐", "开通日期", "月费（元）"]


def _sub_sheet(crm: CrmWorld, n: int, fee: str) -> bytes:
    code = crm.customers["a_home"].code
    return xlsx([SUB_HEADER, *([f"Q{i}", code, "BB-300", "2024-01-01", fee] for i in range(n))])


def _import_queries(crm: CrmWorld, data: bytes) -> int:
    admin = crm.world.user("market_admin")
    with CaptureQueriesContext(connection) as ctx:
        report = run_import(get_spec("subscriptions"), admin, data, commit=True)
    assert report.committed and not report.errors
    return len(ctx)


def test_bulk_subscription_writes_name_records_without_a_query_each(crm: CrmWorld) -> None:
    # Creates, then updates of the same lines (the plan comes from the lookup, not a query).
    creates_few = _import_queries(crm, _sub_sheet(crm, 3, "60"))
    updates_few = _import_queries(crm, _sub_sheet(crm, 3, "61"))
    # Lines Q0–Q2 now update and Q3–Q11 are new: a mix costs what either alone does.
    mixed = _import_queries(crm, _sub_sheet(crm, 12, "60"))
    updates_many = _import_queries(crm, _sub_sheet(crm, 12, "62"))
    assert updates_many == updates_few
    assert mixed <= creates_few + updates_few
    reprs = set(
        AuditEntry.objects.filter(content_type__model="subscription", object_repr__startswith="Q")
        .values_list("object_repr", flat=True)
        .distinct()
    )
    assert reprs == {f"Q{i} · 宽带 300M" for i in range(12)}


def test_bulk_offer_writes_name_their_intel(crm: CrmWorld) -> None:
    header = ["所属单元", "竞争对手", "套餐名称", "资费（元）", "发现日期", "备注"]
    site = crm.t.sites_a[0]
    data = xlsx([header, [site.code, "电信", "天翼宽带 1000M", "1200", "2026-02-01", "新情况"]])
    report = run_import(
        get_spec("competitor-offers"), crm.world.user("market_admin"), data, commit=True
    )
    assert report.committed and not report.errors
    entry = AuditEntry.objects.filter(content_type__model="competitorintel").latest("id")
    assert entry.object_repr == f"中国电信 @ {site.name}"


# --- 3. account numbers shown --------------------------------------------------------------


def test_account_numbers_are_shown_in_the_list_and_on_the_customer(crm: CrmWorld) -> None:
    services.subscription_update(
        actor=SYSTEM, subscription=crm.subscriptions["a_home"], data={"account_no": "SD-SHOWN"}
    )
    listing = _get(crm, "market_admin", "crm:subscription_list")
    assert 'data-testid="account-no">SD-SHOWN<' in listing
    detail = _get(crm, "market_admin", "crm:customer_detail", crm.customers["a_home"].pk)
    assert 'data-testid="account-no">SD-SHOWN<' in detail


# --- 4. offer names in the site market ------------------------------------------------------


def test_an_offer_name_that_says_its_bandwidth_is_not_repeated(crm: CrmWorld) -> None:
    services.competitor_offer_create(
        actor=SYSTEM,
        intel=crm.intel_a,
        plan_name="质检天翼宽带 500M",
        bandwidth_mbps=500,
        price=Decimal("100.00"),
    )
    services.competitor_offer_create(
        actor=SYSTEM,
        intel=crm.intel_a,
        plan_name="天翼宽带 1000M",
        bandwidth_mbps=100,
        price=Decimal("90.00"),
    )
    html = _get(crm, "market_admin", "crm:site_market", crm.intel_a.site_id)
    names = set(re.findall(r'data-testid="offer-name">([^<]*)<', html))
    assert names == {"质检天翼宽带 500M", "天翼宽带 300M", "天翼宽带 1000M 100M"}


# --- 5. phones in exports as on the pages ---------------------------------------------------


def _export_phones(crm: CrmWorld, persona: str) -> set[str]:
    user = crm.world.user(persona)
    spec = get_spec("households")
    data = export_workbook(spec, user, spec.queryset(user), {})
    rows = read(data)
    column = rows[0].index("联系电话")
    return {r[column] for r in rows[1:] if r[column]}


def test_an_agent_exports_their_own_customers_numbers_whole(crm: CrmWorld) -> None:
    assert VISIBLE["agent_a"] == {"a_agent"}
    assert _export_phones(crm, "agent_a") == {PHONES["a_agent"]}
    html = _get(crm, "agent_a", "crm:customer_list")
    assert PHONES["a_agent"] in html


@pytest.fixture
def tech_without_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role without VIEW_PHONE that sees a grid's customers: technicians, here."""
    without_action(monkeypatch, Role.TECHNICIAN, CoreAction.VIEW_PHONE)


@pytest.mark.usefixtures("tech_without_phones")
def test_the_export_masks_others_numbers_and_agrees_with_the_page(crm: CrmWorld) -> None:
    services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[3],
        name="装维自己的客户",
        owner=crm.world.staff["tech_a"],
        relationship="new",
        phone="13912345678",
    )
    exported = _export_phones(crm, "tech_a")
    assert "13912345678" in exported
    others = exported - {"13912345678"}
    assert others and all(MASKED.fullmatch(p) for p in others)
    html = _get(crm, "tech_a", "crm:customer_list")
    page = {
        p
        for p in re.findall(r'data-testid="phone">([^<]*)<', html)
        if p and p not in (PHONES["a_org"], "138****8005")
    }
    assert exported == page
