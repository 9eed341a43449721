"""From a sale to a live line, in a browser: the marketer wins a sale on the sales page, the
install order appears on the technician's phone, who accepts it, checks in at the door and
finishes it with a photo; the customer page then shows the subscription in use."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.personas import World
from wangge.crm.models import Subscription
from wangge.sales import services as sales
from wangge.service.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _no_overflow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_won_sale_is_installed_from_the_technicians_phone(
    live_server: Any, world: World, browser: Any
) -> None:
    crm = build_crm(world)
    account = world.user("account_a")
    site = crm.t.sites_a[1]
    lead = sales.opportunity_create(
        actor=account, source="visit", site=site, contact_name="王新装", need="装宽带"
    )
    for stage in ("proposal", "confirmed"):
        lead = sales.opportunity_move(
            actor=account, opportunity=lead, stage=stage, version=lead.version
        )
    base = live_server.url

    # The marketer wins the sale on the sales page.
    seller = browser.new_context(**PHONE)
    page = seller.new_page()
    page.set_default_timeout(15_000)
    problems = _watch(page)
    login(page, base, "account_a")
    page.goto(f"{base}/sales/opportunities/{lead.pk}/")
    win = page.get_by_test_id("win")
    win.get_by_label("资费套餐").select_option(value=str(crm.plan_bb.pk))
    win.get_by_role("button", name="成交并生成订购").click()
    expect(page.get_by_test_id("stage")).to_contain_text("成交")
    assert not problems, problems
    seller.close()
    order = WorkOrder.objects.get(source_ref=f"opportunity:{lead.pk}")
    subscription = Subscription.objects.get(pk=order.subscription_id or 0)
    assert subscription.status == Subscription.Status.PENDING

    # The technician, at the door (about 30 m away, a fresh precise fix).
    tech = browser.new_context(
        **PHONE,
        geolocation={"latitude": site.lat + 0.00025, "longitude": site.lon, "accuracy": 12},
        permissions=["geolocation"],
    )
    phone = tech.new_page()
    phone.set_default_timeout(15_000)
    problems = _watch(phone)
    login(phone, base, "tech_a")
    phone.goto(f"{base}/service/orders/mine/")
    card = phone.get_by_test_id("my-order").filter(has_text=str(order.code))
    expect(card).to_contain_text("新装")
    expect(card.get_by_test_id("navigate")).to_have_attribute("href", re.compile("uri.amap.com"))
    _no_overflow(phone)
    card.get_by_role("link", name="处理").click()
    phone.get_by_test_id("do-accept").click()
    expect(phone.get_by_test_id("state")).to_contain_text("已接单")
    phone.get_by_test_id("locate").click()
    expect(phone.locator("[data-checkin-status]")).to_have_attribute("data-done", "1")
    phone.get_by_test_id("do-check_in").click()
    expect(phone.get_by_test_id("state")).to_contain_text("已到场")
    expect(phone.get_by_test_id("checkin-ok")).to_be_visible()
    form = phone.get_by_test_id("form-complete")
    form.get_by_label("处理结果").fill("入户光纤已接通，测速正常")
    form.locator("input[name=photo]").set_input_files(
        files=[{"name": "done.png", "mimeType": "image/png", "buffer": PNG}]
    )
    form.get_by_label("客户已确认").check()
    _no_overflow(phone)
    phone.get_by_test_id("do-complete").click()
    expect(phone.get_by_test_id("state")).to_contain_text("已完工")
    expect(phone.get_by_test_id("photo")).to_have_count(1)
    _no_overflow(phone)

    # The customer page shows the line in use.
    phone.goto(f"{base}/crm/customers/{order.customer_id}/")
    line = phone.locator("tr").filter(has_text=crm.plan_bb.name)
    expect(line).to_have_count(1)
    expect(line).to_contain_text("在用")
    assert not problems, problems
    tech.close()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
