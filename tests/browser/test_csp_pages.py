"""The Content-Security-Policy breaks nothing: maps draw, htmx swaps, the language switch
submits, and the browser reports no blocked script or style."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.personas import World
from tests.territory_world import build_territory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_under_the_policy_without_violations(
    live_server: Any, world: World, browser: Any
) -> None:
    t = build_territory(world, per_grid=4)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: blocked.append(str(e)))

    login(page, live_server.url, "market_admin")
    page.goto(f"{live_server.url}/territory/map/")  # an inline script with the nonce
    expect(page.locator("#map canvas")).to_be_attached()
    expect(page.locator("#legend")).not_to_be_empty()

    page.goto(f"{live_server.url}/territory/plans/{t.plan.pk}/")
    expect(page.locator("#map canvas")).to_be_attached()
    expect(page.locator("#legend")).not_to_be_empty()  # drawn after the inline fetch

    page.goto(f"{live_server.url}/territory/sites/")
    page.get_by_role("searchbox").first.fill("A小区1")  # htmx swaps the results in
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text("A小区1")

    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert not blocked, blocked
    context.close()
