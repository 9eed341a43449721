"""Commission in a browser: the market department sets a policy (the cap refuses the first
try and says how far it goes), settles a month, grid A's manager approves, and a marketer
opens their statement on a phone (390 px, no horizontal scroll)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.performance import factories_settle as f
from tests.personas import World
from wangge.performance.models import Settlement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def _page(browser: Any) -> tuple[Any, list[str]]:
    page = browser.new_context(**PHONE).new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_policy_settle_approve_and_the_marketer_reads_it(
    live_server: Any, world: World, browser: Any
) -> None:
    crm = build_crm(world)
    f.sale(crm, "BB-1", "680.00")
    base = live_server.url

    admin, admin_problems = _page(browser)
    login(admin, base, "market_admin")
    admin.goto(f"{base}/performance/policies/new/")
    admin.get_by_label("名称").fill("宽带提成")
    admin.get_by_label("业务线").select_option("broadband")
    admin.get_by_label("计提方式").select_option("rate")
    admin.get_by_label("比例或金额").fill("0.20")
    admin.get_by_label("销售人分成").fill("0.8")
    admin.get_by_label("网格经理分成").fill("0.2")
    admin.get_by_label("生效日期").fill("2024-01-01")
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_test_id("field-error").first).to_contain_text("20.00%")
    admin.get_by_label("比例或金额").fill("0.10")
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_test_id("policy-row")).to_have_count(1)

    admin.goto(f"{base}/performance/settlements/")
    admin.get_by_label("月份").fill(f.PERIOD)
    admin.get_by_test_id("settle-start").click()
    expect(admin.get_by_test_id("settlement-status")).to_have_text("已结算")
    expect(admin.get_by_test_id("statement-row")).to_have_count(2)

    manager, manager_problems = _page(browser)
    login(manager, base, "manager_a")
    manager.goto(f"{base}/performance/settlements/{f.PERIOD}/")
    manager.get_by_test_id("grid-approve").click()
    expect(manager.get_by_test_id("settlement-status")).to_have_text("网格经理已审核")
    assert _fits(manager)

    marketer, marketer_problems = _page(browser)
    login(marketer, base, "account_a")
    marketer.goto(f"{base}/performance/statements/")
    marketer.get_by_test_id("statement-link").click()
    expect(marketer.get_by_test_id("statement-total")).to_have_text("54.40")
    expect(marketer.get_by_test_id("line")).to_have_count(1)
    assert _fits(marketer)

    assert Settlement.objects.get().status == Settlement.Status.APPROVED_BY_MANAGER
    assert admin_problems == manager_problems == marketer_problems == []
