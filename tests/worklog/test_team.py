"""Meetings with attendance and action items (in the owner's today view), the problem
board, training records, and rotations that take effect on their day through org."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import World
from tests.worklog.conftest import at
from wangge.core import clock, extensions
from wangge.core.access import SYSTEM
from wangge.org.models import GridMembership
from wangge.worklog import selectors_team
from wangge.worklog import services_team as team
from wangge.worklog.models import Meeting, Problem, RotationPlan


def _meeting(world: World, **extra: Any) -> Meeting:
    s = world.staff
    return team.meeting_create(
        actor=world.user("manager_a"),
        grid=world.grid_a,
        kind=Meeting.Kind.WEEKLY,
        on=clock.today(),
        title="周例会",
        attendance={s["account_a"]: True, s["tech_a"]: False, s["manager_a"]: True},
        **extra,
    )


def _today_labels(user: Any, day: dt.date) -> dict[str, Any]:
    sections = {s.key: items for s, items in extensions.today_for(user, day)}
    return {str(i.label): i for i in sections.get("worklog", [])}


def test_a_meeting_records_who_was_there(world: World, workday: dt.date) -> None:
    meeting = _meeting(world)
    present = {a.staff.name: a.present for a in meeting.attendances.all()}
    assert present == {"客户经理甲": True, "装维甲": False, "经理甲": True}
    with pytest.raises(ValidationError) as err:
        team.meeting_create(
            actor=world.user("manager_a"),
            grid=world.grid_a,
            kind="morning",
            on=workday,
            title="晨会",
            attendance={world.staff["sales_b"]: True},
        )
    assert "销售乙" in str(err.value)
    with pytest.raises(PermissionDenied):
        team.meeting_create(
            actor=world.user("manager_b"), grid=world.grid_a, kind="morning", on=workday, title="x"
        )


def test_action_items_reach_the_owners_today_view(
    world: World, workday: dt.date, time_machine: Any
) -> None:
    meeting = _meeting(world)
    owner = world.staff["account_a"]
    item = team.action_add(
        actor=world.user("manager_a"), meeting=meeting, text="回访王家", owner=owner, due=workday
    )
    with pytest.raises(ValidationError):
        team.action_add(
            actor=world.user("manager_a"),
            meeting=meeting,
            text="x",
            owner=world.staff["sales_b"],
            due=workday - dt.timedelta(days=30),
        )
    account = world.user("account_a")
    assert _today_labels(account, workday)["今天到期的会议待办"].count == 1
    later = workday + dt.timedelta(days=2)
    time_machine.move_to(at(later, 9), tick=False)
    assert _today_labels(account, later)["会议待办已过期"].state == "overdue"
    with pytest.raises(PermissionDenied):
        team.action_done(actor=world.user("tech_a"), item=item)
    team.action_done(actor=account, item=item)
    assert "会议待办已过期" not in _today_labels(account, later)


def test_a_problem_is_raised_discussed_and_resolved(world: World, workday: dt.date) -> None:
    problem = team.problem_raise(actor=world.user("tech_a"), grid=world.grid_a, title="物业不让进")
    with pytest.raises(PermissionDenied):
        team.problem_raise(actor=world.user("sales_b"), grid=world.grid_a, title="x")
    meeting = _meeting(world)
    problem = team.problem_discuss(actor=world.user("manager_a"), problem=problem, meeting=meeting)
    assert (problem.status, problem.meeting) == (Problem.Status.DISCUSSED, meeting)
    with pytest.raises(ValidationError):
        team.problem_resolve(actor=world.user("manager_a"), problem=problem, resolution=" ")
    problem = team.problem_resolve(
        actor=world.user("manager_a"), problem=problem, resolution="与物业签合作协议"
    )
    assert problem.status == Problem.Status.RESOLVED
    seen = {p.title for p in selectors_team.problem_list(user=world.user("sales_b"))}
    assert seen == set()


def test_training_and_a_persons_record(world: World, workday: dt.date) -> None:
    manager = world.user("manager_a")
    training = team.training_create(
        actor=manager, topic="千兆话术", trainer="王老师", on=workday, grid=world.grid_a
    )
    team.training_record(actor=manager, training=training, staff=world.staff["account_a"], score=88)
    team.training_record(actor=manager, training=training, staff=world.staff["account_a"], score=92)
    with pytest.raises(ValidationError):
        team.training_record(actor=manager, training=training, staff=world.staff["sales_b"])
    with pytest.raises(PermissionDenied):
        team.training_create(actor=manager, topic="全县", trainer="x", on=workday, grid=None)
    record = selectors_team.training_record(
        user=world.user("account_a"), staff_id=world.staff["account_a"].pk
    )
    assert [(r.training.topic, r.score) for r in record] == [("千兆话术", 92)]
    page = world.client("account_a").get("/worklog/trainings/").content.decode()
    assert "千兆话术" in page and "92" in page


def test_a_planned_rotation_takes_effect_on_its_day_and_shows_in_history(
    world: World, workday: dt.date, time_machine: Any
) -> None:
    tech = world.staff["tech_a"]
    with pytest.raises(PermissionDenied):
        team.rotation_plan(
            actor=world.user("manager_a"),
            staff=tech,
            grid=world.grid_b,
            role="technician",
            effective_on=workday,
        )
    with pytest.raises(ValidationError):
        team.rotation_plan(
            actor=SYSTEM,
            staff=tech,
            grid=world.grid_b,
            role="technician",
            effective_on=workday - dt.timedelta(days=1),
        )
    on = workday + dt.timedelta(days=3)
    plan = team.rotation_plan(
        actor=world.user("market_admin"),
        staff=tech,
        grid=world.grid_b,
        role="technician",
        effective_on=on,
    )
    assert team.rotations_apply() == []
    time_machine.move_to(at(on, 0, 10), tick=False)
    assert team.rotations_apply() == [plan.pk]
    plan.refresh_from_db()
    assert plan.status == RotationPlan.Status.APPLIED
    rows = list(GridMembership.objects.filter(staff=tech).values_list("grid__code", "is_primary"))
    assert rows == [("B", True)]
    history = [
        (s.grid, s.end is None)
        for s in selectors_team.rotation_history(user=world.user("market_admin"))
        if s.staff == "装维甲"
    ]
    assert ("A", False) in history and ("B", True) in history
    assert team.rotations_apply() == []  # applied once


def test_a_rotation_org_refuses_is_marked_failed_and_others_apply(
    world: World, workday: dt.date, monkeypatch: Any
) -> None:
    from wangge.org import services as org

    real = org.membership_set

    def refuse_tech(**kwargs: Any) -> Any:
        if kwargs["staff"] == world.staff["tech_a"]:
            raise ValidationError("员工已离职")
        return real(**kwargs)

    monkeypatch.setattr(org, "membership_set", refuse_tech)
    plans = {
        key: team.rotation_plan(
            actor=SYSTEM, staff=world.staff[key], grid=grid, role=role, effective_on=workday
        )
        for key, grid, role in (
            ("tech_a", world.grid_b, "technician"),
            ("sales_b", world.grid_a, "sales_marketer"),
        )
    }
    assert team.rotations_apply() == [plans["sales_b"].pk]
    bad = RotationPlan.objects.get(pk=plans["tech_a"].pk)
    assert (bad.status, bad.error) == (RotationPlan.Status.FAILED, "员工已离职")
    assert GridMembership.objects.get(staff=world.staff["tech_a"]).grid == world.grid_a


def test_the_meeting_pages(world: World, workday: dt.date) -> None:
    c = world.client("manager_a")
    s = world.staff
    response = c.post(
        "/worklog/meetings/new/",
        {
            "grid": world.grid_a.pk,
            "kind": "weekly",
            "on": workday.isoformat(),
            "title": "第一周例会",
            "minutes": "讨论千兆推广",
            "present": [s["account_a"].pk],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.attendances.filter(present=False).count() >= 1
    c.post(
        f"/worklog/meetings/{meeting.pk}/actions/",
        {"text": "回访", "owner": s["account_a"].pk, "due": workday.isoformat()},
    )
    assert meeting.actions.count() == 1
    page = world.client("account_a").get("/worklog/meetings/").content.decode()
    assert 'data-testid="my-actions"' in page
    item = meeting.actions.get()
    world.client("account_a").post(f"/worklog/actions/{item.pk}/done/", {"next": "list"})
    item.refresh_from_db()
    assert item.done_at is not None
