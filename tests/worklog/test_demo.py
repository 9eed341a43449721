"""The demo county's month of logs and the team's basics: late and returned logs, reviews,
yesterday's waiting for the manager, a weekly meeting with action items, a training."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from wangge.core import clock, extensions
from wangge.org.models import User
from wangge.worklog.models import (
    ActionItem,
    Leave,
    LogReview,
    Meeting,
    Problem,
    RotationPlan,
    TrainingAttendance,
    WorkLog,
)

pytestmark = pytest.mark.django_db


def _demo(*args: str) -> None:
    call_command(
        "demo",
        "--grids",
        "3",
        "--crm-scale",
        "0.02",
        "--sales-scale",
        "0.3",
        *args,
        stdout=StringIO(),
    )


def test_a_month_of_logs_reviews_meetings_and_training() -> None:
    _demo()
    logs = WorkLog.objects.all()
    assert logs.count() > 100
    assert logs.filter(late=True).exists()
    assert logs.filter(status=WorkLog.Status.RETURNED).exists()
    assert logs.filter(status=WorkLog.Status.SUBMITTED).exists()  # waiting for review
    assert logs.filter(status=WorkLog.Status.APPROVED, score__isnull=False).exists()
    assert not logs.filter(day__gte=clock.today()).exists()
    assert logs.exclude(activity=[]).exists()  # the loaded visits pre-filled some logs
    revised = LogReview.objects.filter(decision="return").values("log_id")
    assert logs.filter(pk__in=revised, status=WorkLog.Status.APPROVED).exists()
    assert Leave.objects.exists()
    assert Meeting.objects.filter(kind=Meeting.Kind.WEEKLY).count() == 3
    assert ActionItem.objects.count() >= 3
    assert Problem.objects.filter(meeting__isnull=False).exists()
    assert TrainingAttendance.objects.filter(score__isnull=False).exists()
    assert RotationPlan.objects.filter(status="planned").count() == 1

    manager = User.objects.get(username="manager")
    sections = {s.key: items for s, items in extensions.today_for(manager, clock.today())}
    assert any(str(i.label) == "待审阅的日志" for i in sections["worklog"])
    c = Client()
    c.force_login(manager)
    assert c.get("/worklog/review/").status_code == 200
    assert c.get("/worklog/kpi/").status_code == 200

    before = sorted(logs.values_list("author__employee_no", "day", "status", "late"))
    _demo("--reset")  # the worklog goes with the organisation it points at: same seed, same month
    after = sorted(WorkLog.objects.values_list("author__employee_no", "day", "status", "late"))
    assert after == before
