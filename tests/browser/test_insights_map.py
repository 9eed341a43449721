"""The figures in a browser: the market department opens the map coloured by reach, drills
into a grid and then a site; a grid manager opens their grid's dashboard on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.insights.world import build_insights
from tests.personas import World
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.insights import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def _page(browser: Any, **context: Any) -> tuple[Any, list[str]]:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def test_map_by_reach_drills_to_a_site_and_the_manager_reads_the_grid_on_a_phone(
    live_server: Any, world: World, browser: Any, settings: Any
) -> None:
    county = build_insights(world)
    services.snapshot_take(actor=SYSTEM, on=clock.today())
    base = live_server.url
    site = county.crm.customers["a_home"].site

    market, market_problems = _page(browser, locale="zh-CN", timezone_id="Asia/Shanghai")
    login(market, base, "market_admin")
    market.goto(f"{base}/insights/map/?measure=reach.customers")
    expect(market.get_by_test_id("map-legend")).to_be_visible()
    market.locator('[data-grid="A"]').hover()
    expect(market.locator(".leaflet-tooltip")).to_contain_text("66.7%（2/3）")
    market.locator('[data-grid="A"]').click()
    expect(market.get_by_test_id("map-grid")).to_have_text("网格甲")
    market.locator(f'[data-site="{site.code}"]').click()
    card = market.get_by_test_id("map-card")
    expect(card.get_by_test_id("site-name")).to_contain_text(site.name)
    expect(card).to_contain_text("1/1")
    assert market_problems == []

    # With a tile layer set (here our own server stands in for a provider: no internet), the
    # tiles load under the grids, which still draw and answer, and the CSP lets them in.
    settings.WANGGE_MAP_TILES = base + "/static/favicon.svg?x={x}&y={y}&z={z}&s={s}"
    settings.WANGGE_MAP_TILES_ATTRIBUTION = "测试底图"
    market.goto(f"{base}/insights/map/?measure=reach.customers")
    expect(market.locator(".leaflet-tile-loaded").first).to_be_visible()
    expect(market.locator(".leaflet-control-attribution")).to_contain_text("测试底图")
    market.locator('[data-grid="A"]').hover()
    expect(market.locator(".leaflet-tooltip")).to_contain_text("66.7%（2/3）")
    assert market_problems == []

    manager, manager_problems = _page(browser, **PHONE)
    login(manager, base, "manager_a")
    manager.goto(f"{base}/insights/")
    expect(manager.get_by_test_id("dashboard-title")).to_contain_text("网格甲")
    expect(manager.get_by_test_id("measure-reach.customers")).to_contain_text("66.7%")
    expect(manager.locator("#trend-chart canvas")).to_have_count(1)
    assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert manager_problems == []
