"""Export jobs: a list too long to write inside a request is written by the task worker,
with progress the page can poll, and kept for its requester to download.

The job keeps the list page's parameters, not the rows: the worker applies them with the
user's rights and scope at run time, so someone who lost a grid meanwhile does not get it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.imports.spec import ImportSpec, get_spec
from wangge.core.imports.workbooks import export_workbook
from wangge.core.models import ExportJob

log = logging.getLogger(__name__)

#: A queued or running export older than this is taken for dead when the same is asked again.
STALE_AFTER = dt.timedelta(hours=1)


def export_filename(spec: ImportSpec, at: Any = None) -> str:
    """The label in the requester's language and the local time: 家庭客户-20261127-0430.xlsx."""
    stamp = timezone.localtime(at).strftime("%Y%m%d-%H%M")
    return f"{spec.label}-{stamp}.xlsx"


def export_start(user: Any, spec: ImportSpec, params: Mapping[str, str]) -> ExportJob:
    """Queue the export of `spec`'s list filtered by `params` (a list page's query string).

    One export of a kind runs at a time for a person: while one is queued or running, a
    repeat request (a double click, an impatient reload) gets that job, not another. A job
    queued longer than `STALE_AFTER` ago (a worker that was down) no longer holds the place."""
    if not spec.can_export(user):
        raise PermissionDenied
    running = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    with transaction.atomic():
        # The requester's row, locked (PostgreSQL), makes two requests queue one job.
        people = get_user_model()._default_manager.select_for_update()
        list(people.filter(pk=user.pk).values("pk"))
        current = (
            ExportJob.objects.filter(
                user=user,
                kind=spec.kind,
                status__in=running,
                created_at__gte=clock.now() - STALE_AFTER,
            )
            .defer("data")
            .order_by("pk")
            .first()
        )
        if current is not None:
            return current
        return _queue(user, spec, params)


def _queue(user: Any, spec: ImportSpec, params: Mapping[str, str]) -> ExportJob:
    now = clock.now()
    job = ExportJob.objects.create(
        user=user,
        kind=spec.kind,
        params={str(k): str(v) for k, v in params.items()},
        filename=export_filename(spec, now)[:200],
        created_at=now,
        status=ExportJob.Status.QUEUED,
        progress_note=_("排队中"),
    )
    from wangge.core.imports.tasks import run_export_job

    job_id = job.pk
    # After the commit: the database worker must not look for a job it cannot see yet.
    transaction.on_commit(lambda: run_export_job.enqueue(job_id))
    return job


def _progress(job_id: int) -> Callable[[float, int], None]:
    last = {"at": 0.0}

    def report(fraction: float, rows: int) -> None:
        now = time.monotonic()
        if now - last["at"] < 0.3 and fraction < 1:
            return  # the page polls every second; more writes only contend with it
        last["at"] = now
        ExportJob.objects.filter(pk=job_id).update(
            progress=min(max(fraction, 0.0), 0.99),
            progress_note=_("已导出 %(rows)s 行") % {"rows": rows},
            rows=rows,
        )

    return report


def export_run(job_id: int) -> None:
    """The work itself, in the worker: the right again, the list, the workbook, the log."""
    job = ExportJob.objects.select_related("user").defer("data").get(pk=job_id)
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.RUNNING, progress_note=_("正在导出")
    )
    rows = {"n": 0}
    report = _progress(job_id)

    def progress(fraction: float, done: int) -> None:
        rows["n"] = done
        report(fraction, done)

    try:
        spec = get_spec(job.kind)
        user = job.user
        if not spec.can_export(user):  # inactive users have no rights
            raise PermissionDenied
        queryset, filters = spec.filter_queryset(user, job.params)
        data = export_workbook(spec, user, queryset, filters, progress=progress)
    except PermissionDenied:
        _fail(job_id, _("没有导出权限"))
        return
    except Exception as exc:  # the job must end visibly, whatever broke
        log.exception("export job %s failed", job_id)
        _fail(job_id, str(exc) or exc.__class__.__name__)
        return
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE,
        progress=1.0,
        progress_note="",
        rows=rows["n"],
        data=data,
        finished_at=clock.now(),
    )


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.FAILED,
        progress=1.0,
        progress_note="",
        error=message[:500],
        finished_at=clock.now(),
    )
