"""The team's basics written through the API: meetings (and their action items), problems,
trainings and rotations; who may, 409 on a stale version, bad input 400 or 422."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.personas import PERSONAS, World
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.worklog import services_team as team
from wangge.worklog.models import Meeting, Problem, RotationPlan, Training, TrainingAttendance


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method.lower())(
        url, data=json.dumps(body), content_type="application/json"
    )


def _meeting(world: World, day: dt.date) -> Meeting:
    return team.meeting_create(
        actor=world.user("manager_a"), grid=world.grid_a, kind="weekly", on=day, title="周例会"
    )


def _training(world: World, day: dt.date) -> Training:
    return team.training_create(
        actor=world.user("manager_a"), topic="千兆话术", trainer="王老师", on=day,
        grid=world.grid_a,
    )  # fmt: skip


def _plan(world: World, day: dt.date) -> RotationPlan:
    return team.rotation_plan(
        actor=SYSTEM, staff=world.staff["tech_a"], grid=world.grid_b, role="technician",
        effective_on=day + dt.timedelta(days=30),
    )  # fmt: skip


Make = Callable[[World, dt.date], tuple[str, dict[str, Any]]]


def _meeting_create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    body = {"grid": world.grid_a.pk, "kind": "morning", "on": day.isoformat(), "title": "晨会",
            "attendance": [{"staff": world.staff["account_a"].pk, "present": True}]}  # fmt: skip
    return "/api/worklog/meetings", body


def _meeting_patch(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    m = _meeting(world, day)
    return f"/api/worklog/meetings/{m.pk}", {"minutes": "议定三件事", "version": m.version}


def _action_create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    m = _meeting(world, day)
    body = {"text": "回访王家", "owner": world.staff["account_a"].pk, "due": day.isoformat()}
    return f"/api/worklog/meetings/{m.pk}/actions", body


def _problem_create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    return "/api/worklog/problems", {"grid": world.grid_a.pk, "title": "小区进不去"}


def _problem_patch(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    p = team.problem_raise(actor=world.user("account_a"), grid=world.grid_a, title="进不去")
    return f"/api/worklog/problems/{p.pk}", {"resolution": "找物业签协议", "version": p.version}


def _training_create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    body = {"topic": "装维规范", "trainer": "李工", "on": day.isoformat(), "grid": world.grid_a.pk}
    return "/api/worklog/trainings", body


def _training_patch(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    t = _training(world, day)
    body = {"note": "带手册", "attendees": [{"staff": world.staff["account_a"].pk, "score": 80}],
            "version": t.version}  # fmt: skip
    return f"/api/worklog/trainings/{t.pk}", body


def _rotation_create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    body = {"staff": world.staff["tech_a"].pk, "grid": world.grid_b.pk, "role": "technician",
            "effective_on": (day + dt.timedelta(days=7)).isoformat()}  # fmt: skip
    return "/api/worklog/rotations", body


def _rotation_patch(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    plan = _plan(world, day)
    return f"/api/worklog/rotations/{plan.pk}", {"note": "推迟", "version": plan.version}


def ok(who: set[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in PERSONAS}


MANAGERS_A = {"market_admin", "manager_a"}

#: Grid A's manager and the market department hold meetings, give action items, move
#: problems along and train; grid A's team raises problems (sales_b names a grid it does not
#: see: 400, like any unusable reference in a body); only the market department plans
#: rotations. Everyone else gets the 404 of a record that is not there.
CASES: dict[str, tuple[str, Make, dict[str, int]]] = {
    "meeting_create": ("POST", _meeting_create, ok(MANAGERS_A, 201)),
    "meeting_patch": ("PATCH", _meeting_patch, ok(MANAGERS_A)),
    "action_create": ("POST", _action_create, ok(MANAGERS_A, 201)),
    "problem_create": (
        "POST",
        _problem_create,
        {**ok(MANAGERS_A | {"account_a", "tech_a"}, 201), "sales_b": 400},
    ),
    "problem_patch": ("PATCH", _problem_patch, ok(MANAGERS_A)),
    "training_create": ("POST", _training_create, ok(MANAGERS_A, 201)),
    "training_patch": ("PATCH", _training_patch, ok(MANAGERS_A)),
    "rotation_create": ("POST", _rotation_create, ok({"market_admin"}, 201)),
    "rotation_patch": ("PATCH", _rotation_patch, ok({"market_admin"})),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_who_may_write_what(world: World, workday: dt.date, name: str) -> None:
    method, make, expected = CASES[name]
    seen = {}
    clients = {p: world.api(p) for p in PERSONAS}
    for persona in PERSONAS:
        sid = transaction.savepoint()
        try:
            url, body = make(world, workday)
            before = AuditEntry.objects.count()
            response = _send(clients[persona], method, url, body)
            seen[persona] = response.status_code
            if response.status_code >= 400:
                assert response.json()["code"], response.content
                assert AuditEntry.objects.count() == before, f"{persona} wrote on refusal"
        finally:
            transaction.savepoint_rollback(sid)
    assert seen == expected


def test_a_meeting_with_attendance_minutes_and_an_action(world: World, workday: dt.date) -> None:
    s = world.staff
    api = world.api("manager_a")
    made = _send(api, "POST", "/api/worklog/meetings", {
        "grid": world.grid_a.pk, "kind": "weekly", "on": workday.isoformat(), "title": "周例会",
        "chair": s["manager_a"].pk,
        "attendance": [{"staff": s["account_a"].pk}, {"staff": s["tech_a"].pk, "present": False}],
    })  # fmt: skip
    assert made.status_code == 201, made.content
    meeting = made.json()
    assert (meeting["version"], meeting["chair_id"]) == (1, s["manager_a"].pk)
    assert {a["staff_id"]: a["present"] for a in meeting["attendance"]} == {
        s["account_a"].pk: True,
        s["tech_a"].pk: False,
    }
    url = f"/api/worklog/meetings/{meeting['id']}"
    edited = _send(api, "PATCH", url, {"minutes": "议定进场方案", "version": 1})
    assert (edited.json()["minutes"], edited.json()["version"]) == ("议定进场方案", 2)
    # A second screen that read version 1 is refused, and nothing changes.
    admin = world.api("market_admin")
    before = AuditEntry.objects.count()
    stale = _send(admin, "PATCH", url, {"title": "改", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert AuditEntry.objects.count() == before
    assert Meeting.objects.get(pk=meeting["id"]).title == "周例会"
    action = _send(api, "POST", url + "/actions", {
        "text": "回访王家", "owner": s["account_a"].pk, "due": workday.isoformat(),
    })  # fmt: skip
    assert action.status_code == 201
    assert api.get(url).json()["actions"][0]["text"] == "回访王家"
    early = (workday - dt.timedelta(days=1)).isoformat()
    refused = _send(api, "POST", url + "/actions", {
        "text": "回访", "owner": s["account_a"].pk, "due": early,
    })  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["loc"] == ["body", "due"]


def test_a_meeting_names_only_the_grids_people(world: World, workday: dt.date) -> None:
    admin = world.api("market_admin")
    body = {"grid": world.grid_a.pk, "kind": "morning", "on": workday.isoformat(), "title": "晨会"}
    outsider = [{"staff": world.staff["sales_b"].pk}]
    for extra, field in (({"attendance": outsider}, "attendance"),
                         ({"chair": world.staff["manager_b"].pk}, "chair")):  # fmt: skip
        response = _send(admin, "POST", "/api/worklog/meetings", {**body, **extra})
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["loc"] == ["body", field]
    # A manager neither sees nor names another grid's people or grid.
    manager = world.api("manager_a")
    unseen = _send(manager, "POST", "/api/worklog/meetings", {**body, "attendance": outsider})
    assert unseen.status_code == 400
    other = _send(manager, "POST", "/api/worklog/meetings", {**body, "grid": world.grid_b.pk})
    assert (other.status_code, other.json()["errors"][0]["loc"]) == (400, ["body", "grid"])
    assert not Meeting.objects.exists()


def test_a_problem_discussed_and_resolved(world: World, workday: dt.date) -> None:
    body = {"grid": world.grid_a.pk, "title": "物业不让进", "detail": "三个小区"}
    raised = _send(world.api("account_a"), "POST", "/api/worklog/problems", body)
    assert raised.status_code == 201
    problem = raised.json()
    assert (problem["status"], problem["version"]) == ("raised", 1)
    meeting = _meeting(world, workday)
    url = f"/api/worklog/problems/{problem['id']}"
    manager = world.api("manager_a")
    done = _send(manager, "PATCH", url,
                 {"meeting": meeting.pk, "resolution": "签进场协议", "version": 1})  # fmt: skip
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["meeting_id"]) == ("resolved", meeting.pk)
    version = done.json()["version"]
    assert version == 3  # discussed, then resolved
    stale = _send(manager, "PATCH", url, {"resolution": "另一个办法", "version": 1})
    assert stale.status_code == 409
    again = _send(manager, "PATCH", url, {"meeting": meeting.pk, "version": version})
    assert again.status_code == 400  # already resolved
    other_grid = team.meeting_create(
        actor=SYSTEM, grid=world.grid_b, kind="weekly", on=workday, title="乙周会"
    )
    fresh = team.problem_raise(actor=world.user("account_a"), grid=world.grid_a, title="停车难")
    wrong = _send(world.api("market_admin"), "PATCH", f"/api/worklog/problems/{fresh.pk}",
                  {"meeting": other_grid.pk, "version": fresh.version})  # fmt: skip
    assert (wrong.status_code, wrong.json()["errors"][0]["loc"]) == (400, ["body", "meeting"])
    assert Problem.objects.get(pk=fresh.pk).status == "raised"


def test_a_training_and_its_trainees(world: World, workday: dt.date) -> None:
    s = world.staff
    body = {"topic": "千兆话术", "trainer": "王老师", "on": workday.isoformat()}
    county = _send(world.api("manager_a"), "POST", "/api/worklog/trainings", body)
    assert county.status_code == 404  # a county-wide training is the market department's
    made = _send(world.api("market_admin"), "POST", "/api/worklog/trainings", body)
    assert (made.status_code, made.json()["grid_id"]) == (201, None)
    training = _training(world, workday)
    url = f"/api/worklog/trainings/{training.pk}"
    manager = world.api("manager_a")
    scored = _send(manager, "PATCH", url, {
        "attendees": [{"staff": s["account_a"].pk, "score": 90}, {"staff": s["tech_a"].pk}],
        "version": 1,
    })  # fmt: skip
    assert scored.status_code == 200, scored.content
    assert {a["staff_id"]: a["score"] for a in scored.json()["attendees"]} == {
        s["account_a"].pk: 90,
        s["tech_a"].pk: None,
    }
    assert scored.json()["version"] == 2  # new trainees are a change to what readers saw
    stale = _send(manager, "PATCH", url, {"topic": "改", "version": 1})
    assert stale.status_code == 409
    outsider = _send(world.api("market_admin"), "PATCH", url, {
        "attendees": [{"staff": s["sales_b"].pk, "score": 70}], "version": 2,
    })  # fmt: skip
    assert (outsider.status_code, outsider.json()["errors"][0]["loc"]) == (
        400,
        ["body", "attendees"],
    )
    assert TrainingAttendance.objects.filter(training=training).count() == 2
    assert Training.objects.get(pk=training.pk).version == 2


def test_a_rotation_planned_moved_and_cancelled(world: World, workday: dt.date) -> None:
    admin = world.api("market_admin")
    body = {"staff": world.staff["tech_a"].pk, "grid": world.grid_b.pk, "role": "technician",
            "effective_on": (workday - dt.timedelta(days=1)).isoformat()}  # fmt: skip
    past = _send(admin, "POST", "/api/worklog/rotations", body)
    assert (past.status_code, past.json()["errors"][0]["loc"]) == (400, ["body", "effective_on"])
    later = (workday + dt.timedelta(days=10)).isoformat()
    made = _send(admin, "POST", "/api/worklog/rotations", {**body, "effective_on": later})
    assert made.status_code == 201
    url = f"/api/worklog/rotations/{made.json()['id']}"
    moved = _send(admin, "PATCH", url, {"effective_on": workday.isoformat(), "version": 1})
    assert (moved.json()["effective_on"], moved.json()["version"]) == (workday.isoformat(), 2)
    stale = _send(admin, "PATCH", url, {"status": "cancelled", "version": 1})
    assert stale.status_code == 409
    cancelled = _send(admin, "PATCH", url, {"status": "cancelled", "version": 2})
    assert cancelled.json()["status"] == "cancelled"
    again = _send(admin, "PATCH", url, {"note": "x", "version": cancelled.json()["version"]})
    assert again.status_code == 400
    assert RotationPlan.objects.get().status == "cancelled"


_MEETING = {"grid": 1, "kind": "weekly", "on": "2026-01-01", "title": "x"}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/worklog/meetings", {**_MEETING, "kind": "daily"}),
        ("/api/worklog/meetings", {**_MEETING, "title": " "}),
        ("/api/worklog/meetings", {**_MEETING, "grid": "1"}),
        ("/api/worklog/meetings", {**_MEETING, "attendance": [{"staff": 0}]}),
        ("/api/worklog/problems", {"grid": 0, "title": "x"}),
        ("/api/worklog/trainings", {"topic": "x", "trainer": "y", "on": "someday"}),
        (
            "/api/worklog/rotations",
            {"staff": 1, "grid": 1, "role": "boss", "effective_on": "2026-01-01"},
        ),
        ("/api/worklog/meetings", [None]),
    ],
)
def test_malformed_bodies_answer_422(world: World, url: str, body: Any) -> None:
    response = _send(world.api("market_admin"), "POST", url, body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"


def test_malformed_edits_answer_422(world: World, workday: dt.date) -> None:
    admin = world.api("market_admin")
    training = _training(world, workday)
    url = f"/api/worklog/trainings/{training.pk}"
    for body in ({"note": "x"}, {"version": 1, "attendees": [{"staff": 1, "score": 101}]},
                 {"version": 1, "topic": None}):  # fmt: skip
        response = _send(admin, "PATCH", url, body)
        assert response.status_code == 422, body
    plan = _plan(world, workday)
    bad = _send(admin, "PATCH", f"/api/worklog/rotations/{plan.pk}",
                {"status": "applied", "version": 1})  # fmt: skip
    assert bad.status_code == 422
