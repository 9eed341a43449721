"""The worklog app's rows of the permission matrix (merged by tests/test_route_matrix.py).

A log is a report to one's manager: its author, the manager of its grid and the market
department see it; the field people write logs, managers and the market department review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.worklog import services
from wangge.worklog import services_team as team

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Everyone but the agent reads log pages (their own logs, or their grids').
READERS = ALL - {"agent_a"}
#: Who files a log (the market department may, holding every right).
WRITERS = frozenset({"market_admin", "account_a", "sales_b", "tech_a"})
REVIEWERS = frozenset({"market_admin", "manager_a"})
#: account_a's log: its author, grid A's manager, the market department.
LOG_A = frozenset({"market_admin", "manager_a", "account_a"})
#: Grid A's meetings and trainings: its own staff (the agent attended none).
TEAM_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a"})
POST_ONLY = dict.fromkeys(ALL, 405)


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "worklog:today": (None, ok(WRITERS)),
    "worklog:log_list": (None, ok(READERS)),
    "worklog:log_detail": ("worklog_log", ok(LOG_A)),
    "worklog:log_review": ("worklog_log", POST_ONLY),
    "worklog:review": (None, ok(REVIEWERS)),
    "worklog:kpi": (None, ok(REVIEWERS)),
    "worklog:leave_create": (None, POST_ONLY),
    "worklog:meeting_list": (None, ok(READERS)),
    "worklog:meeting_create": (None, ok(REVIEWERS)),
    "worklog:meeting_detail": ("worklog_meeting", ok(TEAM_A)),
    "worklog:meeting_action": ("worklog_meeting", POST_ONLY),
    "worklog:action_done": ("worklog_action", POST_ONLY),
    "worklog:problem_list": (None, ok(READERS)),
    "worklog:problem_update": ("worklog_problem", POST_ONLY),
    "worklog:training_list": (None, ok(READERS)),
    "worklog:training_create": (None, ok(REVIEWERS)),
    "worklog:training_detail": ("worklog_training", ok(TEAM_A)),
    "worklog:rotation": (None, ok(REVIEWERS)),
    "worklog:rotation_cancel": ("worklog_rotation", POST_ONLY),
}

API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/worklog/logs": (None, ok(READERS)),
    "/api/worklog/logs/{log_id}": ("worklog_log", ok(LOG_A)),
    "/api/worklog/meetings": (None, ok(READERS)),
    "/api/worklog/meetings/{meeting_id}": ("worklog_meeting", ok(TEAM_A)),
    "/api/worklog/problems": (None, ok(READERS)),
    "/api/worklog/problems/{problem_id}": ("worklog_problem", ok(TEAM_A)),
    "/api/worklog/trainings": (None, ok(READERS)),
    "/api/worklog/trainings/{training_id}": ("worklog_training", ok(TEAM_A)),
    "/api/worklog/rotations": (None, ok(REVIEWERS)),
    #: tech_a's move to grid B: grid A's manager does not see it (grid B's would).
    "/api/worklog/rotations/{plan_id}": ("worklog_rotation", ok(frozenset({"market_admin"}))),
}

_WRITES = "tests/worklog/test_api.py::test_who_may_write_what"
_TEAM_WRITES = "tests/worklog/test_api_team_write.py::test_who_may_write_what"
WRITES: dict[str, str] = {
    "POST /api/worklog/logs": _WRITES,
    "PATCH /api/worklog/logs/{log_id}": _WRITES,
    "POST /api/worklog/logs/{log_id}/submit": _WRITES,
    "POST /api/worklog/logs/{log_id}/review": _WRITES,
    "POST /api/worklog/meetings": _TEAM_WRITES,
    "PATCH /api/worklog/meetings/{meeting_id}": _TEAM_WRITES,
    "POST /api/worklog/meetings/{meeting_id}/actions": _TEAM_WRITES,
    "POST /api/worklog/problems": _TEAM_WRITES,
    "PATCH /api/worklog/problems/{problem_id}": _TEAM_WRITES,
    "POST /api/worklog/trainings": _TEAM_WRITES,
    "PATCH /api/worklog/trainings/{training_id}": _TEAM_WRITES,
    "POST /api/worklog/rotations": _TEAM_WRITES,
    "PATCH /api/worklog/rotations/{plan_id}": _TEAM_WRITES,
}


def objects(crm: CrmWorld) -> dict[str, Any]:
    account = crm.world.user("account_a")
    log = services.log_create(actor=account, day=clock.today(), findings="走访", plan="明天")
    log = services.log_submit(actor=account, log=log, version=log.version)
    manager = crm.world.user("manager_a")
    grid = crm.world.grid_a
    staff = crm.world.staff
    meeting = team.meeting_create(
        actor=manager,
        grid=grid,
        kind="weekly",
        on=clock.today(),
        title="周例会",
        attendance={staff["account_a"]: True, staff["tech_a"]: False},
    )
    action = team.action_add(
        actor=manager, meeting=meeting, text="回访", owner=staff["account_a"], due=clock.today()
    )
    problem = team.problem_raise(actor=account, grid=grid, title="小区进不去")
    training = team.training_create(
        actor=manager, topic="千兆话术", trainer="王老师", on=clock.today(), grid=grid
    )
    plan = team.rotation_plan(
        actor=SYSTEM,
        staff=staff["tech_a"],
        grid=crm.world.grid_b,
        role="technician",
        effective_on=clock.today() + dt.timedelta(days=30),
    )
    return {
        "worklog_log": log.pk,
        "worklog_meeting": meeting.pk,
        "worklog_action": action.pk,
        "worklog_problem": problem.pk,
        "worklog_training": training.pk,
        "worklog_rotation": plan.pk,
    }
