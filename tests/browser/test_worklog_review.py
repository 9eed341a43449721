"""The daily log in a browser: a marketer writes it on a phone, the manager returns it with
a comment from the review page (htmx, no page per log), the marketer revises and hands it in
again, the manager approves it with a score."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.personas import World
from wangge.worklog.models import WorkLog

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


def test_write_return_revise_approve(live_server: Any, world: World, browser: Any) -> None:
    base = live_server.url
    author, author_problems = _page(browser)
    login(author, base, "account_a")
    author.goto(f"{base}/worklog/")
    assert _fits(author)
    author.get_by_label("成果与信息").fill("走访小区八户，两户有意向")
    author.get_by_label("明日计划").fill("回访有意向的客户")
    author.get_by_test_id("submit").click()
    expect(author.get_by_test_id("log-status")).to_have_text("待审阅")

    manager, manager_problems = _page(browser)
    login(manager, base, "manager_a")
    manager.goto(f"{base}/worklog/review/")
    card = manager.get_by_test_id("log-card").filter(has_text="客户经理甲")
    expect(card).to_have_count(1)
    assert _fits(manager)
    card.get_by_test_id("comment").fill("请写明走访的客户名称")
    card.get_by_test_id("return").click()
    expect(card.get_by_test_id("reviewed")).to_have_text("已退回")

    author.goto(f"{base}/worklog/")
    expect(author.get_by_test_id("return-comment")).to_contain_text("请写明走访的客户名称")
    expect(author.get_by_test_id("unread")).to_have_text("1")
    author.get_by_label("成果与信息").fill("走访王家、李家等八户，王家、李家有意向")
    author.get_by_test_id("submit").click()
    expect(author.get_by_test_id("log-status")).to_have_text("待审阅")

    manager.goto(f"{base}/worklog/review/")
    card = manager.get_by_test_id("log-card").filter(has_text="王家、李家")
    card.get_by_test_id("score-4").check()
    card.get_by_test_id("approve").click()
    expect(card.get_by_test_id("reviewed")).to_have_text("已通过 · 4 分")

    log = WorkLog.objects.get()
    assert (log.status, log.score) == (WorkLog.Status.APPROVED, 4)
    assert [r.decision for r in log.reviews.all()] == ["return", "approve"]
    author.goto(f"{base}/worklog/")
    expect(author.get_by_test_id("log-status")).to_have_text("已通过")
    assert author_problems == [] and manager_problems == []
