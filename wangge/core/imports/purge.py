"""Jobs hold whole files (an upload, a county's export): they are kept for a while for
preview, commit and download, then removed. What was imported or exported stays on record
in the audit log and the export log, which are never purged here."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from wangge.core import clock
from wangge.core.models import ExportJob, ImportJob

_IMPORT_BUSY = (ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.COMMITTING)
_EXPORT_BUSY = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


@transaction.atomic
def jobs_purge(*, older_than: dt.timedelta) -> tuple[int, int]:
    """Delete import and export jobs created before now − `older_than` that are not
    running (one the worker holds would fail mid-way). Returns (imports, exports)."""
    before = clock.now() - older_than
    imports, _ = (
        ImportJob.objects.filter(created_at__lt=before).exclude(status__in=_IMPORT_BUSY).delete()
    )
    exports, _ = (
        ExportJob.objects.filter(created_at__lt=before).exclude(status__in=_EXPORT_BUSY).delete()
    )
    return imports, exports


def jobs_purge_scheduled() -> None:
    """The daily scheduled purge (`wangge scheduler`), keeping `WANGGE_JOB_KEEP_DAYS`."""
    from django.conf import settings

    jobs_purge(older_than=dt.timedelta(days=settings.WANGGE_JOB_KEEP_DAYS))
