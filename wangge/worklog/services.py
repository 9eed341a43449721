"""Writes of the daily log: start, edit, submit, review; leave.

A log moves draft → submitted → approved, or submitted → returned → (edited) → submitted.
Only its author writes it, and only while it is a draft or returned; only the manager of
its grid reviews it. Each review is kept (`LogReview`), so a log returned twice shows both
comments. Notifications go out on commit: a submitted log to the grid's managers, a
returned one to its author.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core import clock, notify, workdays
from wangge.core.access import is_person, scope_for
from wangge.core.extensions import day_activity_for
from wangge.core.permissions import can, require
from wangge.core.services import audited_create, audited_update
from wangge.org.models import GridMembership, Staff
from wangge.org.roles import Role
from wangge.worklog.models import Leave, LogReview, WorkLog
from wangge.worklog.permissions import Action

TEXT_FIELDS = ("findings", "problems", "plan")


def cutoff() -> tuple[int, dt.time]:
    """(working days after the log's day, local time) by which a log is on time.

    `WANGGE_WORKLOG_CUTOFF`: "1 09:00" (the default) is the next working day at nine: a
    Friday's log is due on Monday morning, not on Saturday.
    """
    raw = str(getattr(settings, "WANGGE_WORKLOG_CUTOFF", "1 09:00"))
    try:
        days, hhmm = raw.split()
        hour, minute = hhmm.split(":")
        return int(days), dt.time(int(hour), int(minute))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"WANGGE_WORKLOG_CUTOFF must be like '1 09:00' (working days, HH:MM), not {raw!r}"
        ) from exc


def deadline(day: dt.date) -> dt.datetime:
    days, at = cutoff()
    return timezone.make_aware(dt.datetime.combine(workdays.add_workdays(day, days), at))


def activity_lines(user: Any, day: dt.date) -> list[dict[str, str]]:
    """What the apps know the person did on `day`, flattened for the log's snapshot."""
    lines = []
    for source, items in day_activity_for(user, day):
        for item in items:
            lines.append(
                {
                    "source": str(source.title),
                    "text": str(item.text),
                    "at": timezone.localtime(item.at).strftime("%H:%M") if item.at else "",
                    "url": item.url,
                }
            )
    return lines


def _author(actor: Any) -> Staff:
    staff = getattr(actor, "staff", None) if is_person(actor) else None
    if staff is None:
        # The system and logins without a person behind them write no log.
        raise PermissionDenied(_("您没有权限进行这项操作。"))
    return staff


def _primary_grid_id(staff: Staff) -> int | None:
    return (
        GridMembership.objects.filter(staff_id=staff.pk, is_primary=True)
        .values_list("grid_id", flat=True)
        .first()
    )


def _check_day(day: dt.date) -> None:
    if day > clock.today():
        raise ValidationError({"day": _("不能填写未来日期的日志。")}, code="future")


def _clean_text(data: dict[str, Any]) -> dict[str, str]:
    unknown = set(data) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    return {k: str(v or "").strip() for k, v in data.items()}


@transaction.atomic
def log_create(*, actor: Any, day: dt.date, **text: Any) -> WorkLog:
    """Start the actor's log of `day` (a draft). A second log of the same day is refused:
    the author edits the one there is."""
    require(actor, Action.WRITE)
    staff = _author(actor)
    _check_day(day)
    if WorkLog.objects.filter(author_id=staff.pk, day=day).exists():
        raise ValidationError({"day": _("这一天已有日志，请编辑原日志。")}, code="exists")
    log = WorkLog(author=staff, day=day, grid_id=_primary_grid_id(staff), **_clean_text(text))
    return audited_create(actor=actor, instance=log)


def _require_author(actor: Any, log: WorkLog) -> None:
    """A log is the author's own account of their day: nobody else writes it, not even the
    market department (which holds every other right)."""
    require(actor, Action.WRITE, log)
    if _author(actor).pk != log.author_id:
        raise PermissionDenied(_("您没有权限进行这项操作。"))


def _require_editable(log: WorkLog) -> None:
    if not log.editable:
        raise ValidationError(
            _("日志已提交（%(status)s），不能再修改。") % {"status": log.get_status_display()},
            code="locked",
        )


@transaction.atomic
def log_update(
    *, actor: Any, log: WorkLog, data: dict[str, Any], version: int | None = None
) -> WorkLog:
    _require_author(actor, log)
    _require_editable(log)
    cleaned = _clean_text(data)
    log, _changed = audited_update(
        actor=actor, instance=log, data=cleaned, fields=TEXT_FIELDS, version=version
    )
    return log


def managers_of(grid_id: int | None) -> list[int]:
    """The user ids of the grid's managers (who review its logs)."""
    if grid_id is None:
        return []
    return list(
        GridMembership.objects.filter(grid_id=grid_id, role=Role.GRID_MANAGER).values_list(
            "staff__user_id", flat=True
        )
    )


@transaction.atomic
def log_submit(*, actor: Any, log: WorkLog, version: int | None = None) -> WorkLog:
    """Hand the log in: the day's activity is snapshotted now; the first submission after
    the cut-off marks it late (a revision after a return does not)."""
    _require_author(actor, log)
    _require_editable(log)
    lines = activity_lines(actor, log.day)
    errors: dict[str, str] = {}
    if not log.plan.strip():
        errors["plan"] = _("请填写明日计划。")
    if not log.findings.strip() and not lines:
        errors["findings"] = _("当天系统中没有工作记录，请填写成果与信息。")
    if errors:
        raise ValidationError(errors, code="incomplete")
    now = clock.now()
    data: dict[str, Any] = {
        "status": WorkLog.Status.SUBMITTED,
        "activity": lines,
        "resubmitted_at": now,
    }
    first = log.submitted_at is None
    if first:
        data["submitted_at"] = now
        data["late"] = now > deadline(log.day)
    log, _changed = audited_update(
        actor=actor, instance=log, data=data, fields=list(data), version=version
    )
    first_title = _("%(name)s 提交了 %(day)s 的工作日志")
    again_title = _("%(name)s 修改后重交了 %(day)s 的工作日志")
    notify.send(
        managers_of(log.grid_id),
        kind="worklog.submitted",
        title=(first_title if first else again_title)
        % {"name": log.author.name, "day": log.day.strftime("%m-%d")},
        url=reverse("worklog:review"),
    )
    return log


@transaction.atomic
def log_review(
    *,
    actor: Any,
    log: WorkLog,
    decision: str,
    score: int | None = None,
    comment: str = "",
    version: int | None = None,
) -> WorkLog:
    """Approve (with a score 1–5) or return with a comment. Only the manager of the log's
    grid (or the market department) reviews; anyone else is refused like a missing log."""
    if not can(actor, Action.REVIEW, log):
        raise PermissionDenied(_("您没有权限进行这项操作。"))
    if log.status != WorkLog.Status.SUBMITTED:
        raise ValidationError(_("只能审阅待审阅的日志。"), code="not_submitted")
    comment = (comment or "").strip()
    errors: dict[str, str] = {}
    if decision not in LogReview.Decision.values:
        errors["decision"] = _("请选择通过或退回。")
    if score is not None and not 1 <= score <= 5:
        errors["score"] = _("评分为 1 到 5 分。")
    if decision == LogReview.Decision.APPROVE and score is None:
        errors["score"] = _("通过时请打分（1–5 分）。")
    if decision == LogReview.Decision.RETURN and not comment:
        errors["comment"] = _("退回时请写明意见。")
    if errors:
        raise ValidationError(errors, code="invalid")
    reviewer = getattr(actor, "staff", None) if is_person(actor) else None
    now = clock.now()
    audited_create(
        actor=actor,
        instance=LogReview(
            log=log, reviewer=reviewer, at=now, decision=decision, score=score, comment=comment
        ),
    )
    returned = decision == LogReview.Decision.RETURN
    data: dict[str, Any] = {
        "status": WorkLog.Status.RETURNED if returned else WorkLog.Status.APPROVED,
        "reviewer": reviewer,
        "return_comment": comment if returned else "",
    }
    if score is not None:
        data["score"] = score
    if log.reviewed_at is None:
        data["reviewed_at"] = now
    log, _changed = audited_update(
        actor=actor, instance=log, data=data, fields=list(data), version=version
    )
    if returned:
        notify.send(
            [log.author.user_id],
            kind="worklog.returned",
            title=_("%(day)s 的工作日志被退回") % {"day": log.day.strftime("%m-%d")},
            body=comment,
            url=reverse("worklog:log_detail", args=[log.pk]),
        )
    return log


@transaction.atomic
def leave_record(
    *, actor: Any, staff: Staff, start: dt.date, end: dt.date, note: str = ""
) -> Leave:
    """Record a person's leave: the market department, or the manager of the person's grid."""
    scope = scope_for(actor)
    managed = GridMembership.objects.filter(
        staff_id=staff.pk, grid_id__in=scope.managed_grid_ids
    ).exists()
    if not can(actor, Action.KPI) or not (scope.everything or managed):
        raise PermissionDenied(_("您没有权限进行这项操作。"))
    if (end - start).days > 366:
        raise ValidationError({"end": _("一次请假不超过一年。")})
    return audited_create(
        actor=actor, instance=Leave(staff=staff, start=start, end=end, note=note.strip())
    )
