from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.crm.world import build_crm
from tests.personas import World
from wangge.sales import services
from wangge.sales.models import PromoPiece

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_from_a_qr_code_lands_on_the_managers_board(
    live_server: Any, world: World, phone: Any, browser: Any
) -> None:
    cache.clear()
    crm = build_crm(world)
    piece = services.piece_create(
        actor=world.user("account_a"), site=crm.t.sites_a[0], kind=PromoPiece.Kind.POSTER
    )
    base = live_server.url

    # The manager prints the QR page; its address is the public form's.
    manager = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    board = manager.new_page()
    login(board, base, "manager_a")
    board.goto(f"{base}/sales/promo/{piece.pk}/qr/")
    expect(board.get_by_test_id("qr").locator("svg")).to_be_visible()
    lead_url = board.get_by_test_id("lead-url").inner_text()
    assert lead_url == f"{base}/sales/l/{piece.token}/"

    # A passer-by scans it on their phone: no login, a form that fits the screen.
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.goto(lead_url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("登记您的需求")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone.get_by_label("您的称呼").fill("赵阿姨")
    phone.get_by_label("联系电话").fill("1391234")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".error")).to_contain_text("请填写正确的手机号或固定电话")
    phone.get_by_label("联系电话").fill("13912345678")
    phone.get_by_label("您的需求").fill("家里想装千兆宽带")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_test_id("lead-thanks")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]

    # The manager finds it waiting to be dispatched.
    board.goto(f"{base}/sales/opportunities/?unassigned=1")
    expect(board.locator("main")).to_contain_text("赵阿姨")
    manager.close()
