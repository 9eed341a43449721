"""Assessment settings in a browser, on a phone: the market department raises the 成长之星
threshold (the form refuses a weight without its full marks first) and then sees the month's
leaderboard on the home page, 390 px wide without sideways scrolling."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.performance.factories_targets import person_target, sale
from tests.personas import World
from wangge.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_market_department_edits_an_award_rule_and_sees_the_leaderboard_on_a_phone(
    live_server: Any, world: World, phone: Any
) -> None:
    # A transactional test starts from an emptied database: the migration's seed again.
    importlib.import_module("wangge.performance.migrations.0003_targets").seed(apps, None)
    crm = build_crm(world)
    w = crm.world
    today = clock.today()  # the browser's cookies live in real time: no time travel here
    person_target(w.staff["account_a"], today.year, [10] * 12, grid=w.grid_a)
    for _ in range(15):
        sale(crm, w.staff["account_a"], today)
    base = live_server.url
    phone.set_default_timeout(20_000)
    login(phone, base, "market_admin")
    phone.goto(f"{base}/performance/settings/awards/")
    phone.get_by_test_id("rule-pioneer_star").get_by_test_id("rule-edit").click()
    phone.get_by_label("新增客户数 满分标准").fill("")
    phone.get_by_test_id("save").click()
    expect(phone.locator("p.error").first).to_contain_text("满分标准")
    assert _fits(phone)

    phone.goto(f"{base}/performance/settings/awards/")
    phone.get_by_test_id("rule-growth_star").get_by_test_id("rule-edit").click()
    phone.get_by_label("完成率门槛（%）").fill("140")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_test_id("threshold")).to_contain_text("140%")
    assert _fits(phone)

    phone.goto(f"{base}/")
    board = phone.get_by_test_id("today-performance.leaderboard")
    expect(board).to_contain_text("个人第 1 名：")
    expect(board).to_contain_text("150.00")
    assert _fits(phone)
