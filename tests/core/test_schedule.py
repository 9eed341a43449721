"""Scheduled jobs run once per due time, on the operator's clock, whoever ticks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from wangge.core import schedule
from wangge.core.models import ExportJob, JobRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
ran: list[str] = []


def _count() -> None:
    ran.append("ran")


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Any) -> Callable[[], list[str]]:
    """`schedule.tick()` with its commit callbacks run (the queue runs tasks immediately)."""

    def run() -> list[str]:
        with django_capture_on_commit_callbacks(execute=True):
            return schedule.tick()

    return run


@pytest.fixture
def counted() -> Iterator[list[str]]:
    ran.clear()
    saved = schedule.jobs()
    schedule._jobs.clear()
    schedule.register("count_daily", _count, daily_at=dt.time(2, 0))
    yield ran
    schedule._jobs.clear()
    schedule._jobs.update(saved)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_daily_job_runs_once_per_day_whoever_ticks(
    counted: list[str], time_machine: TimeMachineFixture, tick: Callable[[], list[str]]
) -> None:
    time_machine.move_to(at(2026, 3, 9, 1, 59))
    assert tick() == ["count_daily"]  # yesterday's 02:00 had not run yet
    assert tick() == [] and len(counted) == 1
    time_machine.move_to(at(2026, 3, 9, 2, 0))
    assert tick() == ["count_daily"]
    time_machine.move_to(at(2026, 3, 9, 23, 0))
    assert tick() == []  # a second scheduler, or a late tick, adds nothing
    assert len(counted) == 2
    assert list(JobRun.objects.values_list("status", flat=True)) == ["done", "done"]


@pytest.mark.django_db
def test_a_scheduler_that_was_down_catches_up_with_the_latest_run_only(
    counted: list[str], time_machine: TimeMachineFixture, tick: Callable[[], list[str]]
) -> None:
    time_machine.move_to(at(2026, 3, 1, 3, 0))
    tick()
    time_machine.move_to(at(2026, 3, 5, 3, 0))  # down for four days
    assert tick() == ["count_daily"]
    assert JobRun.objects.latest("due_at").due_at == at(2026, 3, 5, 2, 0)
    assert len(counted) == 2


def test_monthly_jobs_fall_on_their_day_in_shanghai_time() -> None:
    job = schedule.Job(name="settle", run=_count, at=dt.time(1, 0), monthly_on=1)
    # 2026-03-31 18:00 UTC is already 1 April 02:00 in Shanghai.
    assert job.latest_due(dt.datetime(2026, 3, 31, 18, tzinfo=dt.UTC)) == at(2026, 4, 1, 1, 0)
    assert job.latest_due(at(2026, 4, 30, 23, 0)) == at(2026, 4, 1, 1, 0)
    assert job.latest_due(at(2026, 1, 1, 0, 30)) == at(2025, 12, 1, 1, 0)


def test_a_job_needs_exactly_one_schedule() -> None:
    with pytest.raises(ValueError):
        schedule.register("x", _count)
    with pytest.raises(ValueError):
        schedule.register("x", _count, monthly_on=(31, dt.time(1)))


@pytest.mark.django_db
def test_the_job_purge_is_a_daily_scheduled_job(
    time_machine: TimeMachineFixture, tick: Callable[[], list[str]]
) -> None:
    assert "purge_jobs" in schedule.jobs()
    time_machine.move_to(at(2026, 3, 1, 12, 0))
    old = ExportJob.objects.create(kind="estates", filename="old.xlsx", status="done")
    time_machine.move_to(at(2026, 3, 20, 12, 0))
    fresh = ExportJob.objects.create(kind="estates", filename="new.xlsx", status="done")
    assert "purge_jobs" in tick()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert old.pk != fresh.pk
