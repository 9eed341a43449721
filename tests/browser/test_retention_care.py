"""Care in a browser: a gold customer's overdue door visit is on the manager's phone; a
door visit recorded from the list fulfils it, and it leaves "due"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.personas import World
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm.models import Customer
from wangge.retention import engine, services
from wangge.retention.models import CareDue, CareRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_door_visit_takes_the_customer_off_the_due_list(
    live_server: Any, world: World, browser: Any
) -> None:
    crm = build_crm(world)
    gold = crm.customers["a_org"]  # manager_a's gold customer
    # The seed's rules may or may not be there in a transactional test (and theirs start
    # today): one gold rule of our own, counted from the customer's record.
    CareRule.objects.all().delete()
    services.rule_create(actor=SYSTEM, name="金牌客户半月上门", tier="gold", mode="every",
                         period_days=15, contact_kinds=["door"])  # fmt: skip
    Customer.objects.filter(pk=gold.pk).update(created_at=clock.now() - dt.timedelta(days=20))
    engine.refresh()
    assert CareDue.objects.get(customer=gold).overdue_days == 5

    site = gold.site
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation={"latitude": site.lat + 0.0002, "longitude": site.lon, "accuracy": 15},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    base = live_server.url
    login(page, base, "manager_a")

    page.goto(f"{base}/retention/care/?state=due&mine=1")
    row = page.locator(f'[data-testid=care-row][data-customer="{gold.code}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("逾期 5 天")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    row.get_by_role("link", name="上门").click()

    expect(page.get_by_label("上门")).to_be_checked()
    page.get_by_test_id("checkin").click()
    expect(page.locator("[data-checkin-status]")).to_have_attribute("data-done", "1")
    page.get_by_label("拜访结果").select_option(label="需再跟进")
    page.get_by_role("button", name="保存拜访").click()
    expect(page.get_by_test_id("verdict")).to_be_visible()

    page.goto(f"{base}/retention/care/?state=due&mine=1")
    expect(page.locator("[data-testid=care-row]")).to_have_count(0)
    item = CareDue.objects.get(customer=gold)
    assert (item.overdue_days, item.last_contact_on) == (0, clock.today())
    assert not problems, problems
    context.close()
