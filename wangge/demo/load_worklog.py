"""A month of daily logs and the team's basics in the demo county.

Every field person has a log for each working day of the last month (a few missed, some
late, some returned and revised, the older ones reviewed and scored; yesterday's mostly
waiting for review), a few people were on leave; every grid held a weekly meeting with action
items, raised a problem that the meeting discussed; a county-wide training and a training
of the first grid with scores; one rotation is planned for next month.

The month's logs are written directly (several thousand rows: the services would audit and
notify each, and flood the managers' inboxes with a month of "submitted"), with their
activity lines read from the apps like a real submission; the meetings, problems, training
and rotation go through the services in the name of whoever would have done them. Runs
after `load_sales`, so the logs list the visits it wrote. Dates count back from the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from wangge.core import clock, workdays
from wangge.core.access import SYSTEM
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.worklog import services, services_team
from wangge.worklog.models import (
    LOG_ROLES,
    ActionItem,
    Attendance,
    Leave,
    LogReview,
    Meeting,
    Problem,
    RotationPlan,
    Training,
    TrainingAttendance,
    WorkLog,
)

SALT = 0x10C5
DAYS = 30
MISSED = 0.04
LATE = 0.12
RETURNED = 0.08
#: The days before this many working days ago are all reviewed.
PENDING_DAYS = 1

FINDINGS = (
    "走访小区 {n} 户，两户对千兆升级有意向。",
    "电话回访到期用户 {n} 户，一户表示要转竞争对手，已上报经理。",
    "竞争对手在小区门口摆摊促销，月费低 10 元。",
    "集团客户（学校）下学期有专线需求，约了下周面谈。",
    "处理欠费用户 {n} 户，三户已承诺月底前缴清。",
    "完成装机 {n} 单，一单因楼道无管道改约明天。",
)
PROBLEMS = ("", "", "物业不让在小区张贴宣传品。", "老旧小区光纤入户难，需工程部支持。")
PLANS = (
    "继续走访未覆盖的楼栋。",
    "回访有意向的客户，准备报价。",
    "跟进集团客户专线需求。",
    "催缴欠费，整理续费名单。",
)
RETURN_COMMENTS = ("请写明走访的客户名称。", "明日计划太笼统，请具体到小区。")


def reset_worklog() -> None:
    """Delete every worklog record (before the organisation it points at)."""
    with connection.cursor() as cursor:
        for model in (
            LogReview,
            WorkLog,
            Leave,
            ActionItem,
            Attendance,
            Problem,
            Meeting,
            TrainingAttendance,
            Training,
            RotationPlan,
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Loader:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed ^ SALT)
        self.today = clock.today()
        start = self.today - dt.timedelta(days=DAYS)
        self.days = workdays.workdays_between(start, self.today - dt.timedelta(days=1))
        self.logs: list[WorkLog] = []
        self.reviews: list[tuple[int, LogReview]] = []
        self.managers: dict[int, Staff] = {}
        for m in GridMembership.objects.filter(role=Role.GRID_MANAGER).select_related("staff"):
            self.managers.setdefault(m.grid_id, m.staff)

    def leave(self, people: list[GridMembership]) -> dict[int, set[dt.date]]:
        away: dict[int, set[dt.date]] = {}
        for m in people[3::9]:  # about one person in nine took a few days off
            if len(self.days) < 8:
                break
            first = self.rng.randrange(len(self.days) - 5)
            start, end = self.days[first], self.days[first + self.rng.randint(0, 2)]
            Leave.objects.create(staff=m.staff, start=start, end=end, note="年休假")
            away[m.staff_id] = {d for d in self.days if start <= d <= end}
        return away

    def month(self, people: list[GridMembership]) -> None:
        away = self.leave(people)
        recent = set(self.days[-PENDING_DAYS:])
        for m in people:
            user = m.staff.user
            for day in self.days:
                if day in away.get(m.staff_id, ()) or self.rng.random() < MISSED:
                    continue
                self.log(m, user, day, pending=day in recent)

    def log(self, m: GridMembership, user: Any, day: dt.date, *, pending: bool) -> None:
        rng = self.rng
        late = rng.random() < LATE
        submitted = (
            _at(workdays.add_workdays(day, 1), rng.randint(10, 16), rng.randint(0, 59))
            if late
            else _at(day, rng.randint(17, 21), rng.randint(0, 59))
        )
        log = WorkLog(
            author=m.staff,
            day=day,
            grid_id=m.grid_id,
            activity=services.activity_lines(user, day),
            findings=rng.choice(FINDINGS).format(n=rng.randint(3, 12)),
            problems=rng.choice(PROBLEMS),
            plan=rng.choice(PLANS),
            created_at=submitted,
            submitted_at=submitted,
            resubmitted_at=submitted,
            late=late,
            status=WorkLog.Status.SUBMITTED,
            version=2,  # started, then submitted
        )
        manager = self.managers.get(m.grid_id)
        if not pending and manager is not None:
            self.review(log, manager, submitted)
        self.logs.append(log)

    def review(self, log: WorkLog, manager: Staff, submitted: dt.datetime) -> None:
        rng = self.rng
        first = submitted + dt.timedelta(hours=rng.randint(12, 20))
        log.reviewer = manager
        log.reviewed_at = first
        index = len(self.logs)
        if rng.random() < RETURNED:
            comment = rng.choice(RETURN_COMMENTS)
            back = LogReview(reviewer=manager, at=first, decision="return", comment=comment)
            self.reviews.append((index, back))
            log.version = 3
            if rng.random() < 0.3:  # still waiting for the author's revision
                log.status, log.return_comment = WorkLog.Status.RETURNED, comment
                return
            log.version = 4  # revised and submitted again
            log.resubmitted_at = first + dt.timedelta(hours=2)
            first = first + dt.timedelta(hours=5)
        score = rng.choices((3, 4, 5, 2), weights=(30, 45, 20, 5))[0]
        self.reviews.append(
            (index, LogReview(reviewer=manager, at=first, decision="approve", score=score))
        )
        log.status, log.score = WorkLog.Status.APPROVED, score
        log.version += 1

    def save(self) -> None:
        WorkLog.objects.bulk_create(self.logs, batch_size=500)
        for index, review in self.reviews:
            review.log = self.logs[index]
        LogReview.objects.bulk_create([r for _i, r in self.reviews], batch_size=500)

    def team(self, grid: Grid, people: list[GridMembership], n: int) -> None:
        """Last week's meeting with its action items, and a problem it discussed."""
        manager = self.managers.get(grid.pk)
        if manager is None or not people:
            return
        on = self.days[-3] if len(self.days) >= 3 else self.today
        attendance = {m.staff: self.rng.random() > 0.1 for m in people}
        attendance[manager] = True
        actor = manager.user
        meeting = services_team.meeting_create(
            actor=actor,
            grid=grid,
            kind=Meeting.Kind.WEEKLY,
            on=on,
            title="周例会：千兆升级与续费",
            minutes="通报本周新增与续费完成情况；布置下周走访重点小区；研讨物业进场难题。",
            chair=manager,
            attendance=attendance,
        )
        for i, m in enumerate(people[:3]):
            services_team.action_add(
                actor=actor,
                meeting=meeting,
                text=("回访上周有意向的客户", "整理到期未续费名单", "联系物业确定宣传位置")[i],
                owner=m.staff,
                due=self.today + dt.timedelta(days=i - 1),
            )
        problem = services_team.problem_raise(
            actor=people[0].staff.user,
            grid=grid,
            title="物业不让进小区张贴宣传品",
            detail="物业要求收取场地费，其他运营商已签独家协议。",
        )
        services_team.problem_discuss(actor=actor, problem=problem, meeting=meeting)
        if n % 3 == 0:
            services_team.problem_resolve(
                actor=actor, problem=problem, resolution="与物业签订便民服务协议，免费张贴。"
            )

    def training(self, grids: list[Grid], by_grid: dict[int, list[GridMembership]]) -> int:
        if not grids:
            return 0
        on = self.days[-5] if len(self.days) >= 5 else self.today
        county = services_team.training_create(
            actor=SYSTEM, topic="千兆宽带产品与话术", trainer="市场部 李老师", on=on
        )
        first = grids[0]
        local = services_team.training_create(
            actor=SYSTEM, topic="装维服务规范", trainer="工程部 王工", on=on, grid=first
        )
        n = 0
        for training, people in (
            (county, by_grid.get(first.pk, [])),
            (local, by_grid.get(first.pk, [])),
        ):
            for m in people:
                services_team.training_record(
                    actor=SYSTEM, training=training, staff=m.staff, score=self.rng.randint(70, 98)
                )
                n += 1
        return n

    def rotation(self, grids: list[Grid], by_grid: dict[int, list[GridMembership]]) -> int:
        if len(grids) < 3 or not by_grid.get(grids[2].pk):
            return 0
        m = by_grid[grids[2].pk][-1]
        services_team.rotation_plan(
            actor=SYSTEM,
            staff=m.staff,
            grid=grids[1] if len(grids) > 1 else grids[0],
            role=m.role,
            effective_on=self.today + dt.timedelta(days=30),
            note="轮岗锻炼",
        )
        return 1


@transaction.atomic
def load_worklog(seed: int) -> dict[str, int]:
    loader = _Loader(seed)
    grids = list(Grid.objects.order_by("code"))
    by_grid: dict[int, list[GridMembership]] = {}
    for m in (
        GridMembership.objects.filter(is_primary=True, role__in=LOG_ROLES)
        .select_related("staff__user")
        .order_by("grid__code", "staff__employee_no")
    ):
        by_grid.setdefault(m.grid_id, []).append(m)
    people = [m for g in grids for m in by_grid.get(g.pk, [])]
    loader.month(people)
    loader.save()
    for n, grid in enumerate(grids):
        loader.team(grid, by_grid.get(grid.pk, []), n)
    trained = loader.training(grids, by_grid)
    rotations = loader.rotation(grids, by_grid)
    return {
        "work_logs": len(loader.logs),
        "log_reviews": len(loader.reviews),
        "meetings": Meeting.objects.count(),
        "trainings": trained,
        "rotations": rotations,
    }
