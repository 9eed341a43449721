"""The team's basics, read: meetings (with attendance and action items), the problem board,
training sessions (with their trainees' scores) and planned rotations.

Scoped like the pages: a grid's meetings, problems and trainings are its team's (county-wide
trainings everyone's); planned rotations are read by those who see the KPIs (managers, the
market department), each their own grids' and their own.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Path, Query

from wangge.core.api import ApiRouter, Id, PageParams, paginate, with_errors
from wangge.core.permissions import require
from wangge.worklog import selectors_team as selectors
from wangge.worklog.api.schemas import (
    MeetingDetailOut,
    MeetingFilter,
    MeetingPage,
    ProblemFilter,
    ProblemOut,
    ProblemPage,
    RotationOut,
    RotationPage,
    TrainingDetailOut,
    TrainingPage,
)
from wangge.worklog.models import Meeting, Problem, RotationPlan, Training
from wangge.worklog.permissions import Action

router = ApiRouter()


def meeting_out(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "kind": m.kind, "grid_id": m.grid_id, "on": m.on, "title": m.title,
            "chair_id": m.chair_id}  # fmt: skip


def problem_out(p: Problem) -> dict[str, Any]:
    return {
        "id": p.pk,
        "grid_id": p.grid_id,
        "title": p.title,
        "detail": p.detail,
        "status": p.status,
        "raised_by_id": p.raised_by_id,
        "raised_at": p.raised_at,
        "meeting_id": p.meeting_id,
        "resolution": p.resolution,
        "resolved_at": p.resolved_at,
    }


def training_out(t: Training) -> dict[str, Any]:
    return {"id": t.pk, "topic": t.topic, "trainer": t.trainer, "on": t.on,
            "grid_id": t.grid_id}  # fmt: skip


def rotation_out(r: RotationPlan) -> dict[str, Any]:
    return {"id": r.pk, "staff_id": r.staff_id, "grid_id": r.grid_id, "role": r.role,
            "effective_on": r.effective_on, "status": r.status}  # fmt: skip


@router.get("/worklog/meetings", response=with_errors({200: MeetingPage}))
def meeting_list(request: HttpRequest, filters: Query[MeetingFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.meeting_list(user=request.user, grid_id=filters.grid)
    return paginate(qs, filters, meeting_out)


@router.get("/worklog/meetings/{meeting_id}", response=with_errors({200: MeetingDetailOut}))
def meeting_detail(request: HttpRequest, meeting_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    try:
        m = selectors.meeting_detail(user=request.user, pk=meeting_id)
    except Meeting.DoesNotExist:
        raise Http404 from None
    return {
        **meeting_out(m),
        "minutes": m.minutes,
        "attendance": [
            {"staff_id": a.staff_id, "name": a.staff.name, "present": a.present}
            for a in m.attendances.all()
        ],
        "actions": [
            {"id": i.pk, "text": i.text, "owner_id": i.owner_id, "due": i.due, "done_at": i.done_at}
            for i in m.actions.all()
        ],
        "problem_ids": sorted(p.pk for p in m.problems.all()),
    }


@router.get("/worklog/problems", response=with_errors({200: ProblemPage}))
def problem_list(request: HttpRequest, filters: Query[ProblemFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    return paginate(
        selectors.problem_list(user=request.user, status=filters.status), filters, problem_out
    )


@router.get("/worklog/problems/{problem_id}", response=with_errors({200: ProblemOut}))
def problem_detail(request: HttpRequest, problem_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    problem = selectors.problem_list(user=request.user).filter(pk=problem_id).first()
    if problem is None:
        raise Http404
    return problem_out(problem)


@router.get("/worklog/trainings", response=with_errors({200: TrainingPage}))
def training_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    return paginate(selectors.training_list(user=request.user), filters, training_out)


@router.get("/worklog/trainings/{training_id}", response=with_errors({200: TrainingDetailOut}))
def training_detail(request: HttpRequest, training_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    training = (
        selectors.training_list(user=request.user)
        .prefetch_related("attendances__staff")
        .filter(pk=training_id)
        .first()
    )
    if training is None:
        raise Http404
    return {
        **training_out(training),
        "note": training.note,
        "attendees": [
            {"staff_id": a.staff_id, "name": a.staff.name, "score": a.score}
            for a in training.attendances.all()
        ],
    }


@router.get("/worklog/rotations", response=with_errors({200: RotationPage}))
def rotation_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    require(request.user, Action.KPI)
    return paginate(selectors.rotation_plans(user=request.user), filters, rotation_out)


@router.get("/worklog/rotations/{plan_id}", response=with_errors({200: RotationOut}))
def rotation_detail(request: HttpRequest, plan_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.KPI)
    plan = selectors.rotation_plans(user=request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return rotation_out(plan)
