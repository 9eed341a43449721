"""Commission pages and API: who sees which statements, the policy form's cap message, a
month run from the page, the Excel exports (values only)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.performance import factories_settle as f
from tests.personas import World, assert_visible_matrix
from wangge.core.access import SYSTEM
from wangge.performance import services_settle as svc
from wangge.performance.models import CommissionPolicy, Settlement, Statement


@pytest.fixture
def crm(world: World) -> CrmWorld:
    c = build_crm(world)
    f.standard_month(c)
    return c


def test_each_persona_sees_only_the_statements_pay_privacy_allows(crm: CrmWorld) -> None:
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    world = crm.world

    def seen(persona: str) -> set[str]:
        body = world.api(persona).get("/api/performance/statements?limit=500").json()
        return {item["staff_no"] for item in body["items"]}

    grid_a = {"ACCOUNT_A", "MANAGER_A", "TECH_A", "AGENT_A"}
    assert_visible_matrix(
        world,
        seen,
        {
            "market_admin": grid_a | {"SALES_B", "MANAGER_B"},
            "manager_a": grid_a,
            "account_a": {"ACCOUNT_A"},
            "sales_b": {"SALES_B"},
            "tech_a": {"TECH_A"},
            "agent_a": {"AGENT_A"},
        },
    )


def test_the_api_statement_carries_its_lines_and_money_as_strings(crm: CrmWorld) -> None:
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    st = Statement.objects.get(staff=crm.world.staff["account_a"])
    body = crm.world.api("account_a").get(f"/api/performance/statements/{st.pk}").json()
    assert body["total"] == "54.40" and body["period"] == f.PERIOD
    assert body["lines"][0]["sale"] == "BB-1" and body["lines"][0]["amount"] == "54.40"
    assert crm.world.api("account_a").get("/api/performance/statements/99999999").status_code == 404
    policies = crm.world.api("agent_a").get("/api/performance/policies?business_line=hd").json()
    assert [p["name"] for p in policies["items"]] == ["高清"]


def test_the_policy_form_refuses_a_policy_above_the_cap_and_says_how_far(
    crm: CrmWorld,
) -> None:
    client = crm.world.client("market_admin")
    page = client.get("/performance/policies/new/")
    assert "17" in page.content.decode()
    n = CommissionPolicy.objects.count()
    response = client.post(
        "/performance/policies/new/",
        {
            "name": "太高",
            "business_line": "broadband",
            "kind": "rate",
            "value": "0.20",
            "tiers": "[]",
            "share_seller": "1",
            "share_manager": "0",
            "share_technician": "0",
            "effective_from": "2025-01-01",
            "channel": "staff",
            "role": "",
        },
    )
    assert response.status_code == 200
    assert "20.00%" in response.content.decode()
    assert CommissionPolicy.objects.count() == n


def test_a_month_is_run_approved_and_locked_from_the_pages(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    admin = crm.world.client("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/performance/settlements/start/", {"period": f.PERIOD})
    assert response.status_code == 302
    page = admin.get(f"/performance/settlements/{f.PERIOD}/").content.decode()
    assert "102.00" in page
    for persona in ("manager_a", "manager_b"):
        crm.world.client(persona).post(f"/performance/settlements/{f.PERIOD}/grid-approve/")
    admin.post(f"/performance/settlements/{f.PERIOD}/approve/")
    admin.post(f"/performance/settlements/{f.PERIOD}/lock/")
    assert Settlement.objects.get(period=f.PERIOD).status == Settlement.Status.LOCKED
    # A marketer's approve is refused like a missing page.
    assert (
        crm.world.client("account_a")
        .post(f"/performance/settlements/{f.PERIOD}/approve/")
        .status_code
        == 404
    )


def _cells(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_exports_are_values_without_formulas(crm: CrmWorld) -> None:
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    admin = crm.world.client("market_admin")
    payroll = admin.get(f"/performance/settlements/{f.PERIOD}/payroll.xlsx")
    sheet = _cells(payroll.content)
    assert "<f>" not in sheet and "ACCOUNT_A" in sheet and "102" in sheet
    mine = crm.world.client("account_a").get(
        f"/performance/statements/export.xlsx?period={f.PERIOD}"
    )
    sheet = _cells(mine.content)
    assert "<f>" not in sheet and "BB-1" in sheet and "HD-1" not in sheet
    assert Decimal("54.40") == Statement.objects.get(staff=crm.world.staff["account_a"]).total
