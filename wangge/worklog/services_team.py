"""Writes of the team's basics: meetings (attendance, action items), the problem board,
training, and planned rotations (applied on their day through org's services)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import SYSTEM, scope_for
from wangge.core.models import Versioned
from wangge.core.permissions import require
from wangge.core.services import StaleVersion, audited_create, audited_update
from wangge.org import services as org
from wangge.org.models import Grid, GridMembership, Staff
from wangge.worklog.models import (
    ActionItem,
    Attendance,
    Meeting,
    Problem,
    RotationPlan,
    Training,
    TrainingAttendance,
)
from wangge.worklog.permissions import Action

log = logging.getLogger(__name__)


def _members(grid: Grid) -> set[int]:
    return set(GridMembership.objects.filter(grid=grid).values_list("staff_id", flat=True))


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    grid: Grid,
    kind: str,
    on: dt.date,
    title: str,
    minutes: str = "",
    chair: Staff | None = None,
    attendance: Mapping[Staff, bool] | None = None,
) -> Meeting:
    """Record a meeting of the grid, with who was there (`attendance`: person → present)."""
    require(actor, Action.MEETING, grid)
    attendance = dict(attendance or {})
    members = _members(grid)
    errors = {}
    outsiders = [s.name for s in attendance if s.pk not in members]
    if outsiders:
        errors["attendance"] = _("不是本网格的人员：%(names)s") % {"names": "、".join(outsiders)}
    if chair is not None and chair.pk not in members:
        errors["chair"] = _("主持人须是本网格的人员。")
    if errors:
        raise ValidationError(errors)
    meeting = audited_create(
        actor=actor,
        instance=Meeting(grid=grid, kind=kind, on=on, title=title, minutes=minutes, chair=chair),
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, staff=s, present=p) for s, p in attendance.items()
    )
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: Any, meeting: Meeting, data: dict[str, Any], version: int | None = None
) -> Meeting:
    """Edit the meeting's title and minutes; `version` as read (stale: `StaleVersion`)."""
    require(actor, Action.MEETING, meeting.grid_id)
    meeting, _changed = audited_update(
        actor=actor, instance=meeting, data=data, fields=("title", "minutes"), version=version
    )
    return meeting


@transaction.atomic
def action_add(
    *, actor: Any, meeting: Meeting, text: str, owner: Staff, due: dt.date
) -> ActionItem:
    require(actor, Action.MEETING, meeting.grid_id)
    errors = {}
    if owner.pk not in _members(meeting.grid):
        errors["owner"] = _("负责人须是本网格的人员。")
    if due < meeting.on:
        errors["due"] = _("完成期限不能早于会议日期。")
    if errors:
        raise ValidationError(errors)
    return audited_create(
        actor=actor, instance=ActionItem(meeting=meeting, text=text, owner=owner, due=due)
    )


@transaction.atomic
def action_done(*, actor: Any, item: ActionItem) -> ActionItem:
    require(actor, Action.ACTION_DONE, item)
    if item.done_at is not None:
        return item
    item, _changed = audited_update(
        actor=actor, instance=item, data={"done_at": clock.now()}, fields=["done_at"]
    )
    return item


@transaction.atomic
def problem_raise(*, actor: Any, grid: Grid, title: str, detail: str = "") -> Problem:
    require(actor, Action.PROBLEM, grid)
    staff = getattr(actor, "staff", None)
    if staff is None:
        raise PermissionDenied(_("您没有权限进行这项操作。"))
    return audited_create(
        actor=actor, instance=Problem(grid=grid, title=title, detail=detail, raised_by=staff)
    )


@transaction.atomic
def problem_discuss(
    *, actor: Any, problem: Problem, meeting: Meeting, version: int | None = None
) -> Problem:
    """Link the problem to the meeting that discussed it."""
    require(actor, Action.MEETING, problem.grid_id)
    _check_version(problem, version)
    if meeting.grid_id != problem.grid_id:
        raise ValidationError({"meeting": _("只能在本网格的会议上研讨。")})
    if problem.status == Problem.Status.RESOLVED:
        raise ValidationError(_("难题已解决。"))
    problem, _changed = audited_update(
        actor=actor,
        instance=problem,
        data={"meeting": meeting, "status": Problem.Status.DISCUSSED},
        fields=["meeting", "status"],
        version=version,
    )
    return problem


@transaction.atomic
def problem_resolve(
    *, actor: Any, problem: Problem, resolution: str, version: int | None = None
) -> Problem:
    require(actor, Action.MEETING, problem.grid_id)
    _check_version(problem, version)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("解决的难题须写明解决办法。")})
    problem, _changed = audited_update(
        actor=actor,
        instance=problem,
        data={
            "status": Problem.Status.RESOLVED,
            "resolution": resolution,
            "resolved_at": clock.now(),
        },
        fields=["status", "resolution", "resolved_at"],
        version=version,
    )
    return problem


@transaction.atomic
def problem_update(
    *,
    actor: Any,
    problem: Problem,
    version: int,
    meeting: Meeting | None = None,
    resolution: str | None = None,
) -> Problem:
    """The API's one edit of a problem: discussed at `meeting`, and/or resolved with
    `resolution`, against the `version` read (each step bumps it, so the second step checks
    the first's)."""
    require(actor, Action.MEETING, problem.grid_id)
    _check_version(problem, version)
    if meeting is not None:
        problem = problem_discuss(actor=actor, problem=problem, meeting=meeting, version=version)
        version = problem.version
    if resolution is not None:
        problem = problem_resolve(
            actor=actor, problem=problem, resolution=resolution, version=version
        )
    return problem


def _check_version(record: Versioned, version: int | None) -> None:
    """Refuse a stale `version` before any rule is judged on what the caller read (the
    record may have been resolved since): the same 409 as `audited_update` gives."""
    if version is None:
        return
    current = type(record)._base_manager.filter(pk=record.pk).values_list("version", flat=True)
    now = current.first()
    if now is not None and now != version:
        raise StaleVersion(record, version, now)


def _require_training(actor: Any, grid: Grid | None) -> None:
    if grid is None:
        # A county-wide training is the market department's.
        if not scope_for(actor).everything:
            raise PermissionDenied(_("您没有权限进行这项操作。"))
        return
    require(actor, Action.TRAINING, grid)


@transaction.atomic
def training_create(
    *,
    actor: Any,
    topic: str,
    trainer: str,
    on: dt.date,
    grid: Grid | None = None,
    note: str = "",
) -> Training:
    _require_training(actor, grid)
    return audited_create(
        actor=actor, instance=Training(topic=topic, trainer=trainer, on=on, grid=grid, note=note)
    )


@transaction.atomic
def training_update(
    *,
    actor: Any,
    training: Training,
    data: dict[str, Any],
    version: int | None = None,
    attendees: Mapping[Staff, int | None] | None = None,
) -> Training:
    """Edit the training (topic, trainer, day, note) and record its `attendees` (person →
    score, or none yet) against the `version` read; recording attendees alone bumps the
    version too, so a client that read the old list gets 409 rather than overwriting."""
    _require_training(actor, training.grid)
    training, changed = audited_update(
        actor=actor,
        instance=training,
        data=data,
        fields=("topic", "trainer", "on", "note"),
        version=version,
    )
    recorded = False
    for staff, score in (attendees or {}).items():
        try:
            _attendance, did = _record(actor, training, staff, score)
        except ValidationError as exc:
            raise ValidationError({"attendees": exc.messages}) from exc
        recorded = recorded or did
    if recorded and not changed:
        _bump(training)
    return training


def _bump(training: Training) -> None:
    # Its attendees are part of what a reader of the training saw: a new score is a change.
    Training.objects.filter(pk=training.pk).update(version=F("version") + 1)
    training.refresh_from_db(fields=["version"])


@transaction.atomic
def training_record(
    *, actor: Any, training: Training, staff: Staff, score: int | None = None
) -> TrainingAttendance:
    """Record that `staff` attended (with a score 0–100, or none yet); again updates it."""
    _require_training(actor, training.grid)
    attendance, did = _record(actor, training, staff, score)
    if did:
        _bump(training)
    return attendance


def _record(
    actor: Any, training: Training, staff: Staff, score: int | None
) -> tuple[TrainingAttendance, bool]:
    if training.grid is not None and staff.pk not in _members(training.grid):
        raise ValidationError({"staff": _("学员须是本网格的人员。")})
    existing = TrainingAttendance.objects.filter(training=training, staff=staff).first()
    if existing is not None:
        return audited_update(
            actor=actor, instance=existing, data={"score": score}, fields=["score"]
        )
    created = audited_create(
        actor=actor, instance=TrainingAttendance(training=training, staff=staff, score=score)
    )
    return created, True


@transaction.atomic
def rotation_plan(
    *,
    actor: Any,
    staff: Staff,
    grid: Grid,
    role: str,
    effective_on: dt.date,
    leave_previous: bool = True,
    note: str = "",
) -> RotationPlan:
    require(actor, Action.ROTATION)
    if effective_on < clock.today():
        raise ValidationError({"effective_on": _("生效日期不能早于今天。")})
    return audited_create(
        actor=actor,
        instance=RotationPlan(
            staff=staff,
            grid=grid,
            role=role,
            effective_on=effective_on,
            leave_previous=leave_previous,
            note=note,
        ),
    )


@transaction.atomic
def rotation_update(
    *,
    actor: Any,
    plan: RotationPlan,
    data: dict[str, Any],
    version: int | None = None,
    cancel: bool = False,
) -> RotationPlan:
    """Move a planned rotation's day or change its note (while it waits), and `cancel` it."""
    require(actor, Action.ROTATION)
    _check_version(plan, version)
    if plan.status != RotationPlan.Status.PLANNED:
        raise ValidationError(_("只能修改待生效的轮岗。"))
    day = data.get("effective_on")
    if day is not None and day != plan.effective_on and day < clock.today():
        raise ValidationError({"effective_on": _("生效日期不能早于今天。")})
    plan, _changed = audited_update(
        actor=actor, instance=plan, data=data, fields=("effective_on", "note"), version=version
    )
    if cancel:
        plan = rotation_cancel(actor=actor, plan=plan, version=plan.version)
    return plan


@transaction.atomic
def rotation_cancel(*, actor: Any, plan: RotationPlan, version: int | None = None) -> RotationPlan:
    require(actor, Action.ROTATION)
    _check_version(plan, version)
    if plan.status != RotationPlan.Status.PLANNED:
        raise ValidationError(_("只能取消待生效的轮岗。"))
    plan, _changed = audited_update(
        actor=actor,
        instance=plan,
        data={"status": RotationPlan.Status.CANCELLED},
        fields=["status"],
        version=version,
    )
    return plan


def _apply(plan: RotationPlan) -> None:
    previous = GridMembership.objects.filter(staff=plan.staff, is_primary=True).first()
    org.membership_set(
        actor=SYSTEM, staff=plan.staff, grid=plan.grid, role=plan.role, is_primary=True
    )
    if plan.leave_previous and previous is not None and previous.grid_id != plan.grid_id:
        previous.refresh_from_db()
        org.membership_remove(actor=SYSTEM, membership=previous)


def rotations_apply(today: dt.date | None = None) -> list[int]:
    """Apply every planned rotation due by `today` (the scheduled job); each in its own
    transaction, so one that org refuses is marked failed and the others still apply."""
    today = today or clock.today()
    applied = []
    due = RotationPlan.objects.filter(
        status=RotationPlan.Status.PLANNED, effective_on__lte=today
    ).select_related("staff", "grid")
    for plan in due:
        try:
            with transaction.atomic():
                _apply(plan)
                audited_update(
                    actor=SYSTEM,
                    instance=plan,
                    data={"status": RotationPlan.Status.APPLIED, "applied_at": clock.now()},
                    fields=["status", "applied_at"],
                )
            applied.append(plan.pk)
        except ValidationError as exc:
            log.warning("Rotation %s not applied: %s", plan.pk, exc)
            audited_update(
                actor=SYSTEM,
                instance=plan,
                data={"status": RotationPlan.Status.FAILED, "error": "; ".join(exc.messages)[:300]},
                fields=["status", "error"],
            )
    return applied


def attendance_for(grid: Grid, present_ids: Iterable[int]) -> dict[Staff, bool]:
    """Everyone of the grid, present or not (the meeting form's checkboxes)."""
    present = set(present_ids)
    people = Staff.objects.filter(memberships__grid=grid).order_by("employee_no")
    return {s: s.pk in present for s in people}
