"""The worklog API's bodies and filters (dates ISO, times with their offset)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from wangge.core.api import (
    MAX_ID,
    BodyIn,
    Choice,
    Id,
    PageParams,
    VersionIn,
    integer,
    omittable,
    text,
)
from wangge.crm.api.schemas import DateIn, filled
from wangge.org.roles import GRID_ROLES
from wangge.worklog.models import LogReview, Meeting, Problem, RotationPlan, WorkLog

#: Every state change sends the version it read: required (a stale one answers 409).
Version = Annotated[VersionIn, Field(description="读取时得到的 version；已被他人修改则答 409")]


class LogFilter(PageParams):
    author: int | None = Field(None, ge=1, le=MAX_ID)
    grid: int | None = Field(None, ge=1, le=MAX_ID)
    status: Annotated[str, Choice(WorkLog.Status, blank=True)] = ""
    day_from: DateIn | None = None
    day_to: DateIn | None = None


class ActivityOut(Schema):
    source: str
    text: str
    at: str
    url: str


class ReviewOut(Schema):
    at: dt.datetime
    decision: str
    score: int | None
    comment: str
    reviewer_id: int | None


class LogOut(Schema):
    id: int
    version: int
    author_id: int
    author_name: str
    day: dt.date
    grid_id: int | None
    status: str
    findings: str
    problems: str
    plan: str
    submitted_at: dt.datetime | None
    late: bool
    score: int | None
    reviewed_at: dt.datetime | None
    return_comment: str


class LogDetailOut(LogOut):
    activity: list[ActivityOut]
    reviews: list[ReviewOut]


class LogPage(Schema):
    count: int
    items: list[LogOut]


class LogIn(BodyIn):
    day: DateIn = Field(description="日志的日期（不能是将来）；同一天只能有一篇，已有则改用 PATCH")
    findings: text(2000) = ""  # type: ignore[valid-type]
    problems: text(2000) = ""  # type: ignore[valid-type]
    plan: text(2000) = ""  # type: ignore[valid-type]


class LogPatch(BodyIn):
    findings: text(2000) = omittable()  # type: ignore[valid-type]
    problems: text(2000) = omittable()  # type: ignore[valid-type]
    plan: text(2000) = omittable()  # type: ignore[valid-type]
    version: Version


class SubmitIn(BodyIn):
    version: Version


class ReviewIn(BodyIn):
    decision: Annotated[str, Choice(LogReview.Decision)]
    score: integer(1, 5) | None = Field(None, description="1–5；通过时必填")  # type: ignore[valid-type]
    comment: text(500) = Field("", description="退回时必填")  # type: ignore[valid-type]
    version: Version


# --- the team's basics: meetings, problems, training, rotation ---------------------------------


class MeetingFilter(PageParams):
    grid: int | None = Field(None, ge=1, le=MAX_ID)


class MeetingOut(Schema):
    id: int
    version: int
    kind: str
    grid_id: int
    on: dt.date
    title: str
    chair_id: int | None


class AttendanceOut(Schema):
    staff_id: int
    name: str
    present: bool


class ActionItemOut(Schema):
    id: int
    text: str
    owner_id: int
    due: dt.date
    done_at: dt.datetime | None


class MeetingDetailOut(MeetingOut):
    minutes: str
    attendance: list[AttendanceOut]
    actions: list[ActionItemOut]
    problem_ids: list[int]


class MeetingPage(Schema):
    count: int
    items: list[MeetingOut]


class ProblemFilter(PageParams):
    status: Annotated[str, Choice(Problem.Status, blank=True)] = ""


class ProblemOut(Schema):
    id: int
    version: int
    grid_id: int
    title: str
    detail: str
    status: str
    raised_by_id: int
    raised_at: dt.datetime
    meeting_id: int | None
    resolution: str
    resolved_at: dt.datetime | None


class ProblemPage(Schema):
    count: int
    items: list[ProblemOut]


class TrainingOut(Schema):
    id: int
    version: int
    topic: str
    trainer: str
    on: dt.date
    grid_id: int | None = Field(description="null：全县培训")


class TraineeOut(Schema):
    staff_id: int
    name: str
    score: int | None


class TrainingDetailOut(TrainingOut):
    note: str
    attendees: list[TraineeOut]


class TrainingPage(Schema):
    count: int
    items: list[TrainingOut]


class RotationOut(Schema):
    id: int
    version: int
    staff_id: int
    grid_id: int
    role: str
    effective_on: dt.date
    leave_previous: bool
    status: str
    note: str
    error: str


class RotationPage(Schema):
    count: int
    items: list[RotationOut]


# --- the team's basics, written (the pages' services and rights) ----------------------------


class AttendanceIn(BodyIn):
    staff: Id
    present: bool = True


class MeetingIn(BodyIn):
    grid: Id = Field(description="您管理的网格")
    kind: Annotated[str, Choice(Meeting.Kind)]
    on: DateIn
    title: filled(100)  # type: ignore[valid-type]
    minutes: text(5000) = ""  # type: ignore[valid-type]
    chair: Id | None = Field(None, description="主持人：本网格的人员")
    attendance: list[AttendanceIn] = Field(
        default_factory=list, max_length=500, description="本网格人员的出勤；未列出的不记录"
    )


class MeetingPatch(BodyIn):
    title: filled(100) = omittable()  # type: ignore[valid-type]
    minutes: text(5000) = omittable()  # type: ignore[valid-type]
    version: Version


class ActionIn(BodyIn):
    text: filled(200)  # type: ignore[valid-type]
    owner: Id = Field(description="负责人：本网格的人员")
    due: DateIn = Field(description="完成期限，不早于会议日期")


class ProblemIn(BodyIn):
    grid: Id = Field(description="您所在的网格")
    title: filled(100)  # type: ignore[valid-type]
    detail: text(2000) = ""  # type: ignore[valid-type]


class ProblemPatch(BodyIn):
    #: The grid's meeting that discussed it (status: discussed).
    meeting: Id = omittable()
    #: How it was solved (status: resolved).
    resolution: filled(2000) = omittable()  # type: ignore[valid-type]
    version: Version


class TraineeIn(BodyIn):
    staff: Id = Field(description="学员：网格培训须是本网格的人员")
    score: integer(0, 100) | None = None  # type: ignore[valid-type]


class TrainingIn(BodyIn):
    topic: filled(100)  # type: ignore[valid-type]
    trainer: filled(32)  # type: ignore[valid-type]
    on: DateIn
    grid: Id | None = Field(None, description="您管理的网格；null：全县培训（仅市场部）")
    note: text(2000) = ""  # type: ignore[valid-type]


class TrainingPatch(BodyIn):
    topic: filled(100) = omittable()  # type: ignore[valid-type]
    trainer: filled(32) = omittable()  # type: ignore[valid-type]
    on: DateIn = omittable()
    note: text(2000) = omittable()  # type: ignore[valid-type]
    #: Trainees and their scores (a trainee already recorded gets the new score).
    attendees: Annotated[list[TraineeIn], Field(max_length=500)] = omittable()
    version: Version


class RotationIn(BodyIn):
    staff: Id
    grid: Id = Field(description="新网格")
    role: Annotated[str, Choice([r.value for r in GRID_ROLES])]
    effective_on: DateIn = Field(description="生效日期，不早于今天")
    leave_previous: bool = True
    note: text(200) = ""  # type: ignore[valid-type]


class RotationPatch(BodyIn):
    effective_on: DateIn = omittable()
    note: text(200) = omittable()  # type: ignore[valid-type]
    #: `cancelled`: the planned rotation will not take effect.
    status: Annotated[str, Choice([RotationPlan.Status.CANCELLED.value])] = omittable()
    version: Version
