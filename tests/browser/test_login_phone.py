from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_manager_on_a_phone_sees_their_team_in_chinese_and_not_other_grids(
    live_server: Any, world: World, phone: Any
) -> None:
    base = live_server.url
    login(phone, base, "manager_a")

    expect(phone.get_by_test_id("who")).to_contain_text("经理甲 · 网格经理")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    phone.get_by_role("link", name="网格甲").first.click()

    chart = phone.get_by_test_id("org-chart")
    expect(chart).to_contain_text("组织架构")
    for name in ("经理甲", "客户经理甲", "装维甲"):
        expect(chart).to_contain_text(name)
    expect(chart).not_to_contain_text("经理乙")

    # Nothing on the page is wider than the phone: no sideways scrolling of the page itself.
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

    response = phone.goto(f"{base}/grids/{world.grid_b.pk}/")
    assert response is not None and response.status == 404
    expect(phone.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(phone.locator("body")).not_to_contain_text("网格乙")


def test_language_switch_to_english_and_back(live_server: Any, world: World, phone: Any) -> None:
    login(phone, live_server.url, "market_admin")
    phone.get_by_label("语言").select_option("en")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("navigation", name="Main navigation")).to_contain_text("Staff")
    phone.get_by_label("Language").select_option("zh-hans")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
