"""Reads of the daily log: lists, the manager's review queue, who owes a log, and the KPIs.

Who owes a log on a day: a field person (`LOG_ROLES`) whose primary grid is one of the
reader's, on a working day (`core.workdays`, 调休 included) they were not on leave. The KPIs
count per person and per grid over a span: logs expected, submitted, on time, and reviewed
within one working day of their first submission.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from wangge.core import clock, workdays
from wangge.core.access import scope_for
from wangge.org.models import GridMembership, Staff
from wangge.worklog.models import LOG_ROLES, Leave, LogReview, WorkLog


def log_list(
    *,
    user: Any,
    author_id: int | None = None,
    grid_id: int | None = None,
    status: str = "",
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
) -> QuerySet[WorkLog]:
    qs = WorkLog.objects.visible_to(user).select_related("author", "grid")
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if status:
        qs = qs.filter(status=status)
    if day_from is not None:
        qs = qs.filter(day__gte=day_from)
    if day_to is not None:
        qs = qs.filter(day__lte=day_to)
    return qs.order_by("-day", "author__employee_no", "id")


def _reviewable_q(user: Any) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return Q(grid_id__in=scope.managed_grid_ids) & ~Q(author_id=scope.staff_id or 0)


def review_queue(*, user: Any, grid_id: int | None = None) -> QuerySet[WorkLog]:
    """Submitted logs the user reviews, oldest day first (yesterday's before today's)."""
    qs = (
        WorkLog.objects.visible_to(user)
        .filter(_reviewable_q(user), status=WorkLog.Status.SUBMITTED)
        .select_related("author", "grid")
    )
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    return qs.order_by("day", "author__employee_no", "id")


def reviews_of(*, user: Any, log: WorkLog) -> QuerySet[LogReview]:
    return LogReview.objects.visible_to(user).filter(log=log).select_related("reviewer")


def my_log(*, user: Any, day: dt.date) -> WorkLog | None:
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        return None
    return WorkLog.objects.filter(author_id=staff_id, day=day).first()


def writes_logs(user: Any) -> bool:
    """Whether the person is one who files a daily log (a field person)."""
    return scope_for(user).role in LOG_ROLES


def _people_grid_ids(user: Any) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return Q(grid_id__in=scope.managed_grid_ids)


def log_people(*, user: Any, grid_id: int | None = None) -> list[tuple[int, int, str]]:
    """(staff id, primary grid id, name) of the field people whose logs the user oversees."""
    qs = GridMembership.objects.filter(
        _people_grid_ids(user),
        is_primary=True,
        role__in=LOG_ROLES,
        staff__user__is_active=True,
    )
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    return list(
        qs.order_by("grid__code", "staff__employee_no").values_list(
            "staff_id", "grid_id", "staff__name"
        )
    )


def _leave_days(staff_ids: list[int], start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = defaultdict(set)
    for staff_id, a, b in Leave.objects.filter(
        staff_id__in=staff_ids, start__lte=end, end__gte=start
    ).values_list("staff_id", "start", "end"):
        day = max(a, start)
        while day <= min(b, end):
            out[staff_id].add(day)
            day += dt.timedelta(days=1)
    return out


def missing(*, user: Any, day: dt.date, grid_id: int | None = None) -> list[tuple[int, str]]:
    """(staff id, name) of the people who owe a log of `day` and have not handed it in."""
    if not workdays.is_workday(day):
        return []
    people = log_people(user=user, grid_id=grid_id)
    ids = [p for p, _g, _n in people]
    handed = set(
        WorkLog.objects.filter(author_id__in=ids, day=day)
        .exclude(status=WorkLog.Status.DRAFT)
        .values_list("author_id", flat=True)
    )
    away = _leave_days(ids, day, day)
    return [(p, n) for p, _g, n in people if p not in handed and day not in away.get(p, ())]


@dataclass
class KpiRow:
    key: Any
    label: str
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    reviewed: int = 0
    reviewed_in_time: int = 0
    scores: list[int] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def submission_rate(self) -> float | None:
        return self._rate(self.submitted, self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.expected)

    @property
    def review_rate(self) -> float | None:
        """Reviewed within one working day, of the logs submitted."""
        return self._rate(self.reviewed_in_time, self.submitted)

    @property
    def average_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 2) if self.scores else None


@dataclass
class Kpis:
    start: dt.date
    end: dt.date
    people: list[KpiRow]
    grids: list[KpiRow]
    total: KpiRow


def _next_workday(cal: workdays.Calendar, day: dt.date) -> dt.date:
    if not cal.start <= day <= cal.end - dt.timedelta(days=31):
        return workdays.add_workdays(day, 1)
    day += dt.timedelta(days=1)
    while not cal.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def kpis(*, user: Any, start: dt.date, end: dt.date, grid_id: int | None = None) -> Kpis:
    """Submission, punctuality and review KPIs per person and grid over `start`–`end`.

    One query for the people, one for their leave, one for the logs: the rest is counting.
    """
    cal = workdays.Calendar(start, end + dt.timedelta(days=40))
    days = [d for d in cal.days() if d <= end and cal.is_workday(d)]
    people = log_people(user=user, grid_id=grid_id)
    ids = [p for p, _g, _n in people]
    away = _leave_days(ids, start, end)
    grid_names = dict(
        GridMembership.objects.filter(staff_id__in=ids, is_primary=True).values_list(
            "grid_id", "grid__name"
        )
    )
    rows = {p: KpiRow(key=p, label=n) for p, _g, n in people}
    grids: dict[int, KpiRow] = {}
    total = KpiRow(key=None, label="")
    person_grid = {p: g for p, g, _n in people}
    for p, g, _n in people:
        grids.setdefault(g, KpiRow(key=g, label=str(grid_names.get(g, ""))))
        expected = sum(1 for d in days if d not in away.get(p, ()))
        for row in (rows[p], grids[g], total):
            row.expected += expected
    logs = (
        WorkLog.objects.filter(author_id__in=ids, day__gte=start, day__lte=end)
        .exclude(status=WorkLog.Status.DRAFT)
        .values_list("author_id", "day", "late", "submitted_at", "reviewed_at", "score")
    )
    for author_id, day, late, submitted_at, reviewed_at, score in logs:
        if not cal.is_workday(day) or day in away.get(author_id, ()):
            continue  # a log nobody asked for counts for nothing (nor against)
        targets = (rows[author_id], grids[person_grid[author_id]], total)
        in_time = False
        if reviewed_at is not None and submitted_at is not None:
            by = _next_workday(cal, clock.local_date(submitted_at))
            in_time = clock.local_date(reviewed_at) <= by
        for row in targets:
            row.submitted += 1
            row.on_time += 0 if late else 1
            row.reviewed += 1 if reviewed_at else 0
            row.reviewed_in_time += 1 if in_time else 0
            if score is not None:
                row.scores.append(score)
    return Kpis(
        start=start, end=end, people=list(rows.values()), grids=list(grids.values()), total=total
    )


def staff_visible(user: Any) -> QuerySet[Staff]:
    return Staff.objects.visible_to(user)


def on_leave(staff_id: int, day: dt.date) -> bool:
    return Leave.objects.filter(staff_id=staff_id, start__lte=day, end__gte=day).exists()


def leave_list(*, user: Any, limit: int = 50) -> list[Leave]:
    """Recent and coming leave of the people the user oversees."""
    since = clock.today() - dt.timedelta(days=31)
    return list(
        Leave.objects.visible_to(user)
        .filter(end__gte=since)
        .select_related("staff")
        .distinct()
        .order_by("-start")[:limit]
    )
