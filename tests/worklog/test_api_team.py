"""The team's basics through the API: meetings, problems, trainings, rotations (read)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.personas import World
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.worklog import services_team as team
from wangge.worklog.models import Meeting


def test_the_team_reads(world: World, workday: dt.date) -> None:
    s = world.staff
    manager = world.user("manager_a")
    meeting = team.meeting_create(
        actor=manager,
        grid=world.grid_a,
        kind=Meeting.Kind.WEEKLY,
        on=clock.today(),
        title="周例会",
        minutes="讨论小区进场",
        attendance={s["account_a"]: True, s["tech_a"]: False},
    )
    team.action_add(actor=manager, meeting=meeting, text="回访", owner=s["account_a"], due=workday)
    problem = team.problem_raise(actor=world.user("account_a"), grid=world.grid_a, title="进不去")
    team.problem_discuss(actor=manager, problem=problem, meeting=meeting)
    training = team.training_create(
        actor=manager, topic="千兆话术", trainer="王老师", on=workday, grid=world.grid_a
    )
    team.training_record(actor=manager, training=training, staff=s["account_a"], score=90)
    plan = team.rotation_plan(
        actor=SYSTEM, staff=s["tech_a"], grid=world.grid_b, role="technician",
        effective_on=workday + dt.timedelta(days=30),
    )  # fmt: skip
    api = world.api("account_a")
    page = api.get(f"/api/worklog/meetings?grid={world.grid_a.pk}").json()
    assert [m["id"] for m in page["items"]] == [meeting.pk]
    detail = api.get(f"/api/worklog/meetings/{meeting.pk}").json()
    assert detail["minutes"] == "讨论小区进场"
    assert {a["name"]: a["present"] for a in detail["attendance"]} == {
        s["account_a"].name: True,
        s["tech_a"].name: False,
    }
    assert [a["text"] for a in detail["actions"]] == ["回访"]
    assert detail["problem_ids"] == [problem.pk]
    discussed = api.get("/api/worklog/problems?status=discussed").json()["items"]
    assert [(p["id"], p["meeting_id"]) for p in discussed] == [(problem.pk, meeting.pk)]
    assert api.get("/api/worklog/problems?status=resolved").json()["items"] == []
    trained = api.get(f"/api/worklog/trainings/{training.pk}").json()
    assert trained["attendees"] == [{"staff_id": s["account_a"].pk, "name": s["account_a"].name,
                                     "score": 90}]  # fmt: skip
    # Another grid's team sees none of it; rotations are for those who see the KPIs.
    other = world.api("sales_b")
    assert other.get("/api/worklog/meetings").json()["count"] == 0
    assert other.get(f"/api/worklog/meetings/{meeting.pk}").status_code == 404
    assert other.get(f"/api/worklog/problems/{problem.pk}").status_code == 404
    assert api.get("/api/worklog/rotations").status_code == 404
    admin = world.api("market_admin")
    assert admin.get(f"/api/worklog/rotations/{plan.pk}").json()["status"] == "planned"


@pytest.mark.parametrize(
    "url",
    [
        "/api/worklog/problems?status=lost",
        "/api/worklog/meetings?grid=0",
        "/api/worklog/meetings?limit=100000",
        "/api/worklog/meetings/abc",
        "/api/worklog/trainings?offset=-1",
    ],
)
def test_malformed_queries_answer_422(world: World, url: str) -> None:
    response = world.api("manager_a").get(url)
    assert response.status_code == 422
    assert response.json()["code"]
