from django_tasks import task

from wangge.core.imports.exports import export_run
from wangge.core.imports.jobs import job_run


@task()
def run_import_job(job_id: int, commit: bool) -> None:
    job_run(job_id, commit=commit)


@task()
def run_export_job(job_id: int) -> None:
    export_run(job_id)
