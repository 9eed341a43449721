"""Scheduled jobs: rules that must run every day or every month, on the task queue.

Apps register jobs in `AppConfig.ready()`::

    schedule.register("purge_jobs", purge_old_jobs, daily_at=dt.time(3, 30), label=...)

`wangge scheduler` (started by `make demo` beside the worker; in production one per site,
or `wangge scheduler --once` from cron every few minutes) calls `tick()`, which finds each
job's latest due time (Asia/Shanghai, read from the one clock) and queues it once: a
`JobRun` row per job and due time, unique in the database, so two schedulers, a restart or
a late tick never run a job twice, and a scheduler that was down catches up with the latest
missed run (not with every one). Time is an input: tests move the clock with time-machine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from wangge.core import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Any]
    at: dt.time
    #: None: every day; 1–28: that day of every month.
    monthly_on: int | None = None
    label: Any = ""

    def latest_due(self, now: dt.datetime) -> dt.datetime:
        """The last moment at or before `now` when the job was due (local time)."""
        local = timezone.localtime(now)
        day = local.date()
        if self.monthly_on is None:
            due = _at(day, self.at)
            return due if due <= local else _at(day - dt.timedelta(days=1), self.at)
        due = _at(day.replace(day=self.monthly_on), self.at)
        if due <= local:
            return due
        previous = day.replace(day=1) - dt.timedelta(days=1)
        return _at(previous.replace(day=self.monthly_on), self.at)


def _at(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


_jobs: dict[str, Job] = {}


def register(
    name: str,
    run: Callable[[], Any],
    *,
    daily_at: dt.time | None = None,
    monthly_on: tuple[int, dt.time] | None = None,
    label: Any = "",
) -> None:
    if (daily_at is None) == (monthly_on is None):
        raise ValueError("Give exactly one of daily_at or monthly_on.")
    if monthly_on is not None and not 1 <= monthly_on[0] <= 28:
        raise ValueError("A monthly job runs on day 1–28 (every month has them).")
    at = daily_at if daily_at is not None else monthly_on[1]  # type: ignore[index]
    day = monthly_on[0] if monthly_on is not None else None
    _jobs[name] = Job(name=name, run=run, at=at, monthly_on=day, label=label)


def jobs() -> dict[str, Job]:
    return dict(_jobs)


def tick() -> list[str]:
    """Queue every job whose latest due time has not been queued yet; returns their names."""
    from wangge.core.models import JobRun
    from wangge.core.tasks import run_scheduled_job

    now = clock.now()
    queued = []
    for job in _jobs.values():
        due = job.latest_due(now)
        if JobRun.objects.filter(name=job.name, due_at__gte=due).exists():
            continue
        try:
            with transaction.atomic():
                JobRun.objects.create(name=job.name, due_at=due)
        except IntegrityError:
            continue  # another scheduler took it
        transaction.on_commit(partial(run_scheduled_job.enqueue, job.name, due.isoformat()))
        queued.append(job.name)
    return queued


def run_job(name: str, due_at: str) -> None:
    """Run one queued job and record how it ended (the task worker calls this)."""
    from wangge.core.models import JobRun

    run = JobRun.objects.get(name=name, due_at=dt.datetime.fromisoformat(due_at))
    JobRun.objects.filter(pk=run.pk).update(started_at=clock.now(), status=JobRun.Status.RUNNING)
    try:
        _jobs[name].run()
    except Exception as exc:
        log.exception("Scheduled job %s failed", name)
        JobRun.objects.filter(pk=run.pk).update(
            finished_at=clock.now(), status=JobRun.Status.FAILED, error=str(exc)[:2000]
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(finished_at=clock.now(), status=JobRun.Status.DONE)
