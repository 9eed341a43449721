"""The team's basics: meetings (with attendance and action items), the problem board,
training sessions (with their trainees' scores) and planned rotations; read and written.

Scoped like the pages: a grid's meetings, problems and trainings are its team's (county-wide
trainings everyone's); planned rotations are read by those who see the KPIs (managers, the
market department), each their own grids' and their own. Writes go through the pages'
services with their rights: a manager holds meetings, gives action items, moves problems
along and trains for the grids they manage, the grid's team raises problems, the market
department plans rotations and county-wide trainings. Every edit sends the `version` it
read (stale: 409, nothing written); a grid or person in the body that the user does not
see is refused like a bad value (400).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, PageParams, paginate, with_errors
from wangge.core.permissions import require
from wangge.org.models import Grid, Staff
from wangge.worklog import selectors_team as selectors
from wangge.worklog import services_team as services
from wangge.worklog.api.schemas import (
    ActionIn,
    ActionItemOut,
    MeetingDetailOut,
    MeetingFilter,
    MeetingIn,
    MeetingPage,
    MeetingPatch,
    ProblemFilter,
    ProblemIn,
    ProblemOut,
    ProblemPage,
    ProblemPatch,
    RotationIn,
    RotationOut,
    RotationPage,
    RotationPatch,
    TrainingDetailOut,
    TrainingIn,
    TrainingPage,
    TrainingPatch,
)
from wangge.worklog.models import ActionItem, Meeting, Problem, RotationPlan, Training
from wangge.worklog.permissions import Action

router = ApiRouter()


def meeting_out(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "version": m.version, "kind": m.kind, "grid_id": m.grid_id, "on": m.on,
            "title": m.title, "chair_id": m.chair_id}  # fmt: skip


def problem_out(p: Problem) -> dict[str, Any]:
    return {
        "id": p.pk,
        "version": p.version,
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
    return {"id": t.pk, "version": t.version, "topic": t.topic, "trainer": t.trainer, "on": t.on,
            "grid_id": t.grid_id}  # fmt: skip


def rotation_out(r: RotationPlan) -> dict[str, Any]:
    return {"id": r.pk, "version": r.version, "staff_id": r.staff_id, "grid_id": r.grid_id,
            "role": r.role, "effective_on": r.effective_on, "leave_previous": r.leave_previous,
            "status": r.status, "note": r.note, "error": r.error}  # fmt: skip


def action_out(i: ActionItem) -> dict[str, Any]:
    return {"id": i.pk, "text": i.text, "owner_id": i.owner_id, "due": i.due, "done_at": i.done_at}


def _unusable(field: str) -> ValidationError:
    return ValidationError({field: _("没有这条记录，或您无权使用。")})


def _grid(user: Any, pk: int | None, field: str = "grid") -> Grid:
    grid = Grid.objects.visible_to(user).filter(pk=pk or 0, is_active=True).first()
    if grid is None:
        raise _unusable(field)
    return grid


def _changes(payload: Any, *besides: str) -> dict[str, Any]:
    """What a PATCH body sets: its fields sent, without the `version` it read (the service
    takes that apart) and `besides`, which the handler turns into records itself."""
    return payload.model_dump(exclude_unset=True, exclude={"version", *besides})


def _people(user: Any, ids: list[int], field: str) -> dict[int, Staff]:
    """The persons the body names, each one the user sees (else 400 on `field`)."""
    found = Staff.objects.visible_to(user).in_bulk(set(ids))
    if len(found) != len(set(ids)):
        raise _unusable(field)
    return found


@router.get("/worklog/meetings", response=with_errors({200: MeetingPage}))
def meeting_list(request: HttpRequest, filters: Query[MeetingFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.meeting_list(user=request.user, grid_id=filters.grid)
    return paginate(qs, filters, meeting_out)


def _meeting(user: Any, meeting_id: int) -> Meeting:
    require(user, Action.VIEW)
    try:
        return selectors.meeting_detail(user=user, pk=meeting_id)
    except Meeting.DoesNotExist:
        raise Http404 from None


@router.get("/worklog/meetings/{meeting_id}", response=with_errors({200: MeetingDetailOut}))
def meeting_detail(request: HttpRequest, meeting_id: Path[Id]) -> dict[str, Any]:
    return meeting_detail_out(_meeting(request.user, meeting_id))


def meeting_detail_out(m: Meeting) -> dict[str, Any]:
    return {
        **meeting_out(m),
        "minutes": m.minutes,
        "attendance": [
            {"staff_id": a.staff_id, "name": a.staff.name, "present": a.present}
            for a in m.attendances.all()
        ],
        "actions": [action_out(i) for i in m.actions.all()],
        "problem_ids": sorted(p.pk for p in m.problems.all()),
    }


@router.get("/worklog/problems", response=with_errors({200: ProblemPage}))
def problem_list(request: HttpRequest, filters: Query[ProblemFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    return paginate(
        selectors.problem_list(user=request.user, status=filters.status), filters, problem_out
    )


def _problem(user: Any, problem_id: int) -> Problem:
    require(user, Action.VIEW)
    problem = selectors.problem_list(user=user).filter(pk=problem_id).first()
    if problem is None:
        raise Http404
    return problem


@router.get("/worklog/problems/{problem_id}", response=with_errors({200: ProblemOut}))
def problem_detail(request: HttpRequest, problem_id: Path[Id]) -> dict[str, Any]:
    return problem_out(_problem(request.user, problem_id))


@router.get("/worklog/trainings", response=with_errors({200: TrainingPage}))
def training_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    return paginate(selectors.training_list(user=request.user), filters, training_out)


def _training(user: Any, training_id: int) -> Training:
    require(user, Action.VIEW)
    training = (
        selectors.training_list(user=user)
        .select_related("grid")
        .prefetch_related("attendances__staff")
        .filter(pk=training_id)
        .first()
    )
    if training is None:
        raise Http404
    return training


@router.get("/worklog/trainings/{training_id}", response=with_errors({200: TrainingDetailOut}))
def training_detail(request: HttpRequest, training_id: Path[Id]) -> dict[str, Any]:
    return training_detail_out(_training(request.user, training_id))


def training_detail_out(training: Training) -> dict[str, Any]:
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


def _plan(user: Any, plan_id: int) -> RotationPlan:
    require(user, Action.KPI)
    plan = selectors.rotation_plans(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


@router.get("/worklog/rotations/{plan_id}", response=with_errors({200: RotationOut}))
def rotation_detail(request: HttpRequest, plan_id: Path[Id]) -> dict[str, Any]:
    return rotation_out(_plan(request.user, plan_id))


# --- writes ----------------------------------------------------------------------------------


@router.post("/worklog/meetings", response=with_errors({201: MeetingDetailOut}))
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.MEETING)
    grid = _grid(user, payload.grid)
    people = _people(user, [a.staff for a in payload.attendance], "attendance")
    chair = _people(user, [payload.chair], "chair")[payload.chair] if payload.chair else None
    meeting = services.meeting_create(
        actor=user,
        grid=grid,
        kind=payload.kind,
        on=payload.on,
        title=payload.title,
        minutes=payload.minutes,
        chair=chair,
        attendance={people[a.staff]: a.present for a in payload.attendance},
    )
    return Status(201, meeting_detail_out(_meeting(user, meeting.pk)))


@router.patch("/worklog/meetings/{meeting_id}", response=with_errors({200: MeetingDetailOut}))
def meeting_update(
    request: HttpRequest, meeting_id: Path[Id], payload: MeetingPatch
) -> dict[str, Any]:
    user = request.user
    meeting = _meeting(user, meeting_id)
    services.meeting_update(
        actor=user, meeting=meeting, data=_changes(payload), version=payload.version
    )
    return meeting_detail_out(_meeting(user, meeting_id))


@router.post("/worklog/meetings/{meeting_id}/actions", response=with_errors({201: ActionItemOut}))
def action_create(
    request: HttpRequest, meeting_id: Path[Id], payload: ActionIn
) -> Status[dict[str, Any]]:
    user = request.user
    meeting = _meeting(user, meeting_id)
    require(user, Action.MEETING, meeting.grid_id)
    owner = _people(user, [payload.owner], "owner")[payload.owner]
    item = services.action_add(
        actor=user, meeting=meeting, text=payload.text, owner=owner, due=payload.due
    )
    return Status(201, action_out(item))


@router.post("/worklog/problems", response=with_errors({201: ProblemOut}))
def problem_create(request: HttpRequest, payload: ProblemIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.PROBLEM)
    problem = services.problem_raise(
        actor=user, grid=_grid(user, payload.grid), title=payload.title, detail=payload.detail
    )
    return Status(201, problem_out(problem))


@router.patch("/worklog/problems/{problem_id}", response=with_errors({200: ProblemOut}))
def problem_update(
    request: HttpRequest, problem_id: Path[Id], payload: ProblemPatch
) -> dict[str, Any]:
    user = request.user
    problem = _problem(user, problem_id)
    require(user, Action.MEETING, problem.grid_id)
    meeting = None
    if payload.meeting is not None:
        meeting = Meeting.objects.visible_to(user).filter(pk=payload.meeting).first()
        if meeting is None:
            raise _unusable("meeting")
    problem = services.problem_update(
        actor=user,
        problem=problem,
        version=payload.version,
        meeting=meeting,
        resolution=payload.resolution,
    )
    return problem_out(problem)


@router.post("/worklog/trainings", response=with_errors({201: TrainingDetailOut}))
def training_create(request: HttpRequest, payload: TrainingIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.TRAINING)
    grid = None if payload.grid is None else _grid(user, payload.grid)
    training = services.training_create(
        actor=user,
        topic=payload.topic,
        trainer=payload.trainer,
        on=payload.on,
        grid=grid,
        note=payload.note,
    )
    return Status(201, training_detail_out(_training(user, training.pk)))


@router.patch("/worklog/trainings/{training_id}", response=with_errors({200: TrainingDetailOut}))
def training_update(
    request: HttpRequest, training_id: Path[Id], payload: TrainingPatch
) -> dict[str, Any]:
    user = request.user
    training = _training(user, training_id)
    trainees = payload.attendees or []
    people = _people(user, [t.staff for t in trainees], "attendees")
    services.training_update(
        actor=user,
        training=training,
        data=_changes(payload, "attendees"),
        version=payload.version,
        attendees={people[t.staff]: t.score for t in trainees},
    )
    return training_detail_out(_training(user, training_id))


@router.post("/worklog/rotations", response=with_errors({201: RotationOut}))
def rotation_create(request: HttpRequest, payload: RotationIn) -> Status[dict[str, Any]]:
    user = request.user
    require(user, Action.ROTATION)
    staff = _people(user, [payload.staff], "staff")[payload.staff]
    plan = services.rotation_plan(
        actor=user,
        staff=staff,
        grid=_grid(user, payload.grid),
        role=payload.role,
        effective_on=payload.effective_on,
        leave_previous=payload.leave_previous,
        note=payload.note,
    )
    return Status(201, rotation_out(plan))


@router.patch("/worklog/rotations/{plan_id}", response=with_errors({200: RotationOut}))
def rotation_update(
    request: HttpRequest, plan_id: Path[Id], payload: RotationPatch
) -> dict[str, Any]:
    user = request.user
    plan = _plan(user, plan_id)
    require(user, Action.ROTATION)
    plan = services.rotation_update(
        actor=user,
        plan=plan,
        data=_changes(payload, "status"),
        version=payload.version,
        cancel=payload.status == RotationPlan.Status.CANCELLED,
    )
    return rotation_out(plan)
