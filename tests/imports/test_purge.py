"""Old jobs and their files go; running jobs and the logs stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.personas import World
from wangge.core.models import ExportJob, ExportLog, ImportJob

pytestmark = pytest.mark.django_db


def _jobs(world: World, days_ago: int, import_status: str, export_status: str) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    user = world.user("market_admin")
    ImportJob.objects.create(
        user=user, kind="estates", filename="a.xlsx", data=b"x", status=import_status,
        created_at=at,
    )  # fmt: skip
    ExportJob.objects.create(
        user=user, kind="estates", filename="b.xlsx", data=b"y", status=export_status,
        created_at=at,
    )  # fmt: skip


def test_old_finished_jobs_go_and_running_or_recent_ones_stay(world: World) -> None:
    _jobs(world, 10, ImportJob.Status.DONE, ExportJob.Status.DONE)
    _jobs(world, 10, ImportJob.Status.VALIDATED, ExportJob.Status.FAILED)
    _jobs(world, 10, ImportJob.Status.COMMITTING, ExportJob.Status.RUNNING)
    _jobs(world, 2, ImportJob.Status.DONE, ExportJob.Status.DONE)
    log = ExportLog.objects.create(user=world.user("market_admin"), kind="estates", rows=3)
    out = io.StringIO()
    call_command("purge_jobs", stdout=out)  # default: WANGGE_JOB_KEEP_DAYS = 7
    assert "removed 2 import jobs and 2 export jobs" in out.getvalue()
    assert sorted(ImportJob.objects.values_list("status", flat=True)) == ["committing", "done"]
    assert sorted(ExportJob.objects.values_list("status", flat=True)) == ["done", "running"]
    assert ExportLog.objects.filter(pk=log.pk).exists()
    call_command("purge_jobs", "--days", "0", stdout=io.StringIO())
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["committing"]
    with pytest.raises(CommandError):
        call_command("purge_jobs", "--days", "-1")
