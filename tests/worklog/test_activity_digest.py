"""The log is pre-filled from what the apps know of the day (sales: visits and moved
opportunities), snapshotted at submission; the daily digest sums up a person's day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from tests.worklog.conftest import at
from wangge.core import clock, digest, workdays
from wangge.core import extensions as ext
from wangge.core.models import Notification
from wangge.sales import services as sales
from wangge.sales.models import Opportunity, Visit
from wangge.worklog import services


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


def test_the_days_visits_and_moves_are_snapshotted_at_submit(
    crm: CrmWorld, workday: dt.date, time_machine: Any
) -> None:
    account = crm.world.user("account_a")
    sales.visit_record(
        actor=account,
        kind=Visit.Kind.PHONE,
        outcome=Visit.Outcome.INTERESTED,
        customer=crm.customers["a_home"],
        note="想要千兆",
    )
    sales.opportunity_create(
        actor=account,
        source=Opportunity.Source.VISIT,
        customer=crm.customers["a_home"],
        kind=Opportunity.Kind.UPLIFT,
        need="千兆升级",
        expected_monthly=Decimal("30.00"),
    )
    lines = services.activity_lines(account, workday)
    texts = [line["text"] for line in lines]
    assert any("电话" in t and "有意向" in t and "想要千兆" in t for t in texts), texts
    assert any(t.startswith("创建") for t in texts), texts
    assert {line["source"] for line in lines} == {"拜访与商机"}
    assert services.activity_lines(crm.world.user("tech_a"), workday) == []

    log = services.log_create(actor=account, day=workday, plan="回访")
    log = services.log_submit(actor=account, log=log, version=log.version)
    assert log.activity == lines  # no findings needed: the system knew the day's work
    time_machine.move_to(clock.now() + dt.timedelta(hours=1), tick=False)
    sales.visit_record(
        actor=account,
        kind=Visit.Kind.PHONE,
        outcome=Visit.Outcome.NOT_HOME,
        customer=crm.customers["a_home"],
    )
    log.refresh_from_db()
    assert log.activity == lines  # later work does not rewrite a submitted log
    page = crm.world.client("account_a").get(f"/worklog/logs/{log.pk}/").content.decode()
    assert "想要千兆" in page


def test_the_daily_digest_once_a_day_with_unread_and_today_items(
    world: World, workday: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    account = world.user("account_a")
    with django_capture_on_commit_callbacks(execute=True):
        log = services.log_create(actor=account, day=workday, findings="走访", plan="回访")
        services.log_submit(actor=account, log=log, version=log.version)
    with django_capture_on_commit_callbacks(execute=True):
        sent = digest.send_digests()
    assert sent >= 2
    mine = Notification.objects.get(recipient=world.user("manager_a"), kind="digest")
    assert "1 条未读通知" in mine.body
    assert "提交了" in mine.body
    assert "待审阅的日志（1）" in mine.body
    tech = Notification.objects.get(recipient=world.user("tech_a"), kind="digest")
    assert "写今天的工作日志" in tech.body
    with django_capture_on_commit_callbacks(execute=True):
        digest.send_digests()
    assert Notification.objects.filter(kind="digest").count() == sent


def test_no_digest_on_a_day_off(world: World, time_machine: Any) -> None:
    day = clock.today()
    while workdays.is_workday(day):
        day += dt.timedelta(days=1)
    time_machine.move_to(at(day, 8), tick=False)
    assert digest.send_digests() == 0


def test_standing_information_alone_sends_no_digest(
    world: World, workday: dt.date, monkeypatch: Any
) -> None:
    section = ext.TodaySection("board", "排行榜", lambda user, day: [])
    standings = [ext.TodayItem("本月第 3 名", state="info")]
    monkeypatch.setattr(digest, "today_for", lambda user, day: [(section, standings)])
    assert digest.digest_for(world.user("account_a"), workday) is None
    asked = [*standings, ext.TodayItem("写今天的工作日志", state="due")]
    monkeypatch.setattr(digest, "today_for", lambda user, day: [(section, asked)])
    found = digest.digest_for(world.user("account_a"), workday)
    assert found is not None
    assert "写今天的工作日志" in found[1] and "本月第 3 名" not in found[1]
