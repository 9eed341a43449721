"""The customer search as a marketer on a phone types it: results as they type, and a
search broader than the list shows says so and asks for more characters."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_broad_search_asks_for_more_and_a_longer_one_finds_the_customer(
    live_server: Any, world: World, phone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = build_crm(world)
    monkeypatch.setattr("wangge.core.pagination.SEARCH_CAP", 2)  # the server is this process
    login(phone, live_server.url, "market_admin")
    phone.goto(f"{live_server.url}/crm/customers/")
    search = phone.get_by_role("searchbox", name="搜索")

    search.fill("客户")  # the four households' names: more than the two listed
    hint = phone.get_by_test_id("broad-search")
    expect(hint).to_contain_text("匹配的客户超过 2 个")
    expect(phone.locator("#results")).to_contain_text("共 2+ 个客户")
    expect(phone.get_by_test_id("customer-row")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    search.fill(crm.customers["a_home"].name)  # typed on: one customer, no hint
    expect(phone.get_by_test_id("customer-row")).to_have_count(1)
    expect(phone.get_by_test_id("customer-row")).to_contain_text(crm.customers["a_home"].name)
    expect(hint).to_have_count(0)
    assert "q=" in phone.url  # the search is in the address, to share or go back to
