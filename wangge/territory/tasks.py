from django_tasks import task

from wangge.territory.auto import plan_auto_run


@task()
def run_partition(plan_id: int) -> None:
    plan_auto_run(plan_id)
