"""The daily log's rules: one per day, never ahead of time, late after the cut-off, locked
once submitted, reviewed only by the author's manager, with the history kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import World
from tests.worklog.conftest import at
from wangge.core import clock, workdays
from wangge.core.access import SYSTEM
from wangge.core.models import Notification
from wangge.core.services import StaleVersion
from wangge.worklog import services
from wangge.worklog.models import LogReview, WorkLog


def write(user: Any, day: dt.date, **text: str) -> WorkLog:
    fields = {"findings": "走访了三户", "plan": "明天去小区", **text}
    return services.log_create(actor=user, day=day, **fields)


def submitted(user: Any, day: dt.date) -> WorkLog:
    log = write(user, day)
    return services.log_submit(actor=user, log=log, version=log.version)


def test_a_log_takes_the_authors_primary_grid(world: World, workday: dt.date) -> None:
    log = write(world.user("account_a"), workday)
    assert (log.author_id, log.grid_id, log.status) == (
        world.staff["account_a"].pk,
        world.grid_a.pk,
        WorkLog.Status.DRAFT,
    )


def test_no_log_for_a_future_day(world: World, workday: dt.date) -> None:
    with pytest.raises(ValidationError) as err:
        write(world.user("account_a"), workday + dt.timedelta(days=1))
    assert "未来" in str(err.value.message_dict["day"])
    assert not WorkLog.objects.exists()


def test_a_second_log_for_the_same_day_is_refused(world: World, workday: dt.date) -> None:
    write(world.user("account_a"), workday)
    with pytest.raises(ValidationError) as err:
        write(world.user("account_a"), workday, findings="又一篇")
    assert "编辑原日志" in str(err.value.message_dict["day"])
    assert WorkLog.objects.count() == 1


def test_who_may_write_a_log(world: World, workday: dt.date) -> None:
    for persona in ("account_a", "sales_b", "tech_a"):
        write(world.user(persona), workday)
    for actor in (world.user("agent_a"), world.user("manager_a"), SYSTEM, None):
        with pytest.raises(PermissionDenied):
            write(actor, workday)


def test_only_the_author_edits_and_a_stale_version_is_refused(
    world: World, workday: dt.date
) -> None:
    log = write(world.user("account_a"), workday)
    with pytest.raises(PermissionDenied):
        services.log_update(actor=world.user("tech_a"), log=log, data={"plan": "x"})
    log = services.log_update(
        actor=world.user("account_a"), log=log, data={"plan": "改了"}, version=1
    )
    assert (log.plan, log.version) == ("改了", 2)
    with pytest.raises(StaleVersion):
        services.log_update(actor=world.user("account_a"), log=log, data={"plan": "y"}, version=1)
    assert WorkLog.objects.get().plan == "改了"


def test_submit_needs_a_plan_and_something_done(world: World, workday: dt.date) -> None:
    user = world.user("account_a")
    log = write(user, workday, findings="", plan="")
    with pytest.raises(ValidationError) as err:
        services.log_submit(actor=user, log=log, version=log.version)
    assert set(err.value.message_dict) == {"plan", "findings"}
    assert WorkLog.objects.get().status == WorkLog.Status.DRAFT


def test_submitted_in_time_is_not_late_and_notifies_the_manager(
    world: World, workday: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        log = submitted(world.user("account_a"), workday)
    assert (log.status, log.late, log.version) == (WorkLog.Status.SUBMITTED, False, 2)
    assert log.submitted_at == clock.now()
    note = Notification.objects.get(kind="worklog.submitted")
    assert note.recipient == world.user("manager_a")
    with pytest.raises(ValidationError):
        services.log_update(actor=world.user("account_a"), log=log, data={"plan": "x"})


def test_after_the_cut_off_a_log_is_late(
    world: World, workday: dt.date, time_machine: Any, settings: Any
) -> None:
    settings.WANGGE_WORKLOG_CUTOFF = "1 09:00"
    user = world.user("account_a")
    log = write(user, workday)
    next_day = workdays.add_workdays(workday, 1)
    time_machine.move_to(at(next_day, 8, 59), tick=False)
    assert services.log_submit(actor=user, log=log, version=1).late is False
    other = write(world.user("tech_a"), workday)
    time_machine.move_to(at(next_day, 9, 1), tick=False)
    assert services.log_submit(actor=world.user("tech_a"), log=other, version=1).late is True


def test_a_bad_cut_off_setting_fails_loudly(settings: Any) -> None:
    settings.WANGGE_WORKLOG_CUTOFF = "tomorrow"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        services.cutoff()


def test_approve_needs_a_score_and_return_a_comment(world: World, workday: dt.date) -> None:
    log = submitted(world.user("account_a"), workday)
    manager = world.user("manager_a")
    with pytest.raises(ValidationError) as err:
        services.log_review(actor=manager, log=log, decision="approve")
    assert "score" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.log_review(actor=manager, log=log, decision="return", comment="  ")
    assert "comment" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.log_review(actor=manager, log=log, decision="approve", score=6)
    assert not LogReview.objects.exists()
    log = services.log_review(actor=manager, log=log, decision="approve", score=4, version=2)
    assert (log.status, log.score, log.reviewer) == (
        WorkLog.Status.APPROVED,
        4,
        world.staff["manager_a"],
    )


def test_a_review_by_someone_who_does_not_manage_the_author_is_refused(
    world: World, workday: dt.date
) -> None:
    log = submitted(world.user("account_a"), workday)
    for persona in ("manager_b", "tech_a", "account_a", "sales_b", "agent_a"):
        with pytest.raises(PermissionDenied):
            services.log_review(actor=world.user(persona), log=log, decision="approve", score=5)
    assert WorkLog.objects.get().status == WorkLog.Status.SUBMITTED


def test_return_revise_resubmit_approve_keeps_the_history(
    world: World, workday: dt.date, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    author, manager = world.user("account_a"), world.user("manager_a")
    log = submitted(author, workday)
    first_submit = log.submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        log = services.log_review(
            actor=manager, log=log, decision="return", comment="写清楚客户名", version=log.version
        )
    assert (log.status, log.return_comment) == (WorkLog.Status.RETURNED, "写清楚客户名")
    returned = Notification.objects.get(kind="worklog.returned")
    assert (returned.recipient, returned.body) == (author, "写清楚客户名")
    with pytest.raises(ValidationError):
        services.log_review(actor=manager, log=log, decision="approve", score=3)

    time_machine.move_to(clock.now() + dt.timedelta(days=3), tick=False)
    log = services.log_update(
        actor=author, log=log, data={"findings": "走访了王家、李家"}, version=log.version
    )
    log = services.log_submit(actor=author, log=log, version=log.version)
    assert log.submitted_at == first_submit  # lateness is judged on the first submission
    assert log.late is False
    log = services.log_review(actor=manager, log=log, decision="approve", score=5)
    assert [(r.decision, r.comment) for r in log.reviews.all()] == [
        ("return", "写清楚客户名"),
        ("approve", ""),
    ]
    assert log.score == 5


def test_the_market_department_may_review_any_log(world: World, workday: dt.date) -> None:
    log = submitted(world.user("sales_b"), workday)
    log = services.log_review(
        actor=world.user("market_admin"), log=log, decision="approve", score=3
    )
    assert log.status == WorkLog.Status.APPROVED


def test_scoping_own_logs_and_the_managers_grids(world: World, workday: dt.date) -> None:
    for persona in ("account_a", "tech_a", "sales_b"):
        submitted(world.user(persona), workday)

    def seen(persona: str) -> set[str]:
        logs = WorkLog.objects.visible_to(world.user(persona)).select_related("author__user")
        return {log.author.user.username for log in logs}

    assert seen("account_a") == {"account_a"}
    assert seen("tech_a") == {"tech_a"}
    assert seen("manager_a") == {"account_a", "tech_a"}
    assert seen("manager_b") == {"sales_b"}
    assert seen("market_admin") == {"account_a", "tech_a", "sales_b"}
    assert seen("agent_a") == set()
