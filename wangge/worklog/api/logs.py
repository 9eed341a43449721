"""Daily logs: list and read (scoped), start, edit, submit, review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Status

from wangge.core.api import ApiRouter, Id, paginate, with_errors
from wangge.core.permissions import require
from wangge.worklog import selectors, services
from wangge.worklog.api.schemas import (
    LogDetailOut,
    LogFilter,
    LogIn,
    LogPage,
    LogPatch,
    ReviewIn,
    SubmitIn,
)
from wangge.worklog.models import WorkLog
from wangge.worklog.permissions import Action

router = ApiRouter()


def log_out(log: WorkLog) -> dict[str, Any]:
    return {
        "id": log.pk,
        "version": log.version,
        "author_id": log.author_id,
        "author_name": log.author.name,
        "day": log.day,
        "grid_id": log.grid_id,
        "status": log.status,
        "findings": log.findings,
        "problems": log.problems,
        "plan": log.plan,
        "submitted_at": log.submitted_at,
        "late": log.late,
        "score": log.score,
        "reviewed_at": log.reviewed_at,
        "return_comment": log.return_comment,
    }


def _detail(user: Any, log: WorkLog) -> dict[str, Any]:
    reviews = [
        {
            "at": r.at,
            "decision": r.decision,
            "score": r.score,
            "comment": r.comment,
            "reviewer_id": r.reviewer_id,
        }
        for r in selectors.reviews_of(user=user, log=log)
    ]
    activity = [
        {k: str(line.get(k, "")) for k in ("source", "text", "at", "url")} for line in log.activity
    ]
    return {**log_out(log), "activity": activity, "reviews": reviews}


def _log(user: Any, log_id: int) -> WorkLog:
    require(user, Action.VIEW)
    return get_object_or_404(WorkLog.objects.visible_to(user).select_related("author"), pk=log_id)


@router.get("/worklog/logs", response=with_errors({200: LogPage}))
def log_list(request: HttpRequest, filters: Query[LogFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = selectors.log_list(
        user=request.user,
        author_id=filters.author,
        grid_id=filters.grid,
        status=filters.status,
        day_from=filters.day_from,
        day_to=filters.day_to,
    )
    return paginate(qs, filters, log_out)


@router.get("/worklog/logs/{log_id}", response=with_errors({200: LogDetailOut}))
def log_detail(request: HttpRequest, log_id: Path[Id]) -> dict[str, Any]:
    return _detail(request.user, _log(request.user, log_id))


@router.post("/worklog/logs", response=with_errors({201: LogDetailOut}))
def log_create(request: HttpRequest, payload: LogIn) -> Status[dict[str, Any]]:
    user = request.user
    log = services.log_create(
        actor=user,
        day=payload.day,
        findings=payload.findings,
        problems=payload.problems,
        plan=payload.plan,
    )
    return Status(201, _detail(user, log))


@router.patch("/worklog/logs/{log_id}", response=with_errors({200: LogDetailOut}))
def log_update(request: HttpRequest, log_id: Path[Id], payload: LogPatch) -> dict[str, Any]:
    user = request.user
    log = _log(user, log_id)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    log = services.log_update(actor=user, log=log, data=data, version=payload.version)
    return _detail(user, log)


@router.post("/worklog/logs/{log_id}/submit", response=with_errors({200: LogDetailOut}))
def log_submit(request: HttpRequest, log_id: Path[Id], payload: SubmitIn) -> dict[str, Any]:
    user = request.user
    log = services.log_submit(actor=user, log=_log(user, log_id), version=payload.version)
    return _detail(user, log)


@router.post("/worklog/logs/{log_id}/review", response=with_errors({200: LogDetailOut}))
def log_review(request: HttpRequest, log_id: Path[Id], payload: ReviewIn) -> dict[str, Any]:
    user = request.user
    log = services.log_review(
        actor=user,
        log=_log(user, log_id),
        decision=payload.decision,
        score=payload.score,
        comment=payload.comment,
        version=payload.version,
    )
    return _detail(user, log)
