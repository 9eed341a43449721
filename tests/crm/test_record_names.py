"""Records are named as people name them (subscriptions by account number and plan, intel
by competitor and site) in timelines and the audit log, bulk writes included, and account
numbers are shown on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.core.models import AuditEntry
from wangge.crm import services

pytestmark = pytest.mark.django_db


def _get(crm: CrmWorld, persona: str, name: str, *args: Any) -> str:
    response = crm.world.client(persona).get(reverse(name, args=args))
    assert response.status_code == 200, (persona, name)
    return response.content.decode()


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


def test_account_numbers_are_shown_in_the_list_and_on_the_customer(crm: CrmWorld) -> None:
    services.subscription_update(
        actor=SYSTEM, subscription=crm.subscriptions["a_home"], data={"account_no": "SD-SHOWN"}
    )
    listing = _get(crm, "market_admin", "crm:subscription_list")
    assert 'data-testid="account-no">SD-SHOWN<' in listing
    detail = _get(crm, "market_admin", "crm:customer_detail", crm.customers["a_home"].pk)
    assert 'data-testid="account-no">SD-SHOWN<' in detail
