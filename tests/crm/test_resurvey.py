"""Records older than WANGGE_RESURVEY_DAYS surface as 待复核 in the owner's list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.crm.world import CrmWorld
from wangge.crm.models import CompetitorIntel, Customer, Organization

pytestmark = pytest.mark.django_db


def _age(model: type, pk: int, days: int | None) -> None:
    at = None if days is None else timezone.now() - dt.timedelta(days=days)
    model.objects.filter(pk=pk).update(verified_at=at)  # type: ignore[attr-defined]


def _due(html: str) -> set[int]:
    """Customers whose row carries the 待复核 badge."""
    rows = re.findall(r'<tr data-testid="customer-row">(.*?)</tr>', html, re.S)
    return {
        int(re.search(r"/crm/customers/(\d+)/", r).group(1))  # type: ignore[union-attr]
        for r in rows
        if 'data-testid="resurvey"' in r
    }


@pytest.fixture
def aged(crm: CrmWorld, settings: object) -> CrmWorld:
    settings.WANGGE_RESURVEY_DAYS = 30  # type: ignore[attr-defined]
    c = crm.customers
    _age(Customer, c["a_home"].pk, 45)  # stale
    _age(Customer, c["b_owned"].pk, None)  # never verified
    _age(Customer, c["a_agent"].pk, 5)  # fresh
    _age(Customer, c["a_org"].pk, 5)  # fresh itself, but its survey is stale:
    _age(Organization, crm.org.pk, 90)
    return crm


def test_the_stale_filter_lists_what_is_due(aged: CrmWorld) -> None:
    url = reverse("crm:customer_list") + "?stale=1"
    html = aged.world.client("market_admin").get(url).content.decode()
    expected = aged.ids("a_home", "b_owned", "a_org")
    assert set(map(int, re.findall(r'href="/crm/customers/(\d+)/"', html))) == expected
    assert _due(html) == expected


def test_the_owners_list_shows_their_due_records_and_a_count(aged: CrmWorld) -> None:
    client = aged.world.client("account_a")
    html = client.get(reverse("crm:customer_list")).content.decode()
    assert _due(html) == aged.ids("a_home", "b_owned", "a_org")
    badge = re.search(r'data-testid="my-resurvey">([^<]*)<', html)
    assert badge is not None and "2" in badge.group(1)
    mine = client.get(reverse("crm:customer_list") + "?mine=1&stale=1").content.decode()
    assert _due(mine) == aged.ids("a_home", "b_owned")


def test_the_age_is_read_from_settings(aged: CrmWorld, settings: object) -> None:
    settings.WANGGE_RESURVEY_DAYS = 60  # type: ignore[attr-defined]
    html = (
        aged.world.client("market_admin")
        .get(reverse("crm:customer_list") + "?stale=1")
        .content.decode()
    )
    assert _due(html) == aged.ids("b_owned", "a_org")


def test_verifying_clears_the_badge(aged: CrmWorld) -> None:
    client = aged.world.client("account_a")
    pk = aged.customers["a_home"].pk
    assert client.post(reverse("crm:customer_verify", args=[pk])).status_code == 302
    c = Customer.objects.get(pk=pk)
    assert c.verified_by == aged.world.staff["account_a"] and not c.needs_resurvey
    html = client.get(reverse("crm:customer_list")).content.decode()
    assert pk not in _due(html)
    detail = client.get(reverse("crm:customer_detail", args=[pk])).content.decode()
    assert "客户经理甲" in detail  # verified by


def test_intelligence_and_organisations_have_their_own_stale_filters(
    aged: CrmWorld, settings: object
) -> None:
    _age(CompetitorIntel, aged.intel_a.pk, 400)
    client = aged.world.client("market_admin")
    html = client.get(reverse("crm:intel_list") + "?stale=1").content.decode()
    assert f"/crm/intel/{aged.intel_a.pk}/" in html
    assert f"/crm/intel/{aged.intel_b.pk}/" not in html
    html = client.get(reverse("crm:organization_list") + "?stale=1").content.decode()
    assert "两市塘第一中学" in html and "待复核" in html


def test_the_api_says_which_records_are_due(aged: CrmWorld) -> None:
    items = aged.world.api("market_admin").get("/api/crm/customers?stale=true").json()["items"]
    assert {c["id"] for c in items} == aged.ids("a_home", "b_owned", "a_org")
    assert all(c["resurvey_due"] for c in items)
