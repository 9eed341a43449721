"""The sales record pages and API: what each person sees, the filters and totals, a
cancellation from the record's page, and bad query strings that never answer 500."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld, build_crm
from tests.performance.factories_sales import record
from tests.personas import World, assert_visible_matrix
from tests.querybudget import assert_flat
from wangge.core import clock
from wangge.performance.models import SalesRecord
from wangge.performance.periods import month_of


@pytest.fixture
def crm(world: World) -> CrmWorld:
    c = build_crm(world)
    record(c, "A-OWN", days_ago=1, amount="816.00")
    record(c, "A-AGENT", days_ago=2, seller="agent_a", customer="a_agent", amount="336.00",
           line="hd")  # fmt: skip
    record(c, "B-SALE", days_ago=3, seller="sales_b", customer="b_home", amount="600.50")
    return c


VISIBLE = {
    "market_admin": {"A-OWN", "A-AGENT", "B-SALE"},
    "manager_a": {"A-OWN", "A-AGENT"},
    "account_a": {"A-OWN"},
    "sales_b": {"B-SALE"},
    "tech_a": set(),
    "agent_a": {"A-AGENT"},
}


def test_each_person_sees_their_own_sales_and_a_manager_their_grids(crm: CrmWorld) -> None:
    def through_api(persona: str) -> set[str]:
        answer = crm.world.api(persona).get("/api/performance/sales")
        if answer.status_code == 404:
            return set()
        return {item["reference"] for item in answer.json()["items"]}

    assert_visible_matrix(crm.world, through_api, VISIBLE)


def test_the_api_filters_and_answers_money_as_strings(crm: CrmWorld) -> None:
    api = crm.world.api("market_admin")
    body = api.get("/api/performance/sales", {"line": "hd"}).json()
    assert body["count"] == 1 and body["items"][0]["amount"] == "336.00"
    assert body["items"][0]["channel"] == "agent" and body["items"][0]["clawed_back"] is False
    grid_b = api.get("/api/performance/sales", {"grid": crm.world.grid_b.pk}).json()
    assert [i["reference"] for i in grid_b["items"]] == ["B-SALE"]
    this_month = month_of(clock.today() - dt.timedelta(days=1)).code
    listed = api.get("/api/performance/sales", {"period": this_month}).json()["items"]
    assert {i["reference"] for i in listed} <= VISIBLE["market_admin"]
    one = SalesRecord.objects.get(reference="B-SALE")
    detail = api.get(f"/api/performance/sales/{one.pk}").json()
    assert detail["reference"] == "B-SALE" and detail["seller_employee_no"] == "SALES_B"


@pytest.mark.parametrize(
    "query", [{"period": "2026-13"}, {"period": "0000-01"}, {"period": "1899-12"},
              {"line": "gold"}, {"grid": "x"}, {"limit": "0"}, {"q": "\x00"}],
)  # fmt: skip
def test_bad_filters_are_refused_never_a_server_error(crm: CrmWorld, query: dict[str, str]) -> None:
    answer = crm.world.api("market_admin").get("/api/performance/sales", query)
    assert answer.status_code in (400, 422), answer.content
    assert "detail" in answer.json()
    page = crm.world.client("market_admin").get("/performance/sales/", query)
    assert page.status_code == 200


def test_the_list_page_filters_totals_and_marks_clawbacks(crm: CrmWorld) -> None:
    rec = SalesRecord.objects.get(reference="A-OWN")
    SalesRecord.objects.filter(pk=rec.pk).update(cancelled_on=clock.today())
    page = crm.world.client("manager_a").get("/performance/sales/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "A-OWN" in html and "A-AGENT" in html and "B-SALE" not in html
    assert 'data-testid="clawback"' in html
    assert "1152.00" in html  # 816.00 + 336.00: the totals row
    narrowed = crm.world.client("manager_a").get("/performance/sales/", {"line": "hd"})
    assert "A-OWN" not in narrowed.content.decode() and "336.00" in narrowed.content.decode()


def test_a_manager_records_a_cancellation_on_the_records_page(crm: CrmWorld) -> None:
    rec = SalesRecord.objects.get(reference="A-OWN")
    manager = crm.world.client("manager_a")
    assert "登记销户" in manager.get(f"/performance/sales/{rec.pk}/").content.decode()
    assert (
        "登记销户"
        not in crm.world.client("account_a").get(f"/performance/sales/{rec.pk}/").content.decode()
    )
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    bad = manager.post(f"/performance/sales/{rec.pk}/cancel/", {"cancelled_on": tomorrow})
    assert bad.status_code == 400 and SalesRecord.objects.get(pk=rec.pk).cancelled_on is None
    assert (
        crm.world.client("account_a")
        .post(f"/performance/sales/{rec.pk}/cancel/", {"cancelled_on": clock.today().isoformat()})
        .status_code
        == 404
    )
    done = manager.post(f"/performance/sales/{rec.pk}/cancel/",
                        {"cancelled_on": clock.today().isoformat()})  # fmt: skip
    assert done.status_code == 302
    assert SalesRecord.objects.get(pk=rec.pk).cancelled_on == clock.today()


def test_the_customer_and_staff_pages_show_recent_sales(crm: CrmWorld) -> None:
    client = crm.world.client("manager_a")
    customer = crm.customers["a_home"]
    html = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="panel-performance-sales"' in html and "816.00" in html
    staff = crm.world.staff["account_a"]
    html = client.get(reverse("org:staff_detail", args=[staff.pk])).content.decode()
    assert 'data-testid="panel-performance-sales"' in html
    # The technician sees the customer but no one's sales.
    tech = crm.world.client("tech_a")
    html = tech.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="panel-performance-sales"' not in html


_seq = itertools.count(1)


def _grow(crm: CrmWorld) -> Any:
    def grow(n: int) -> None:
        for _i in range(n):
            for seller, customer in (("account_a", "a_home"), ("agent_a", "a_agent"),
                                     ("sales_b", "b_home")):  # fmt: skip
                record(crm, f"Q{next(_seq)}", seller=seller, customer=customer, days_ago=4)

    return grow


@pytest.mark.parametrize("persona", ["market_admin", "manager_a", "agent_a"])
@pytest.mark.parametrize(
    "url", ["/performance/sales/", "/performance/sales/?line=broadband",
            "/api/performance/sales?limit=200"],
)  # fmt: skip
def test_the_lists_cost_the_same_with_more_sales(crm: CrmWorld, persona: str, url: str) -> None:
    assert_flat(crm.world.client(persona), url, _grow(crm), n=2)


def test_the_customer_page_costs_the_same_with_more_sales(crm: CrmWorld) -> None:
    url = reverse("crm:customer_detail", args=[crm.customers["a_home"].pk])
    assert_flat(crm.world.client("manager_a"), url, _grow(crm), n=2)
