"""The log pages: write and submit on one page, review many logs on one page with htmx,
the KPIs; and the today view's log items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.personas import World
from tests.worklog.conftest import at
from wangge.core import extensions, workdays
from wangge.worklog import services
from wangge.worklog.models import Leave, WorkLog


def _submitted(world: World, persona: str, day: dt.date, **text: str) -> WorkLog:
    user = world.user(persona)
    log = services.log_create(actor=user, day=day, findings="走访", plan="明天", **text)
    return services.log_submit(actor=user, log=log, version=log.version)


def test_write_save_then_submit_on_one_page(world: World, workday: dt.date) -> None:
    c = world.client("account_a")
    page = c.get("/worklog/")
    assert page.status_code == 200
    assert "今天的工作日志" in page.content.decode()
    saved = c.post("/worklog/", {"findings": "两户有意向", "plan": "", "action": "save"})
    assert saved.status_code == 302
    log = WorkLog.objects.get()
    assert (log.status, log.findings) == ("draft", "两户有意向")
    refused = c.post(
        "/worklog/", {"findings": "两户有意向", "plan": "", "version": 1, "action": "submit"}
    )
    assert refused.status_code == 400
    assert "请填写明日计划" in refused.content.decode()
    log.refresh_from_db()
    assert log.status == "draft"
    done = c.post(
        "/worklog/", {"findings": "两户有意向", "plan": "回访", "version": 1, "action": "submit"}
    )
    assert done.status_code == 302
    log.refresh_from_db()
    assert (log.status, log.plan) == ("submitted", "回访")
    assert "待审阅" in c.get("/worklog/").content.decode()


def test_a_new_log_submitted_at_once_writes_nothing_when_refused(
    world: World, workday: dt.date
) -> None:
    c = world.client("account_a")
    response = c.post("/worklog/", {"findings": "", "plan": "", "action": "submit"})
    assert response.status_code == 400
    assert not WorkLog.objects.exists()


def test_a_future_day_is_refused_on_the_page(world: World, workday: dt.date) -> None:
    c = world.client("account_a")
    tomorrow = (workday + dt.timedelta(days=1)).isoformat()
    assert "不能填写未来日期的日志" in c.get(f"/worklog/?day={tomorrow}").content.decode()
    response = c.post(f"/worklog/?day={tomorrow}", {"plan": "x", "action": "save"})
    assert response.status_code == 400
    assert not WorkLog.objects.exists()


def test_a_stale_form_is_refused(world: World, workday: dt.date) -> None:
    c = world.client("account_a")
    c.post("/worklog/", {"findings": "a", "plan": "b", "action": "save"})
    c.post("/worklog/", {"findings": "a2", "plan": "b", "version": 1, "action": "save"})
    response = c.post("/worklog/", {"findings": "a3", "plan": "b", "version": 1, "action": "save"})
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    assert WorkLog.objects.get().findings == "a2"


def test_review_inline_with_htmx(world: World, workday: dt.date) -> None:
    log = _submitted(world, "account_a", workday)
    other = _submitted(world, "tech_a", workday)
    c = world.client("manager_a")
    page = c.get("/worklog/review/").content.decode()
    assert page.count('data-testid="log-card"') == 2
    url = f"/worklog/logs/{log.pk}/review/"
    bad = c.post(
        url, {"decision": "return", "comment": "", "version": log.version}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200
    assert "退回时请写明意见" in bad.content.decode()
    good = c.post(
        url, {"decision": "approve", "score": "4", "version": log.version}, HTTP_HX_REQUEST="true"
    )
    body = good.content.decode()
    assert 'data-testid="reviewed"' in body and "<html" not in body
    log.refresh_from_db()
    assert (log.status, log.score) == ("approved", 4)
    plain = c.post(
        f"/worklog/logs/{other.pk}/review/",
        {"decision": "return", "comment": "补充", "version": other.version},
    )
    assert plain.status_code == 302
    assert 'data-testid="queue-empty"' in c.get("/worklog/review/").content.decode()


def test_a_manager_of_another_grid_cannot_review(world: World, workday: dt.date) -> None:
    log = _submitted(world, "account_a", workday)
    c = world.client("manager_b")
    response = c.post(
        f"/worklog/logs/{log.pk}/review/", {"decision": "approve", "score": "5", "version": 2}
    )
    assert response.status_code == 404
    log.refresh_from_db()
    assert log.status == "submitted"


def test_the_review_page_costs_the_same_for_twenty_logs(world: World, workday: dt.date) -> None:
    day = workday
    for _ in range(3):
        _submitted(world, "account_a", day)
        day = workdays.previous_workday(day)
    c = world.client("manager_a")
    with CaptureQueriesContext(connection) as few:
        c.get("/worklog/review/")
    for _ in range(17):
        _submitted(world, "account_a", day)
        day = workdays.previous_workday(day)
    with CaptureQueriesContext(connection) as many:
        page = c.get("/worklog/review/").content.decode()
    assert page.count('data-testid="log-card"') == 20
    assert len(many) == len(few)


def test_missing_logs_and_the_queue_in_the_managers_today_view(
    world: World, workday: dt.date, time_machine: Any
) -> None:
    previous = workdays.previous_workday(workday)
    _submitted(world, "account_a", previous)
    manager = world.user("manager_a")

    def items(user: Any) -> dict[str, Any]:
        sections = dict((s.key, i) for s, i in extensions.today_for(user, workday))
        return {str(i.label): i for i in sections.get("worklog", [])}

    seen = items(manager)
    assert seen["待审阅的日志"].count == 1
    assert seen["上一个工作日未交日志的人"].count == 1  # tech_a
    Leave.objects.create(staff=world.staff["tech_a"], start=previous, end=previous)
    assert "上一个工作日未交日志的人" not in items(manager)
    tech = items(world.user("tech_a"))
    assert "写今天的工作日志" in tech
    assert "上一个工作日的日志未交" not in tech  # on leave that day
    account = items(world.user("account_a"))
    assert "上一个工作日的日志未交" not in account
    assert items(world.user("agent_a")) == {}


def test_kpis_per_person_and_grid(world: World, workday: dt.date, time_machine: Any) -> None:
    days = workdays.workdays_between(workday - dt.timedelta(days=20), workday)[-4:]
    for day in days[:3]:
        _submitted(world, "account_a", day)
    # Handed in today, the earlier days' logs are all late; say which were in time.
    assert WorkLog.objects.filter(late=True).count() == 3
    WorkLog.objects.exclude(day=days[0]).update(late=False)
    manager = world.user("manager_a")
    log = WorkLog.objects.get(day=days[1])
    services.log_review(actor=manager, log=log, decision="approve", score=4)
    time_machine.move_to(at(workday, 20), tick=False)
    from wangge.worklog import selectors

    data = selectors.kpis(user=manager, start=days[0], end=days[3])
    people = {r.label: r for r in data.people}
    account, tech = people["客户经理甲"], people["装维甲"]
    assert (account.expected, account.submitted, account.on_time) == (4, 3, 2)
    assert account.submission_rate == 75.0
    assert (tech.expected, tech.submitted) == (4, 0)
    assert account.reviewed == 1
    assert account.average_score == 4
    assert [(g.label, g.expected, g.submitted) for g in data.grids] == [("网格甲", 8, 3)]
    page = world.client("manager_a").get(
        f"/worklog/kpi/?from={days[0].isoformat()}&to={days[3].isoformat()}"
    )
    assert "75.0%" in page.content.decode()
    assert "销售乙" not in page.content.decode()  # grid B's person


def test_leave_is_recorded_by_the_persons_manager(world: World, workday: dt.date) -> None:
    import pytest
    from django.core.exceptions import PermissionDenied

    account = world.staff["account_a"]
    with pytest.raises(PermissionDenied):
        services.leave_record(
            actor=world.user("manager_b"), staff=account, start=workday, end=workday
        )
    with pytest.raises(PermissionDenied):
        services.leave_record(actor=world.user("tech_a"), staff=account, start=workday, end=workday)
    c = world.client("manager_a")
    bad = c.post(
        "/worklog/leave/",
        {"staff": account.pk, "start": workday.isoformat(), "end": "2000-01-01"},
    )
    assert bad.status_code == 302 and not Leave.objects.exists()
    c.post(
        "/worklog/leave/",
        {
            "staff": account.pk,
            "start": workday.isoformat(),
            "end": workday.isoformat(),
            "note": "病假",
        },
    )
    leave = Leave.objects.get()
    assert (leave.staff, leave.note) == (account, "病假")
    assert "病假" in c.get("/worklog/kpi/").content.decode()
    other = world.client("manager_b").post(
        "/worklog/leave/",
        {"staff": account.pk, "start": workday.isoformat(), "end": workday.isoformat()},
    )
    assert other.status_code == 302 and Leave.objects.count() == 1
