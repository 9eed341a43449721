"""Import jobs: the uploaded file kept between preview and commit, run inline when small
and by the task worker when large, with progress the page can poll."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import is_person
from wangge.core.imports.pipeline import ImportReport, run_import
from wangge.core.imports.reader import SheetError, inspect
from wangge.core.imports.spec import ImportSpec, get_spec
from wangge.core.models import ImportJob

log = logging.getLogger(__name__)

#: Files with more rows than this run in the background with a progress bar.
BACKGROUND_ROWS = 5000
#: Upload limit: a 100,000-row sheet of 15 columns is about 6 MB.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def job_start(
    *, actor: Any, spec: ImportSpec, filename: str, data: bytes, strict: bool = False
) -> ImportJob:
    """Keep the file and run the dry run (now, or queued when the file is large)."""
    if not is_person(actor) or not spec.can_import(actor):
        raise PermissionDenied
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件太大（最多 50 MB）"))
    try:
        # Before the file is kept or parsed: not an .xlsx, a bomb, too many cells — one
        # message on the form. The rows are counted as they are, not as the sheet claims.
        rows = inspect(data).largest_rows
    except SheetError as exc:
        raise ValidationError(_(exc.message) % exc.params) from None
    job = ImportJob.objects.create(
        user=actor,
        kind=spec.kind,
        filename=filename[:200],
        data=data,
        strict=strict,
        rows_estimate=rows,
        status=ImportJob.Status.QUEUED,
        progress_note=_("排队中"),
    )
    _dispatch(job, commit=False)
    return job


def job_commit(*, actor: Any, job: ImportJob) -> ImportJob:
    """Write the validated file. Only once: a second click finds the job no longer waiting."""
    if actor is None or actor.pk != job.user_id:
        raise PermissionDenied  # the uploader commits; others may look, not write in their name
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.QUEUED, progress=0.0, progress_note=_("排队中")
    )
    job.refresh_from_db()
    if not claimed:
        raise ValidationError(_("这个导入已经提交过，或还没有校验完"))
    _dispatch(job, commit=True)
    return job


def is_background(job: ImportJob) -> bool:
    return job.rows_estimate > BACKGROUND_ROWS


def _dispatch(job: ImportJob, *, commit: bool) -> None:
    if not is_background(job):
        job_run(job.pk, commit=commit)
        job.refresh_from_db()
        return
    from wangge.core.imports.tasks import run_import_job

    job_id = job.pk
    transaction.on_commit(lambda: run_import_job.enqueue(job_id, commit))


def _progress(job_id: int) -> Any:
    last: dict[str, Any] = {"at": 0.0, "stage": ""}

    def report(fraction: float, note: str) -> None:
        now, stage = time.monotonic(), note.split(" ")[0]  # "已校验" → "正在写入": always shown
        if now - last["at"] < 0.3 and fraction < 1 and stage == last["stage"]:
            return  # the page polls every second; more writes only contend with it
        last.update(at=now, stage=stage)
        ImportJob.objects.filter(pk=job_id).update(
            progress=min(max(fraction, 0.0), 0.99), progress_note=note[:200]
        )

    return report


def job_run(job_id: int, *, commit: bool) -> None:
    """The work itself (inline or in the worker): validate, and write when `commit`."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    running = ImportJob.Status.COMMITTING if commit else ImportJob.Status.VALIDATING
    ImportJob.objects.filter(pk=job_id).update(status=running)
    try:
        if job.user is None or not job.user.is_active:
            raise PermissionDenied
        report = run_import(
            get_spec(job.kind),
            job.user,
            bytes(job.data),
            commit=commit,
            strict=job.strict,
            progress=_progress(job_id),
        )
    except PermissionDenied:
        _finish(
            job_id, ImportJob.Status.FAILED, ImportReport(kind=job.kind, failed=_("没有导入权限"))
        )
        return
    except Exception as exc:  # the job must end visibly, whatever broke
        log.exception("import job %s failed", job_id)
        _finish(job_id, ImportJob.Status.FAILED, ImportReport(kind=job.kind, failed=str(exc)))
        return
    if report.file_error:
        status = ImportJob.Status.FAILED  # the file, not its rows: say that, not "nothing"
        if not report.header_row:  # not even read: its one message, no error sheet
            report.failed, report.errors = report.errors[0].message, []
        else:
            report.failed = report.failed or _("文件缺少必填列")
    elif not commit and report.created + report.updated == 0:
        status = ImportJob.Status.NOTHING  # nothing to confirm: say so, do not wait
    elif not commit:
        status = ImportJob.Status.VALIDATED
    elif report.committed:
        status = ImportJob.Status.DONE
    else:
        status = ImportJob.Status.FAILED
    _finish(job_id, status, report)


def _finish(job_id: int, status: str, report: ImportReport) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        progress=1.0,
        progress_note="",
        report=report.to_json(),
        finished_at=clock.now(),
    )


def job_report(job: ImportJob) -> ImportReport | None:
    return ImportReport.from_json(job.report) if job.report else None
