"""Reads of the team's basics: meetings, action items, problems, training, rotation.

Rotation history comes from org's memberships as the audit log recorded them: every
membership org creates, changes or removes is audited with its fields, so who served which
grid in which role, and from when to when, is read back from those entries (org keeps only
the current memberships).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.worklog.models import (
    ActionItem,
    Attendance,
    Meeting,
    Problem,
    RotationPlan,
    Training,
    TrainingAttendance,
)


def meeting_list(*, user: Any, grid_id: int | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.visible_to(user).select_related("grid", "chair")
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    return qs.order_by("-on", "-id")


def meeting_detail(*, user: Any, pk: int) -> Meeting:
    return (
        Meeting.objects.visible_to(user)
        .select_related("grid", "chair")
        .prefetch_related(
            Prefetch("attendances", Attendance.objects.select_related("staff")),
            Prefetch("actions", ActionItem.objects.select_related("owner")),
            "problems",
        )
        .get(pk=pk)
    )


def open_actions(*, user: Any, owner_id: int) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.visible_to(user)
        .filter(owner_id=owner_id, done_at__isnull=True)
        .select_related("meeting")
    )


def problem_list(*, user: Any, status: str = "") -> QuerySet[Problem]:
    qs = Problem.objects.visible_to(user).select_related("grid", "raised_by", "meeting")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-raised_at", "-id")


def training_list(*, user: Any) -> QuerySet[Training]:
    return Training.objects.visible_to(user).select_related("grid").order_by("-on", "-id")


def training_record(*, user: Any, staff_id: int) -> QuerySet[TrainingAttendance]:
    """A person's training record (the trainings the reader may see)."""
    visible = Training.objects.visible_to(user).values("id")
    return (
        TrainingAttendance.objects.filter(staff_id=staff_id, training_id__in=visible)
        .select_related("training")
        .order_by("-training__on")
    )


def rotation_plans(*, user: Any) -> QuerySet[RotationPlan]:
    return (
        RotationPlan.objects.visible_to(user)
        .select_related("staff", "grid")
        .order_by("-effective_on", "-id")
    )


@dataclass(frozen=True)
class Stint:
    """One person serving one grid in one role, from `start` (to `end`, or still)."""

    staff: str
    grid: str
    role: str
    start: dt.date
    end: dt.date | None
    primary: bool


def rotation_history(*, user: Any, limit: int = 500) -> list[Stint]:
    """Who served which grid in which role when, newest first, for the people the reader
    may see (one query for the audit entries, two for the names)."""
    staff = dict(Staff.objects.visible_to(user).values_list("id", "name"))
    kind = ContentType.objects.get_for_model(GridMembership)
    entries = (
        AuditEntry.objects.filter(content_type=kind)
        .order_by("at", "id")
        .values_list("at", "action", "object_id", "before", "after")
    )
    grids = dict(Grid.objects.values_list("id", "code"))
    roles = dict(Role.choices)
    open_: dict[str, dict[str, Any]] = {}
    done: list[Stint] = []

    def close(key: str, day: dt.date) -> None:
        row = open_.pop(key, None)
        if row is not None:
            done.append(Stint(**row, end=day))

    for at, action, object_id, before, after in entries:
        day = clock.local_date(at)
        snap: dict[str, Any] = after or before or {}
        if snap.get("staff") not in staff:
            continue
        if action == AuditEntry.Action.DELETE:
            close(object_id, day)
            continue
        role = str(roles.get(snap.get("role", ""), snap.get("role", "")))
        was = open_.get(object_id)
        if was is not None and was["role"] == role:
            # Only the primary flag changed: the same stint goes on.
            was["primary"] = bool(snap.get("is_primary"))
            continue
        close(object_id, day)
        open_[object_id] = {
            "staff": staff[snap["staff"]],
            "grid": grids.get(snap.get("grid", 0), "?"),
            "role": role,
            "start": day,
            "primary": bool(snap.get("is_primary")),
        }
    rows = done + [Stint(**row, end=None) for row in open_.values()]
    rows.sort(key=lambda s: (s.start, s.staff), reverse=True)
    return rows[:limit]
