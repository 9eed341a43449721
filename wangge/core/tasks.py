"""Background tasks of the platform itself: event handlers and scheduled jobs."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_event_handler(path: str, name: str, payload: dict[str, Any]) -> None:
    from wangge.core.events import handle

    handle(path, name, payload)


@task()
def run_scheduled_job(name: str, due_at: str) -> None:
    from wangge.core.schedule import run_job

    run_job(name, due_at)
